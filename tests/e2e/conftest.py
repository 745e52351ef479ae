"""A real server process with demo data, and headless Chromium (Debian's) driven by Playwright."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import IN_CI

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _chromium_path() -> str:
    path = os.environ.get("MATCHMAKER_TEST_CHROMIUM", "/usr/bin/chromium")
    if not Path(path).exists():
        message = f"Chromium not found at {path}: run scripts/services.sh install"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def live_instance(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The server's instance directory (its SQLite database and secret key)."""
    return tmp_path_factory.mktemp("e2e-instance")


@pytest.fixture(scope="session")
def live_server(live_instance: Path) -> Iterator[str]:
    instance = live_instance
    port = _free_port()
    env = os.environ.copy()
    env.update(MATCHMAKER_INSTANCE_DIR=str(instance), MATCHMAKER_LOAD_DEMO_DATA="1")
    # the server (and the worker it starts) import this checkout, not an installed copy
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.pop("MATCHMAKER_DATABASE_URL", None)
    log = (instance / "server.log").open("wb")
    process = subprocess.Popen(
        # the whole embedded default: web server plus its worker on the filesystem queue
        [sys.executable, "-m", "web.cli", "run", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    # the site answers at once; its worker then indexes the demo data and proposes matches,
    # which the flows below rely on: wait until /readyz says the background work is done
    deadline = time.monotonic() + 300
    while True:
        try:
            with urllib.request.urlopen(base + "/readyz", timeout=5) as response:
                if json.load(response)["checks"].get("background") == "idle":
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail("server did not start:\n" + (instance / "server.log").read_text()[-3000:])
        time.sleep(0.3)
    yield base
    process.terminate()
    process.wait(timeout=60)  # the server first waits up to 30 s for its worker to stop
    log.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    executable = _chromium_path()
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser, live_server):  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 860})
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


def screenshot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
