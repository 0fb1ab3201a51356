#!/usr/bin/env bash
# A local production-shaped Temporal cluster, without Docker: PostgreSQL on a data directory of its
# own, the Temporal server (persistence and SQL visibility on PostgreSQL) rendered from the same
# config template docker-compose uses (deploy/temporal/config.yaml), mTLS required on the frontend
# with a throwaway CA made here, and the Web UI server (deploy/temporal-ui/config.yaml), a client of
# the frontend with the cluster's client certificate. Everything listens on loopback.
#
# Usage: cluster.sh start | stop | env | ui-url | start-server | stop-server | start-ui | stop-ui |
#                   restart-postgres | certificates
#   start         PostgreSQL, schemas (first time), certificates (first time), server, `default`
#                 namespace, Web UI; prints the frontend's address and the UI's URL
#   stop          the UI, the server, then PostgreSQL (fast shutdown); data and certificates stay
#   env           the TEMPORAL_* variables a client needs (`eval "$(scripts/cluster.sh env)"`)
#   ui-url        the Web UI's URL
#   start-server / stop-server   the Temporal server alone, on the same PostgreSQL
#   start-ui / stop-ui           the Web UI server alone
#   restart-postgres   PostgreSQL alone: fast shutdown and start again, the server left running
#   certificates  only the CA and certificates (first time), and the directory holding them: what
#                 docker-compose.yml mounts as TEMPORAL_TLS_DIR
#
# REGENESIS_CLUSTER_DIR (default .state/cluster) holds everything; REGENESIS_CLUSTER_PORT picks the
# frontend port and REGENESIS_CLUSTER_UI_PORT the UI's (default: free ones, kept for the directory's
# life). The server checks client certificates unless REGENESIS_CLUSTER_REQUIRE_CLIENT_AUTH=false,
# and the UI presents one unless REGENESIS_CLUSTER_UI_CLIENT_CERT=false (only tests that prove the
# certificate matters set them).
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

for part in postgres tls server ui; do
  # shellcheck source=/dev/null
  source "$ROOT/scripts/cluster/$part.sh"
done

case "${1:-}" in
  start)
    start_postgres; ensure_schemas; ensure_certificates; start_server; ensure_namespace default; start_ui
    say "ready: frontend $(frontend_address), Web UI $(ui_url)" ;;
  stop) stop_ui; stop_server; stop_postgres ;;
  env) print_env ;;
  ui-url) ui_url ;;
  start-server) ensure_certificates; start_server ;;
  stop-server) stop_server ;;
  start-ui) ensure_certificates; start_ui ;;
  stop-ui) stop_ui ;;
  restart-postgres) restart_postgres ;;
  certificates) ensure_certificates; echo "$TLS" ;;
  *) die "usage: cluster.sh start|stop|env|ui-url|start-server|stop-server|start-ui|stop-ui|restart-postgres|certificates" ;;
esac
