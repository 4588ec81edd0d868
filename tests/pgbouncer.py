"""A PgBouncer of a test's own (Debian's ``pgbouncer`` package), in transaction mode, on a
free local port in front of a PostgreSQL server; stopped at the end.

Tests that need it skip, naming the missing package, where the binary is not installed
(.ci/run installs it on CI).
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests.redis_server import free_port
from tests.waiting import wait_until


def pgbouncer_binary() -> str | None:
    found = shutil.which("pgbouncer")
    if found:
        return found
    return "/usr/sbin/pgbouncer" if os.access("/usr/sbin/pgbouncer", os.X_OK) else None


SKIP_REASON = "PgBouncer is not installed (Debian package `pgbouncer`; .ci/run installs it)"


@dataclass
class PgBouncer:
    directory: Path
    port: int
    process: subprocess.Popen

    @property
    def log(self) -> str:
        path = self.directory / "pgbouncer.log"
        return path.read_text() if path.exists() else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.directory, ignore_errors=True)


def _accepts(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.2)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def pgbouncer_start(
    *, host: str, port: int, user: str, pool_size: int, extra: dict[str, str] | None = None
) -> PgBouncer:
    """PgBouncer in transaction mode on 127.0.0.1:<free port>, every database name passed
    through to ``host``:``port``, at most ``pool_size`` server connections per database;
    ``extra``: more [pgbouncer] settings."""
    binary = pgbouncer_binary()
    if binary is None:
        raise RuntimeError(SKIP_REASON)
    directory = Path(tempfile.mkdtemp(prefix="bimeh-pgbouncer-"))
    listen = free_port()
    (directory / "users.txt").write_text(f'"{user}" ""\n')
    (directory / "pgbouncer.ini").write_text(
        "[databases]\n"
        f"* = host={host} port={port}\n"
        "[pgbouncer]\n"
        "listen_addr = 127.0.0.1\n"
        f"listen_port = {listen}\n"
        "unix_socket_dir =\n"
        "auth_type = trust\n"
        f"auth_file = {directory / 'users.txt'}\n"
        "pool_mode = transaction\n"
        f"default_pool_size = {pool_size}\n"
        "max_client_conn = 500\n"
        "ignore_startup_parameters = extra_float_digits,options\n"
        f"logfile = {directory / 'pgbouncer.log'}\n"
        "log_connections = 0\n"
        "log_disconnections = 0\n"
        + "".join(f"{name} = {value}\n" for name, value in (extra or {}).items())
    )
    run_as = None
    if os.geteuid() == 0:  # PgBouncer refuses to run as root
        run_as = "postgres" if _user_exists("postgres") else "nobody"
        account = pwd.getpwnam(run_as)
        for path in (directory, *directory.iterdir()):
            os.chown(path, account.pw_uid, account.pw_gid)
    process = subprocess.Popen(  # noqa: S603 - a fixed binary and arguments
        [binary, str(directory / "pgbouncer.ini")],
        user=run_as,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    bouncer = PgBouncer(directory=directory, port=listen, process=process)
    try:
        wait_until(lambda: process.poll() is not None or _accepts(listen), timeout=20)
        if process.poll() is not None:
            raise RuntimeError(f"pgbouncer did not start:\n{bouncer.log[-3000:]}")
    except BaseException:
        bouncer.stop()
        raise
    return bouncer


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True
