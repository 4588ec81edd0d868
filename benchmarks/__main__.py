"""Run every benchmark section against a fresh ``bench_bimeh`` database and write
docs/benchmarks.md.

Usage: ``python -m benchmarks [section ...]`` (``make bench``). Naming sections (module
names, e.g. ``routing``) runs only those and replaces only their rows and notes in the page,
whose header then says which sections are newer than the full run. The database
named in DATABASE_URL is never touched: the run creates ``bench_bimeh`` (or
``$BENCH_DB_NAME``) on the same server, migrates it, runs each section module (``ORDER``,
``run(report)``) and drops it. Cache keys use the database's name as their prefix and are
deleted at the end; Celery goes to an in-memory broker, so nothing reaches a real worker.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import platform
import sys
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

# BENCH_DB_NAME lets two checkouts on one server run benchmarks without dropping each
# other's database.
BENCH_DB = os.environ.get("BENCH_DB_NAME", "bench_bimeh")
# BENCH_KEEP_DB=1 keeps the database between runs (made if missing, migrated, never dropped):
# a section whose data takes long to generate (pages at scale) can then be measured again
# after a change without generating it again. Sections skip what is already there.
KEEP_DB = os.environ.get("BENCH_KEEP_DB") == "1"
ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "docs" / "benchmarks.md"


def _database_url(name: str) -> str:
    base = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/bimeh"
    parts = urlsplit(base)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def _configure_environment() -> None:
    os.environ["DATABASE_URL"] = _database_url(BENCH_DB)
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
    os.environ["CACHE_KEY_PREFIX"] = BENCH_DB
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "0"
    # Nothing may reach a real worker: it would run against its own database.
    os.environ["CELERY_BROKER_URL"] = "memory://"
    # A section that starts a worker of its own (referrals) gives it one queue: every task of
    # the run goes there, not to the deployed split by queue (decision 055).
    os.environ["TASK_QUEUE_ROUTING"] = "0"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ.setdefault("DJANGO_ENV", "development")
    # DEBUG would keep every query in memory and slow the loops down.
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ["LOG_LEVEL"] = "WARNING"


def _admin_connection():
    import psycopg2

    connection = psycopg2.connect(_database_url("postgres"))
    connection.autocommit = True
    return connection


def _recreate_database() -> None:
    connection = _admin_connection()
    with connection.cursor() as cursor:
        if KEEP_DB:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DB])
            if cursor.fetchone():
                connection.close()
                return
        cursor.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{BENCH_DB}"')
    connection.close()


def _forget_cache() -> None:
    """Delete the run's own cache keys (host entries are cached without expiry)."""
    from django.conf import settings

    from core.redis import redis_client

    prefix = settings.CACHES["default"]["KEY_PREFIX"]
    client = redis_client()
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    # In slices, and freed by Redis in the background: a run can leave hundreds of thousands
    # of quotes waiting, and one DEL of them all outlasts the client's read timeout.
    for start in range(0, len(keys), 1000):
        client.unlink(*keys[start : start + 1000])


def _drop_database() -> None:
    from django.db import connections

    connections.close_all()
    connection = _admin_connection()
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
    connection.close()


def _sections(only: list[str]) -> list:
    import benchmarks

    modules = []
    for info in pkgutil.iter_modules(benchmarks.__path__):
        if info.name.startswith("_") or (only and info.name not in only):
            continue
        module = importlib.import_module(f"benchmarks.{info.name}")
        if hasattr(module, "run"):
            modules.append(module)
    return sorted(modules, key=lambda module: (getattr(module, "ORDER", 100), module.__name__))


def _machine() -> dict[str, str]:
    import django
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (postgres,) = cursor.fetchone()
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                model = f" ({line.split(':', 1)[1].strip()})"
                break
    return {
        "CPUs (nproc)": f"{cpus}{model}",
        "PostgreSQL": postgres,
        "Python": platform.python_version(),
        "Django": django.get_version(),
        "OS": f"{platform.system()} {platform.release()}",
    }


def _row_lines(report) -> list[str]:
    lines = []
    for row in report.rows:
        verdict = "" if row.passed is None else ("pass" if row.passed else "**FAIL**")
        lines.append(f"| {row.section} | {row.measure} | {row.value} | {row.target} | {verdict} |")
    return lines


def _result_line(rows: list[str]) -> str:
    missed = sum(1 for line in rows if line.rstrip().endswith("| **FAIL** |"))
    verdict = "all targets met" if not missed else f"{missed} target(s) missed"
    return f"**Result: {verdict}.**"


def _write(report, machine: dict[str, str], started: datetime, seconds: float) -> None:
    rows = _row_lines(report)
    lines = [
        "# Benchmarks",
        "",
        "Generated by `make bench` (`python -m benchmarks`); do not edit by hand.",
        "",
        f"- Date: {started:%Y-%m-%d %H:%M} UTC, run time {seconds / 60:.1f} min",
        *[f"- {key}: {value}" for key, value in machine.items()],
        "- Database: a fresh `bench_bimeh` on the same server, dropped after the run",
        "",
        "| Section | Measure | Value | Target | Result |",
        "|---|---|---|---|---|",
        *rows,
    ]
    for section, notes in report.notes.items():
        lines += ["", f"## {section}", ""]
        lines += [f"- {note}" for note in notes]
    lines += ["", _result_line(rows), ""]
    OUTPUT.write_text("\n".join(lines), encoding="utf-8")


