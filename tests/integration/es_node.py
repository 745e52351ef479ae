"""A private Elasticsearch node for tests that kill and restart it.

The shared node of scripts/services.sh must stay up for every other test, so a fault test runs
its own: the same distribution and settings as services.sh (version read from the script, the
unpacked copy in MATCHMAKER_CACHE, Java from MATCHMAKER_ES_JAVA_HOME), with its own free ports,
data and log folders and a 256 MB heap. Elasticsearch refuses to run as root: as root the node
runs as services.sh's user `mmsvc`, so its folder lives in a temporary folder of its own that this
user can reach (pytest's tmp_path is private to the user running the tests).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ROOT / "scripts" / "services.sh"
ES_USER = "mmsvc"  # services.sh's ES_USER
HOST = "127.0.0.1"
HEAP = "-Xms256m -Xmx256m"
START_TIMEOUT = 180.0


class NodeUnavailable(RuntimeError):
    """Something the node needs is missing (run `scripts/services.sh install` / `start es`)."""


def es_version() -> str:
    match = re.search(r"^ES_VERSION=(\S+)\s*$", SERVICES.read_text(), re.MULTILINE)
    if match is None:
        raise NodeUnavailable(f"no ES_VERSION= line in {SERVICES}")
    return match.group(1)


def distribution() -> Path:
    """Where `scripts/services.sh install` unpacks Elasticsearch (its ES_DIST)."""
    cache = os.environ.get("MATCHMAKER_CACHE") or str(Path.home() / ".cache" / "matchmaker")
    return Path(cache) / "elasticsearch" / f"elasticsearch-{es_version()}"


def java_home() -> Path:
    return Path(os.environ.get("MATCHMAKER_ES_JAVA_HOME") or "/usr/lib/jvm/java-17-openjdk-amd64")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1.0)
        return sock.connect_ex((HOST, port)) == 0


def _tail(path: Path, lines: int = 40) -> str:
    if not path.exists():
        return f"(no {path})"
    text = path.read_text(errors="replace").splitlines()[-lines:]
    return f"----- last lines of {path} -----\n" + "\n".join(text)


class ElasticsearchNode:
    """One single-node cluster: `start()` (again after `kill()`, on the same data), `destroy()`."""

    def __init__(self) -> None:
        dist, java = distribution(), java_home()
        if not (dist / "bin" / "elasticsearch").is_file():
            raise NodeUnavailable(
                f"Elasticsearch not unpacked in {dist}: run scripts/services.sh install"
            )
        if not (java / "bin" / "java").is_file():
            raise NodeUnavailable(f"no java at {java}/bin/java (set MATCHMAKER_ES_JAVA_HOME)")
        self.as_root = os.geteuid() == 0
        if self.as_root:
            try:
                self.user = pwd.getpwnam(ES_USER)
            except KeyError:
                raise NodeUnavailable(
                    f"user {ES_USER} missing: run scripts/services.sh start es once"
                ) from None
        self.java = java
        self.root = Path(tempfile.mkdtemp(prefix="mm-es-node-"))
        self.home = self.root / f"elasticsearch-{es_version()}"
        self.data, self.logs, self.tmp = self.root / "data", self.root / "logs", self.root / "tmp"
        self.pidfile = self.root / "es.pid"
        self.console = self.root / "console.log"
        self.http_port, self.transport_port = free_port(), free_port()
        self.process: subprocess.Popen[bytes] | None = None
        try:
            self._prepare(dist)
        except BaseException:
            shutil.rmtree(self.root, ignore_errors=True)
            raise

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.http_port}"

    def _prepare(self, dist: Path) -> None:
        # a copy of its own, as services.sh makes: the cache under root's home is private
        shutil.copytree(dist, self.home, symlinks=True)
        for folder in (self.data, self.logs, self.tmp):
            folder.mkdir()
        (self.home / "config" / "elasticsearch.yml").write_text(
            "cluster.name: matchmaker-fault-test\n"
            "node.name: matchmaker-fault-node\n"
            "discovery.type: single-node\n"
            "xpack.security.enabled: false\n"
            f"network.host: {HOST}\n"
            f"http.port: {self.http_port}\n"
            f"transport.port: {self.transport_port}\n"
            f"path.data: {self.data}\n"
            f"path.logs: {self.logs}\n"
            "cluster.routing.allocation.disk.threshold_enabled: false\n"
        )
        if self.as_root:
            self.root.chmod(0o755)
            for path in [self.root, *self.root.rglob("*")]:
                os.chown(path, self.user.pw_uid, self.user.pw_gid, follow_symlinks=False)
            reachable = subprocess.run(
                ["runuser", "-u", ES_USER, "--", "test", "-w", str(self.data)],
                capture_output=True,
                timeout=30,
            )
            if reachable.returncode != 0:
                raise NodeUnavailable(
                    f"{self.data} is not writable by {ES_USER} (a private parent of "
                    f"{self.root}? set TMPDIR elsewhere)"
                )

    def _command(self) -> list[str]:
        environment = [
            f"ES_JAVA_HOME={self.java}",
            f"ES_JAVA_OPTS={HEAP}",
            f"ES_TMPDIR={self.tmp}",
        ]
        node = [str(self.home / "bin" / "elasticsearch"), "-p", str(self.pidfile)]
        if self.as_root:
            return ["runuser", "-u", ES_USER, "--", "env", *environment, *node]
        return ["env", *environment, *node]

    def start(self, timeout: float = START_TIMEOUT) -> None:
        """Start the node (in a session of its own) and wait until the cluster is yellow."""
        assert self.process is None or self.process.poll() is not None, "already running"
        if port_open(self.http_port):
            raise RuntimeError(f"port {self.http_port} is taken by another process")
        self.pidfile.unlink(missing_ok=True)
        with self.console.open("ab") as console:
            self.process = subprocess.Popen(
                self._command(),
                cwd="/",
                stdin=subprocess.DEVNULL,
                stdout=console,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.ready():
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.5)
        code = self.process.poll()
        self._kill_group()
        why = f"exited with code {code}" if code is not None else f"not ready after {timeout:.0f}s"
        raise RuntimeError(f"Elasticsearch on {self.url} {why}\n{self.diagnostics()}")

    def ready(self) -> bool:
        url = f"{self.url}/_cluster/health?wait_for_status=yellow&timeout=1s"
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def server_pid(self) -> int | None:
        """The running server JVM of this node (the launcher that started it is its parent)."""
        try:
            pid = int(self.pidfile.read_text().strip())
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except (OSError, ValueError):
            return None
        return pid if str(self.home).encode() in cmdline else None  # not a reused pid

    def kill(self, sig: signal.Signals = signal.SIGKILL, timeout: float = 60.0) -> None:
        """Stop the node for real: signal the server process, wait for every process of the
        node to end and its HTTP port to close."""
        assert self.process is not None and self.process.poll() is None, "node is not running"
        pid = self.server_pid()
        if pid is None:
            raise RuntimeError(f"no server pid in {self.pidfile}\n{self.diagnostics()}")
        os.kill(pid, sig)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self._kill_group()
            raise RuntimeError(f"node still running {timeout:.0f}s after {sig.name}") from None
        deadline = time.monotonic() + timeout
        while port_open(self.http_port):
            if time.monotonic() > deadline:
                raise RuntimeError(f"port {self.http_port} still open after {sig.name}")
            time.sleep(0.1)

    def _kill_group(self) -> None:
        """SIGKILL whatever is left of this node: its server JVM and the session started for
        it (runuser, the launcher)."""
        pid = self.server_pid()
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        process = self.process
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=30)

    def destroy(self) -> None:
        self._kill_group()
        shutil.rmtree(self.root, ignore_errors=True)

    def diagnostics(self) -> str:
        return "\n".join([_tail(self.console), _tail(self.logs / "matchmaker-fault-test.log")])
