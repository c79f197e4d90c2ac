"""docker-compose.yml cannot be run here (no Docker engine), so it is kept true by construction:
the same commands as the Procfile and the Dockerfile, and only variables the settings read."""

import json
import re
import shlex
from pathlib import Path

import pytest
import yaml

BASE_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def procfile() -> dict[str, list[str]]:
    lines = (BASE_DIR / "Procfile").read_text().splitlines()
    return {
        name: shlex.split(cmd)
        for name, cmd in (line.split(":", 1) for line in lines if line.strip())
    }


def settings_variables() -> set[str]:
    source = (BASE_DIR / "alliance" / "settings.py").read_text()
    return set(re.findall(r'env\.get_\w+\(\s*"([A-Z_]+)"', source))


def test_compose_has_the_production_services(compose):
    assert {"db", "redis", "web", "worker", "beat"} <= set(compose["services"])
    assert compose["services"]["db"]["image"].startswith("postgres:15")
    assert compose["services"]["redis"]["image"].startswith("redis:7")


@pytest.mark.parametrize("process", ["web", "worker", "beat"])
def test_compose_runs_the_procfile_commands(compose, procfile, process):
    assert compose["services"][process]["command"] == procfile[process]


def test_dockerfile_default_command_is_the_web_process(procfile):
    dockerfile = (BASE_DIR / "Dockerfile").read_text()
    cmd = json.loads(re.search(r"^CMD (\[.*\])$", dockerfile, re.MULTILINE).group(1))
    assert cmd == procfile["web"]


def test_exactly_one_beat(compose):
    assert compose["services"]["beat"]["deploy"]["replicas"] == 1
    beats = [name for name, svc in compose["services"].items() if "beat" in svc.get("command", [])]
    assert beats == ["beat"]


def test_compose_sets_only_variables_the_settings_read(compose):
    known = settings_variables()
    for name in ("web", "worker", "beat", "migrate"):
        environment = compose["services"][name]["environment"]
        unknown = set(environment) - known
        assert not unknown, f"{name} sets variables the settings never read: {unknown}"
        for required in (
            "DJANGO_SECRET_KEY",
            "DJANGO_ALLOWED_HOSTS",
            "DATABASE_URL",
            "CELERY_BROKER_URL",
        ):
            assert required in environment
        assert environment["DJANGO_DEBUG"] == "false"
        assert environment["DATABASE_URL"].startswith("postgres://")
        assert environment["CELERY_BROKER_URL"].startswith("redis://redis:6379")


def test_readme_documents_every_settings_variable():
    readme = (BASE_DIR / "README.md").read_text()
    missing = sorted(name for name in settings_variables() if name not in readme)
    assert not missing, f"README does not explain: {missing}"


def test_dev_procfile_runs_web_worker_and_beat():
    processes = {
        line.split(":", 1)[0]
        for line in (BASE_DIR / "Procfile.dev").read_text().splitlines()
        if line
    }
    assert processes == {"web", "worker", "beat"}


def test_the_image_has_pg_dump_of_the_servers_major_version(compose):
    # manage.py backup runs pg_dump inside the web image; an older pg_dump refuses a newer server.
    major = compose["services"]["db"]["image"].split(":")[1].split(".")[0]
    dockerfile = (BASE_DIR / "Dockerfile").read_text()
    assert f"postgresql-client-{major}" in dockerfile
