#!/usr/bin/env bash
# Temporal's two PostgreSQL databases (persistence and SQL visibility), created and brought to the
# server's schema by temporal-sql-tool. scripts/cluster.sh and docker-compose's temporal-schema
# service both run this file, so both clusters get the same schemas the same way. Safe to run again:
# a database already there is kept, and the schema only moves forward.
#
# Environment: TEMPORAL_PG_HOST, TEMPORAL_PG_PORT, TEMPORAL_PG_USER, TEMPORAL_PG_PASSWORD (the
# variables deploy/temporal/config.yaml reads); SQL_TOOL, the temporal-sql-tool binary (default: on
# PATH). The versioned schema files are the ones built into the tool (--schema-name).
set -euo pipefail

# The password goes through the tool's own variable: in its argv, `ps` would show it.
export SQL_PASSWORD="${TEMPORAL_PG_PASSWORD:-}"

sql_tool() {
  local db=$1; shift
  "${SQL_TOOL:-temporal-sql-tool}" --plugin postgres12 --ep "${TEMPORAL_PG_HOST:-127.0.0.1}" -p "${TEMPORAL_PG_PORT:-5432}" \
    -u "${TEMPORAL_PG_USER:-temporal}" --db "$db" "$@"
}

for db in temporal temporal_visibility; do
  schema=postgresql/v12/$([ "$db" = temporal ] && echo temporal || echo visibility)
  # PostgreSQL has no CREATE DATABASE IF NOT EXISTS: an existing one makes this fail, and any other
  # cause (unreachable, refused) fails the setup-schema right after, with the tool's own words.
  sql_tool "$db" create-database >/dev/null 2>&1 || true
  sql_tool "$db" setup-schema -v 0.0
  sql_tool "$db" update-schema --schema-name "$schema"
done
