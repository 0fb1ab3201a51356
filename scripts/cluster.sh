#!/usr/bin/env bash
# A local production-shaped Temporal cluster, without Docker: PostgreSQL on a data directory of its
# own, the Temporal server (persistence and SQL visibility on PostgreSQL) rendered from the same
# config template docker-compose uses (deploy/temporal/config.yaml), and mTLS required on the
# frontend with a throwaway CA made here. Everything listens on loopback.
#
# Usage: cluster.sh start | stop | env | start-server | stop-server | restart-postgres | certificates
#   start         PostgreSQL, schemas (first time), certificates (first time), server, `default` namespace
#   stop          the server, then PostgreSQL (fast shutdown); data and certificates stay
#   env           the TEMPORAL_* variables a client needs (`eval "$(scripts/cluster.sh env)"`)
#   start-server / stop-server   the Temporal server alone, on the same PostgreSQL
#   restart-postgres   PostgreSQL alone: fast shutdown and start again, the server left running
#   certificates  only the CA and certificates (first time), and the directory holding them: what
#                 docker-compose.yml mounts as TEMPORAL_TLS_DIR
#
# REGENESIS_CLUSTER_DIR (default .state/cluster) holds everything; REGENESIS_CLUSTER_PORT picks the
# frontend port (default: a free one, kept for the directory's life). The server checks client
# certificates unless REGENESIS_CLUSTER_REQUIRE_CLIENT_AUTH=false (only tests that prove the check
# matters set it).
set -euo pipefail
shopt -s inherit_errexit

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="$(mkdir -p "${REGENESIS_CLUSTER_DIR:-$ROOT/.state/cluster}" && cd "${REGENESIS_CLUSTER_DIR:-$ROOT/.state/cluster}" && pwd)"
TLS="$DIR/tls"
PG="$DIR/pg"
PORTS="$DIR/ports.env"
SERVER_PID="$DIR/temporal.pid"

say() { echo "[cluster] $*" >&2; }
die() { echo "[cluster] ERROR: $*" >&2; exit 1; }

for part in postgres tls server; do
  # shellcheck source=/dev/null
  source "$ROOT/scripts/cluster/$part.sh"
done

case "${1:-}" in
  start) start_postgres; ensure_schemas; ensure_certificates; start_server; ensure_namespace default; say "ready: $(frontend_address)" ;;
  stop) stop_server; stop_postgres ;;
  env) print_env ;;
  start-server) ensure_certificates; start_server ;;
  stop-server) stop_server ;;
  restart-postgres) restart_postgres ;;
  certificates) ensure_certificates; echo "$TLS" ;;
  *) die "usage: cluster.sh start|stop|env|start-server|stop-server|restart-postgres|certificates" ;;
esac
