#!/usr/bin/env bash
# A streaming replica's entrypoint (decision 065): on the first start (no PG_VERSION in
# $PGDATA) copy the primary with pg_basebackup as a hot standby that streams from it
# (standby.signal and primary_conninfo written by --write-recovery-conf), then run the
# command it is given — in docker-compose the official image's own entrypoint, which finds
# the data directory in place, skips initdb and starts the server as a standby.
#
#   PRIMARY_HOST (required), PRIMARY_PORT (5432),
#   REPLICATION_USER (replicator), REPLICATION_PASSWORD (see docker/postgres/primary-init.sh)
#   PG_BASEBACKUP_OPTIONS: more options for pg_basebackup (word-split), e.g. --max-rate=50M
#
# tests/pgreplica.py makes the test standby with this very file.
set -euo pipefail

: "${PGDATA:?PGDATA names the data directory of the replica}"
: "${PRIMARY_HOST:?PRIMARY_HOST names the primary to copy}"
PRIMARY_PORT="${PRIMARY_PORT:-5432}"
REPLICATION_USER="${REPLICATION_USER:-replicator}"

if [ "$(id -u)" = 0 ]; then
    # The official image starts as root; PostgreSQL runs as, and its data belongs to, postgres.
    mkdir -p "$PGDATA"
    chown postgres:postgres "$PGDATA"
    chmod 700 "$PGDATA"
    exec gosu postgres bash "${BASH_SOURCE[0]}" "$@"
fi

if [ ! -s "$PGDATA/PG_VERSION" ]; then
    for _ in $(seq 120); do
        pg_isready --quiet --host="$PRIMARY_HOST" --port="$PRIMARY_PORT" && break
        sleep 1
    done
    echo "replica: copying the primary at ${PRIMARY_HOST}:${PRIMARY_PORT} into $PGDATA" >&2
    # pg_basebackup cleans up after itself if it fails: the next start tries again.
    # shellcheck disable=SC2086 # PG_BASEBACKUP_OPTIONS is a list of options
    PGPASSWORD="${REPLICATION_PASSWORD:-}" pg_basebackup \
        --pgdata="$PGDATA" \
        --host="$PRIMARY_HOST" \
        --port="$PRIMARY_PORT" \
        --username="$REPLICATION_USER" \
        --no-password \
        --write-recovery-conf \
        --wal-method=stream \
        --checkpoint=fast \
        ${PG_BASEBACKUP_OPTIONS:-}
    chmod 700 "$PGDATA"
fi

exec "$@"
