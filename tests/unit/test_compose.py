"""The production stack file: validated by docker-compose itself (no engine needed) and checked
for what operators rely on: health checks, named volumes, configuration only from the env file."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import IN_CI

ROOT = Path(__file__).resolve().parents[2]
SERVERS = {"postgres", "redis", "elasticsearch"}
APP = {"migrate", "web", "worker", "beat"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def test_docker_compose_validates_the_file(tmp_path: Path) -> None:
    tool = shutil.which("docker-compose")
    if tool is None:
        message = "docker-compose not installed: run scripts/services.sh install"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    shutil.copy(ROOT / "docker-compose.yml", tmp_path / "docker-compose.yml")
    shutil.copy(ROOT / ".env.example", tmp_path / ".env")  # what an operator starts from
    result = subprocess.run(
        [tool, "config", "--quiet"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr


def test_every_service_is_there_with_health_checks_and_named_volumes(compose: dict) -> None:
    services = compose["services"]
    assert set(services) == SERVERS | APP
    for name in SERVERS | {"web"}:
        assert "healthcheck" in services[name], name
    for name in SERVERS:
        mounts = services[name].get("volumes", [])
        assert mounts and all(":" in m and not m.startswith(("/", ".")) for m in mounts), name
    declared = set(compose["volumes"])
    assert {"pgdata", "redisdata", "esdata", "instance"} <= declared


def test_app_services_take_configuration_only_from_the_env_file(compose: dict) -> None:
    env_keys = {
        line.split("=", 1)[0]
        for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    }
    assert {"MATCHMAKER_SECRET_KEY", "MATCHMAKER_DATABASE_URL", "POSTGRES_PASSWORD"} <= env_keys
    for name in APP:
        service = compose["services"][name]
        assert service.get("env_file") == ".env", name
        assert "environment" not in service, f"{name}: settings belong in .env"
    # the migration waits for healthy servers; everything else waits for the migration
    depends = compose["services"]["migrate"]["depends_on"]
    assert all(depends[s]["condition"] == "service_healthy" for s in SERVERS)
    for name in APP - {"migrate"}:
        depends = compose["services"][name]["depends_on"]
        assert depends == {"migrate": {"condition": "service_completed_successfully"}}, name


def test_the_model_is_converted_once_into_the_shared_volume(compose: dict) -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    mount = next(v for v in compose["x-app"]["volumes"] if v.startswith("instance:"))
    volume_path = mount.split(":", 1)[1]
    assert f"MATCHMAKER_MODEL_CACHE_DIR={volume_path}/models" in dockerfile
