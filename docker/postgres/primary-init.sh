#!/usr/bin/env bash
# The primary's first start (the official image runs /docker-entrypoint-initdb.d/*.sh once,
# on an empty data directory): a role that may stream the WAL to a replica, and the
# pg_hba.conf line that lets it in with its password (decision 065). Idempotent.
#
#   REPLICATION_USER (replicator), REPLICATION_PASSWORD (required)
#   POSTGRES_USER / POSTGRES_DB: whom psql connects as (the image's own variables);
#   PGHOST / PGPORT as libpq reads them (the image's init server: its Unix socket).
#
# tests/infra/test_replica.py runs this very file against a cluster of its own.
set -eo pipefail  # no -u: the image sources, not runs, a script that lost its x bit

: "${PGDATA:?PGDATA names the data directory of the primary}"
: "${REPLICATION_PASSWORD:?REPLICATION_PASSWORD is required}"
REPLICATION_USER="${REPLICATION_USER:-replicator}"

sql() {
    psql -v ON_ERROR_STOP=1 --no-psqlrc --quiet --no-password \
        --username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-postgres}" \
        --set role="$REPLICATION_USER" --set password="$REPLICATION_PASSWORD" "$@"
}

# Create or update the role (SCRAM, PostgreSQL's default password_encryption).
sql <<'SQL'
SELECT format('CREATE ROLE %I', :'role')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec
SELECT format('ALTER ROLE %I WITH LOGIN REPLICATION PASSWORD %L', :'role', :'password') \gexec
SQL

# Replication connections match only lines that name "replication" (not "all").
line="host replication ${REPLICATION_USER} all scram-sha-256"
grep -qxF "$line" "$PGDATA/pg_hba.conf" || printf '%s\n' "$line" >>"$PGDATA/pg_hba.conf"
sql -c "SELECT pg_reload_conf()" >/dev/null
