"""A streaming replica of a test's own PostgreSQL cluster (tests/pgcluster.py).

The shared server allows no replication connection, so a test that needs a replica starts a
primary of its own and copies it with pg_basebackup. Both steps are docker-compose's own
scripts (decision 065): ``docker/postgres/primary-init.sh`` gives the primary its
replication role and pg_hba line, ``docker/postgres/replica-entrypoint.sh`` copies it as a
hot standby that streams as that role. The standby listens on a Unix socket in its own
directory.
"""

from __future__ import annotations

import os
import pwd
import subprocess
import tempfile
from pathlib import Path

from tests.pgcluster import PORT, SUPERUSER, Cluster

SCRIPTS = Path(__file__).resolve().parent.parent / "docker" / "postgres"
REPLICATION_USER = "replicator"
REPLICATION_PASSWORD = "replica-test"  # the socket's trust lets it in; TCP would ask for it


def run_script(cluster: Cluster, script: str, *args: str, **env: str) -> None:
    """Run ``docker/postgres/<script>`` as the clusters' system user, with the cluster's
    binaries first on PATH and ``env`` added."""
    result = subprocess.run(  # noqa: S603 - a script of the repository's own
        ["bash", str(SCRIPTS / script), *args],
        user=cluster.user,
        cwd=cluster.directory,
        env={**os.environ, "PATH": f"{cluster.bindir}:{os.environ['PATH']}", **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{script} failed:\n{result.stdout}\n{result.stderr}")


def primary_init(primary: Cluster) -> None:
    """What the compose primary's first start runs: the replication role and its line."""
    run_script(
        primary,
        "primary-init.sh",
        PGDATA=str(primary.data),
        PGHOST=str(primary.directory),
        PGPORT=str(PORT),
        POSTGRES_USER=SUPERUSER,
        POSTGRES_DB="postgres",
        REPLICATION_USER=REPLICATION_USER,
        REPLICATION_PASSWORD=REPLICATION_PASSWORD,
    )


def replica_start(primary: Cluster) -> Cluster:
    """A running hot standby that streams from ``primary``."""
    # tests/pgcluster.py turns synchronous_commit off; a commit must be in the primary's WAL
    # when it returns, or "the replica has replayed everything" cannot be asked.
    primary._run(
        str(primary.bindir / "psql"),
        f"--host={primary.directory}",
        f"--port={PORT}",
        f"--username={SUPERUSER}",
        "--dbname=postgres",
        "-c",
        "ALTER SYSTEM SET synchronous_commit = on",
        "-c",
        "SELECT pg_reload_conf()",
    )
    primary_init(primary)
    directory = Path(tempfile.mkdtemp(prefix="bimeh-pg-replica-"))
    if primary.user is not None:
        account = pwd.getpwnam(primary.user)
        os.chown(directory, account.pw_uid, account.pw_gid)
    replica = Cluster(directory=directory, bindir=primary.bindir, user=primary.user)
    try:
        # The compose entrypoint, given a command that does nothing: the test starts the
        # copy itself, on its own socket.
        run_script(
            replica,
            "replica-entrypoint.sh",
            "true",
            PGDATA=str(replica.data),
            PRIMARY_HOST=str(primary.directory),
            PRIMARY_PORT=str(PORT),
            REPLICATION_USER=REPLICATION_USER,
            REPLICATION_PASSWORD=REPLICATION_PASSWORD,
            PG_BASEBACKUP_OPTIONS="--no-sync",
        )
        with (replica.data / "postgresql.conf").open("a") as conf:
            conf.write(f"unix_socket_directories = '{directory}'\nhot_standby = on\n")
        standby_start(replica)
    except BaseException:
        replica.stop()
        raise
    return replica


def _pg_ctl(cluster: Cluster, *args: str) -> None:
    cluster._run(str(cluster.bindir / "pg_ctl"), "--pgdata", str(cluster.data), *args)


def standby_stop(replica: Cluster) -> None:
    """Stop the standby's server, keeping its data (``Cluster.stop`` deletes it)."""
    _pg_ctl(replica, "--mode", "fast", "--wait", "stop")


def standby_start(replica: Cluster) -> None:
    """Start the standby's server (again): it goes on streaming from the primary."""
    _pg_ctl(replica, "--log", str(replica.log), "--wait", "--timeout", "60", "start")
