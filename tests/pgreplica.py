"""A streaming replica of a test's own PostgreSQL cluster (tests/pgcluster.py).

The shared server allows no replication connection, so a test that needs a replica starts a
primary of its own and copies it with ``pg_basebackup --write-recovery-conf``: the copy
starts as a hot standby streaming from the primary, on a Unix socket in its own directory.
"""

from __future__ import annotations

import os
import pwd
import tempfile
from pathlib import Path

from tests.pgcluster import PORT, SUPERUSER, Cluster


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
    directory = Path(tempfile.mkdtemp(prefix="bimeh-pg-replica-"))
    if primary.user is not None:
        account = pwd.getpwnam(primary.user)
        os.chown(directory, account.pw_uid, account.pw_gid)
    replica = Cluster(directory=directory, bindir=primary.bindir, user=primary.user)
    try:
        replica._run(
            str(primary.bindir / "pg_basebackup"),
            "--pgdata",
            str(replica.data),
            "--host",
            str(primary.directory),
            "--port",
            str(PORT),
            "--username",
            SUPERUSER,
            "--write-recovery-conf",
            "--wal-method",
            "stream",
            "--checkpoint",
            "fast",
            "--no-sync",
        )
        with (replica.data / "postgresql.conf").open("a") as conf:
            conf.write(f"unix_socket_directories = '{directory}'\nhot_standby = on\n")
        replica._run(
            str(primary.bindir / "pg_ctl"),
            "--pgdata",
            str(replica.data),
            "--log",
            str(replica.log),
            "--wait",
            "--timeout",
            "60",
            "start",
        )
    except BaseException:
        replica.stop()
        raise
    return replica
