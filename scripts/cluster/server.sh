# The Temporal server of scripts/cluster.sh (sourced): rendered by the server itself from
# deploy/temporal/config.yaml with this cluster's ports, certificates and PostgreSQL.

# The variables deploy/temporal/config.yaml reads; docker-compose sets the same ones.
server_env() {
  load_ports
  export TEMPORAL_PG_HOST=127.0.0.1 TEMPORAL_PG_PORT=$PG_PORT TEMPORAL_PG_USER=temporal TEMPORAL_PG_PASSWORD=
  export TEMPORAL_BIND_IP=127.0.0.1 TEMPORAL_BROADCAST_ADDRESS=127.0.0.1 TEMPORAL_TLS_SERVER_NAME=localhost
  export TEMPORAL_TLS_SERVER_CERT=$TLS/server.pem TEMPORAL_TLS_SERVER_KEY=$TLS/server.key TEMPORAL_TLS_SERVER_CA=$TLS/ca.pem
  export TEMPORAL_TLS_REQUIRE_CLIENT_AUTH=${REGENESIS_CLUSTER_REQUIRE_CLIENT_AUTH:-true}
  export TEMPORAL_DYNAMIC_CONFIG=$ROOT/deploy/temporal/dynamicconfig.yaml
}

# What a failed start says: the server's fatal line, else its last lines, cut to something readable.
log_tail() {
  { grep -m1 '"level":"fatal"' "$DIR/temporal.log" || tail -3 "$DIR/temporal.log"; } | cut -c1-400
}

server_running() { [ -f "$SERVER_PID" ] && kill -0 "$(cat "$SERVER_PID")" 2>/dev/null; }

# In its own session, so it outlives this script; its pid file is how `stop` finds it again.
start_server() {
  server_running && { say "server already running (pid $(cat "$SERVER_PID"))"; return; }
  tools
  (
    server_env
    cd "$DIR"
    setsid "$TEMPORAL_SERVER" --root / --config "$ROOT/deploy/temporal" --env config --allow-no-auth start \
      >>"$DIR/temporal.log" 2>&1 </dev/null &
    echo $! >"$SERVER_PID"
  )
  until_healthy 90
  say "Temporal server $(frontend_address) (pid $(cat "$SERVER_PID"), mTLS, log $DIR/temporal.log)"
}

# The CLI with the cluster's client certificate: what a healthy frontend answers.
cli() {
  "$TEMPORAL_CLI" "$@" --address "$(frontend_address)" --tls-cert-path "$TLS/client.pem" \
    --tls-key-path "$TLS/client.key" --tls-ca-path "$TLS/ca.pem"
}

until_healthy() {
  local deadline=$((SECONDS + $1))
  until cli operator cluster health >/dev/null 2>&1; do
    server_running || die "the Temporal server exited: $(log_tail)"
    [ $SECONDS -lt $deadline ] || die "the Temporal server did not answer on $(frontend_address) within $1 s: $(log_tail)"
    sleep 0.5
  done
}

# By deploy/temporal/namespace.sh, as docker-compose's temporal-namespace service makes it, with the
# cluster's client certificate.
ensure_namespace() {
  tools
  ( eval "$(print_env)"; TEMPORAL_NAMESPACE=$1 TEMPORAL_CLI=$TEMPORAL_CLI bash "$ROOT/deploy/temporal/namespace.sh" ) \
    || die "namespace $1 could not be made ready on $(frontend_address)"
}

# SIGTERM lets the server leave its membership ring; SIGKILL after 20 s.
stop_server() {
  server_running || { rm -f "$SERVER_PID"; return 0; }
  stop_pid_file "$SERVER_PID" 20
  say "Temporal server stopped"
}

# `export` lines a shell can eval and a test can parse: the cluster as its clients see it.
print_env() {
  load_ports
  printf 'export %s=%q\n' \
    TEMPORAL_ADDRESS "$(frontend_address)" TEMPORAL_NAMESPACE default \
    TEMPORAL_TLS_CERT "$TLS/client.pem" TEMPORAL_TLS_KEY "$TLS/client.key" TEMPORAL_TLS_CA "$TLS/ca.pem" \
    TEMPORAL_TLS_SERVER_NAME localhost
}
