"""A PostgreSQL cluster of a test's own, for tests that need more of the server than a shared
one can spare (the referral race holds 100 connections at once).

``initdb`` in a temporary directory, a server listening on a Unix socket in that directory
only (no TCP port to collide with), stopped and deleted at the end. The binaries are
Debian's (``/usr/lib/postgresql/<version>/bin``) where installed, else the ones the
``pgserver`` package bundles. PostgreSQL refuses to run as root: as root the cluster belongs
to the ``postgres`` system user (or ``pgserver``'s own user where there is none).
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

SUPERUSER = "postgres"
PORT = 5432  # names the socket file only: nothing listens on TCP


def _bindir() -> tuple[Path, bool]:
    """The directory of ``initdb``/``pg_ctl``, and whether it is pgserver's."""
    if os.environ.get("TEST_PG_BINDIR"):
        return Path(os.environ["TEST_PG_BINDIR"]), False
    debian = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda path: int(path.parent.parent.name) if path.parent.parent.name.isdigit() else 0,
    )
    if debian:
        return debian[-1].parent, False
    from pgserver._commands import POSTGRES_BIN_PATH

    return POSTGRES_BIN_PATH, True


def _system_user(bindir: Path, bundled: bool) -> str | None:
    """Who runs the server: this user, or a non-root one when this is root."""
    if os.geteuid() != 0:
        return None
    if bundled:
        from pgserver.utils import ensure_folder_permissions, ensure_prefix_permissions

        ensure_prefix_permissions(bindir)
        ensure_folder_permissions(bindir, 0o055)
        ensure_folder_permissions(bindir.parent / "lib", 0o044)
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        from pgserver.utils import ensure_user_exists

        ensure_user_exists("pgserver")
        return "pgserver"
    return "postgres"


@dataclass
class Cluster:
    directory: Path  # holds the data directory, the socket and the log
    bindir: Path
    user: str | None

    @property
    def data(self) -> Path:
        return self.directory / "data"

    @property
    def log(self) -> Path:
        return self.directory / "server.log"

    def connection_settings(self) -> dict[str, object]:
        """What Django's DATABASES entry needs to reach this cluster."""
        return {
            "HOST": str(self.directory),
            "PORT": str(PORT),
            "USER": SUPERUSER,
            "PASSWORD": "",
            "OPTIONS": {},
        }

    def _run(self, *command: str) -> None:
        result = subprocess.run(
            command,
            user=self.user,
            cwd=self.directory,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        if result.returncode != 0:
            log = self.log.read_text()[-3000:] if self.log.exists() else ""
            raise RuntimeError(
                f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}\n{log}"
            )

    def start(self, *, max_connections: int) -> None:
        self._run(
            str(self.bindir / "initdb"),
            "--pgdata",
            str(self.data),
            "--username",
            SUPERUSER,
            "--auth",
            "trust",
            "--encoding",
            "UTF8",
            "--locale",
            "C.UTF-8",
            "--no-sync",
        )
        settings = {
            "listen_addresses": "''",
            "unix_socket_directories": f"'{self.directory}'",
            "port": str(PORT),
            "max_connections": str(max_connections),
            # A throwaway cluster: nothing needs to survive a crash.
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
        }
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.writelines(f"{name} = {value}\n" for name, value in settings.items())
        self._run(
            str(self.bindir / "pg_ctl"),
            "--pgdata",
            str(self.data),
            "--log",
            str(self.log),
            "--wait",
            "--timeout",
            "60",
            "start",
        )

    def stop(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self._run(
                    str(self.bindir / "pg_ctl"),
                    "--pgdata",
                    str(self.data),
                    "--mode",
                    "immediate",
                    "--wait",
                    "stop",
                )
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)


def cluster_start(*, max_connections: int) -> Cluster:
    """A running cluster of its own with room for ``max_connections`` clients."""
    bindir, bundled = _bindir()
    user = _system_user(bindir, bundled)
    directory = Path(tempfile.mkdtemp(prefix="bimeh-pg-"))
    if user is not None:
        account = pwd.getpwnam(user)
        os.chown(directory, account.pw_uid, account.pw_gid)
    cluster = Cluster(directory=directory, bindir=bindir, user=user)
    try:
        cluster.start(max_connections=max_connections)
    except BaseException:
        cluster.stop()
        raise
    return cluster
