"""docker-compose's streaming replica (decision 065): made from the primary by the scripts
that tests/infra/test_replica.py runs for real, pooled by a PgBouncer of its own, and named
to web and workers through the setting the router reads (DATABASE_REPLICA_URL)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "docker" / "postgres"
APP_SERVICES = ("web", "worker-interactive", "worker-batch", "beat")


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _parameters(command: list[str]) -> dict[str, str]:
    """The ``-c name=value`` server settings of a postgres command line."""
    return dict(command[i + 1].split("=", 1) for i, word in enumerate(command) if word == "-c")


def _host(url: str) -> str:
    return urlsplit(url).hostname or ""


def test_the_replica_is_a_standby_copied_from_db_by_the_tested_script():
    services = _compose()["services"]
    db, replica = services["db"], services["replica"]
    assert replica["image"] == db["image"]  # pg_basebackup needs the same major version
    assert replica["entrypoint"] == ["bash", "/docker/postgres/replica-entrypoint.sh"]
    assert "./docker/postgres:/docker/postgres:ro" in replica["volumes"]
    assert (SCRIPTS / "replica-entrypoint.sh").is_file()
    # Then the image's own entrypoint starts the copy (it skips initdb: the data is there).
    assert replica["command"][:2] == ["docker-entrypoint.sh", "postgres"]
    assert replica["environment"]["PRIMARY_HOST"] == "db"
    assert replica["depends_on"]["db"]["condition"] == "service_healthy"
    # Its own volume, at the image's data directory.
    data = {v.split(":")[0] for v in replica["volumes"] if v.endswith(":/var/lib/postgresql/data")}
    assert data == {"replicadata"}
    assert "replicadata" in _compose()["volumes"]
    # A standby refuses to start with fewer of these than the primary has.
    primary, standby = _parameters(db["command"]), _parameters(replica["command"])
    for name in ("max_connections", "max_locks_per_transaction", "max_prepared_transactions"):
        if name in primary:
            assert int(standby.get(name, 0)) >= int(primary[name]), name
    assert standby.get("hot_standby", "on") == "on"


def test_the_primary_gets_the_replication_role_the_replica_uses():
    services = _compose()["services"]
    db, replica = services["db"], services["replica"]
    init = [v for v in db["volumes"] if "/docker-entrypoint-initdb.d/" in v]
    assert init == [
        "./docker/postgres/primary-init.sh:/docker-entrypoint-initdb.d/10-replication.sh:ro"
    ]
    # Executable, so the image runs it in a shell of its own rather than sourcing it.
    assert os.access(SCRIPTS / "primary-init.sh", os.X_OK)
    for key in ("REPLICATION_USER", "REPLICATION_PASSWORD"):
        assert db["environment"][key] == replica["environment"][key], key


def test_web_and_workers_read_the_replica_through_its_own_pgbouncer():
    services = _compose()["services"]
    bouncer = services["pgbouncer-replica"]
    assert _host(bouncer["environment"]["DATABASE_URL"]) == "replica"
    assert bouncer["environment"]["POOL_MODE"] == "transaction"
    assert bouncer["depends_on"]["replica"]["condition"] == "service_started"
    # A replica that is down fails a query within seconds (the app then reads the primary),
    # not after PgBouncer's 120 s default (tests/infra/test_replica.py, through PgBouncer).
    assert int(bouncer["environment"]["SERVER_CONNECT_TIMEOUT"]) <= 5
    assert int(bouncer["environment"]["QUERY_WAIT_TIMEOUT"]) <= 5
    for name in APP_SERVICES:
        service = services[name]
        env = service["environment"]
        assert _host(env["DATABASE_REPLICA_URL"]) == "pgbouncer-replica", name
        assert env["DATABASE_POOLER"] == "pgbouncer", name  # search_path on every statement
        assert "pgbouncer-replica" in service["depends_on"], name
    # Migrations touch the primary only.
    migrate = services["migrate"]
    assert migrate["environment"]["DATABASE_REPLICA_URL"] == ""
    assert "replica" not in migrate["depends_on"]


def test_the_web_environment_gives_the_router_a_pooled_replica_with_a_short_connect():
    """config.settings, given the web container's environment: a ``replica`` database behind
    transaction pooling (decision 053) that follows the primary's schema."""
    web = _compose()["services"]["web"]["environment"]
    env = {**os.environ, **{k: str(v) for k, v in web.items()}, "DJANGO_ENV": "test"}
    script = (
        "import json, django; django.setup(); from django.conf import settings as s;"
        "r = s.DATABASES['replica'];"
        "print(json.dumps({k: r.get(k) for k in ('HOST', 'PORT', 'REPLICA_OF',"
        " 'TRANSACTION_POOLING', 'DISABLE_SERVER_SIDE_CURSORS', 'OPTIONS')}))"
    )
    result = subprocess.run(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    replica = json.loads(result.stdout.strip().splitlines()[-1])
    assert replica["HOST"] == "pgbouncer-replica"
    assert str(replica["PORT"]) == "6432"
    assert replica["REPLICA_OF"] == "default"
    assert replica["TRANSACTION_POOLING"] is True
    assert replica["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert 0 < replica["OPTIONS"]["connect_timeout"] <= 5


def _compose_cli() -> list[str] | None:
    if shutil.which("docker"):
        probe = subprocess.run(
            ["docker", "compose", "version"], capture_output=True, text=True, check=False
        )
        if probe.returncode == 0:
            return ["docker", "compose"]
    found = shutil.which("docker-compose")  # Debian's docker-compose package (v1)
    return [found] if found else None


@pytest.mark.skipif(_compose_cli() is None, reason="neither docker compose nor docker-compose")
def test_compose_accepts_the_file_with_the_replica():
    env_file = ROOT / ".env"
    created = not env_file.exists()
    if created:
        env_file.write_text("")
    try:
        result = subprocess.run(  # noqa: S603 - docker compose, fixed arguments
            [*(_compose_cli() or []), "config"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
            env={**os.environ, "REPLICATION_PASSWORD": "from-the-env"},
        )
    finally:
        if created:
            env_file.unlink()
    assert result.returncode == 0, result.stderr
    services = yaml.safe_load(result.stdout)["services"]
    assert services["replica"]["environment"]["REPLICATION_PASSWORD"] == "from-the-env"
    assert services["db"]["environment"]["REPLICATION_PASSWORD"] == "from-the-env"