def _update(report, sections: list[str], started: datetime, seconds: float) -> bool:
    """A partial run replaces the rows and notes of the sections it ran, and only those,
    in the page of the last full run; the header says which sections are newer. Returns
    False (page untouched) when there is no full page to update."""
    if not OUTPUT.exists():
        return False
    text = OUTPUT.read_text(encoding="utf-8")
    head, table_and_rest = text.split("| Section | Measure | Value | Target | Result |", 1)
    lines = table_and_rest.split("\n")
    titles = {row.section for row in report.rows} | set(report.notes)
    table = [line for line in lines[2:] if line.startswith("| ")]
    rest = "\n".join(lines[2 + len(table) :])
    kept = [line for line in table if line.split(" | ", 1)[0][2:] not in titles]
    # The re-run sections go where they were (or at the end when new).
    first_index = next(
        (i for i, line in enumerate(table) if line.split(" | ", 1)[0][2:] in titles), None
    )
    position = (
        len(kept) if first_index is None else sum(1 for line in table[:first_index] if line in kept)
    )
    rows = kept[:position] + _row_lines(report) + kept[position:]
    notes: dict[str, list[str]] = {}
    current = None
    for line in rest.split("\n"):
        if line.startswith("## "):
            current = line[3:]
            notes[current] = []
        elif current and line.startswith("- "):
            notes[current].append(line[2:])
    for title in titles:
        notes.pop(title, None)
    notes.update(report.notes)
    names = ", ".join(sorted(titles))
    stamp = (
        f"- Sections re-run alone on {started:%Y-%m-%d %H:%M} UTC ({seconds / 60:.1f} min): {names}"
    )
    head_lines = [
        line
        for line in head.rstrip("\n").split("\n")
        if not (line.startswith("- Sections re-run alone") and line.endswith(f": {names}"))
    ]
    head_lines.append(stamp)
    out = [
        *head_lines,
        "",
        "| Section | Measure | Value | Target | Result |",
        "|---|---|---|---|---|",
        *rows,
    ]
    for section, section_notes in notes.items():
        out += ["", f"## {section}", ""]
        out += [f"- {note}" for note in section_notes]
    out += ["", _result_line(rows), ""]
    OUTPUT.write_text("\n".join(out), encoding="utf-8")
    return True


# Set in the environment of a section that runs on a cluster of its own (it then runs there).
OWN_CLUSTER = "BENCH_OWN_CLUSTER"


def _free_connections() -> int:
    """Connections the server can still give this run (a section declares what it needs as
    ``CONNECTIONS``: the referral race opens a hundred at once)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('max_connections')::int - count(*) FROM pg_stat_activity"
        )
        return int(cursor.fetchone()[0])


def _run_on_own_cluster(name: str, *, need: int) -> bool:
    """Run one section in a child process against a private PostgreSQL cluster (made by
    tests/pgcluster.py, dropped after): the shared server has fewer than the section's
    connections free. Returns whether it failed."""
    import subprocess

    from tests.pgcluster import cluster_start

    print(f"== {name}: on a cluster of its own (the server has {need} connections free)")
    cluster = cluster_start(max_connections=250)
    try:
        environment = os.environ | {
            OWN_CLUSTER: "1",
            "PGHOST": str(cluster.directory),
            "DATABASE_URL": "postgres://postgres@/bimeh",
        }
        environment.pop("BENCH_KEEP_DB", None)
        child = subprocess.run(
            [sys.executable, "-m", "benchmarks", name], cwd=ROOT, env=environment, check=False
        )
        return child.returncode != 0
    finally:
        cluster.stop()


def main(argv: list[str]) -> int:
    _configure_environment()
    warnings.filterwarnings("ignore", message="No directory at")
    sys.path.insert(0, str(ROOT))
    started = datetime.now(UTC)
    clock = time.monotonic()
    print(f"Creating {BENCH_DB} and migrating it", flush=True)
    _recreate_database()
    try:
        import django

        django.setup()
        _forget_cache()
        from django.core.management import CommandError, call_command

        from benchmarks._report import Report
        from tenants.tasks import spare_pool_refill

        # Refills are not run inline, and nothing reaches a real worker (which would
        # work on its own database): the benchmark fills the pool itself, untimed.
        spare_pool_refill.delay = lambda *args, **kwargs: None  # type: ignore[method-assign]
        try:
            call_command("migrate", interactive=False, verbosity=0)
        except CommandError as error:
            # A kept database may hold agencies made as rows only (pages at scale): every
            # schema that exists is migrated before the command says so.
            if not (KEEP_DB and "have no database schema" in str(error)):
                raise
        report = Report()
        machine = _machine()
        free = _free_connections()
        delegated: list[str] = []
        for module in _sections(argv):
            name = module.__name__.rsplit(".", 1)[-1]
            if getattr(module, "CONNECTIONS", 0) > free and not os.environ.get(OWN_CLUSTER):
                delegated.append(name)
                continue
            report.section = getattr(module, "TITLE", name)
            print(f"== {report.section}", flush=True)
            module.run(report)
        ran = [name for name in argv if name not in delegated]
        if argv:
            # A partial run replaces its own sections in the page of the full one.
            if ran and _update(report, ran, started, time.monotonic() - clock):
                print(f"Sections {', '.join(ran)} updated in {OUTPUT.relative_to(ROOT)}")
        else:
            _write(report, machine, started, time.monotonic() - clock)
            print(f"Wrote {OUTPUT.relative_to(ROOT)}", flush=True)
        # A section that needs more connections than the server has free runs afterwards on
        # a cluster of its own, and replaces its rows in the page just written.
        delegated_failed = any(_run_on_own_cluster(name, need=free) for name in delegated)
        return 1 if report.failed or delegated_failed else 0
    finally:
        from django.apps import apps

        if apps.ready:
            _forget_cache()
        if not KEEP_DB:
            _drop_database()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
