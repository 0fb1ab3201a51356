# The Temporal Web UI of scripts/cluster.sh (sourced): the UI server renders
# deploy/temporal-ui/config.yaml itself from the variables set here, as docker-compose's
# temporal-ui service sets them. Bound to loopback; it dials the frontend with the cluster's client
# certificate, like the workers and the CLI.

UI_PID="$DIR/ui.pid"

ui_url() { load_ports; echo "http://127.0.0.1:$TEMPORAL_UI_PORT"; }

ui_running() { [ -f "$UI_PID" ] && kill -0 "$(cat "$UI_PID")" 2>/dev/null; }

# REGENESIS_CLUSTER_UI_CLIENT_CERT=false starts it without the client certificate (the CA is still
# given): only a test proving that the frontend refuses such a UI sets it.
start_ui() {
  ui_running && { say "Web UI already running (pid $(cat "$UI_PID"))"; return; }
  tools; load_ports
  local with_cert=${REGENESIS_CLUSTER_UI_CLIENT_CERT:-true}
  (
    eval "$(print_env)"
    [ "$with_cert" = false ] && unset TEMPORAL_TLS_CERT TEMPORAL_TLS_KEY
    export TEMPORAL_UI_BIND_IP=127.0.0.1 TEMPORAL_UI_PORT
    cd "$DIR"
    setsid "$TEMPORAL_UI_SERVER" --root / --config "$ROOT/deploy/temporal-ui" --env config start \
      >>"$DIR/ui.log" 2>&1 </dev/null &
    echo $! >"$UI_PID"
  )
  until_ui_serves 30
  if [ "$with_cert" = false ]; then
    say "Web UI $(ui_url) WITHOUT a client certificate (pid $(cat "$UI_PID"), log $DIR/ui.log)"
    return
  fi
  # The UI's own API, which it answers from the frontend: the mTLS path works, not only the page.
  local why
  if ! why=$(ui_api_answers); then
    stop_ui
    die "the Web UI cannot read namespace default from $(frontend_address): $why"
  fi
  say "Web UI $(ui_url) (pid $(cat "$UI_PID"), log $DIR/ui.log)"
}

until_ui_serves() {
  local deadline=$((SECONDS + $1))
  until curl -fsS -o /dev/null --max-time 2 "$(ui_url)/healthz" 2>/dev/null; do
    ui_running || die "the Web UI server exited: $(tail -3 "$DIR/ui.log" | cut -c1-400)"
    [ $SECONDS -lt $deadline ] || die "the Web UI did not answer on $(ui_url) within $1 s: $(tail -3 "$DIR/ui.log" | cut -c1-400)"
    sleep 0.3
  done
}

# Succeeds when the UI describes namespace `default`; otherwise prints its HTTP status and answer.
ui_api_answers() {
  local body code
  body=$(mktemp)
  code=$(curl -sS -o "$body" -w '%{http_code}' --max-time 10 "$(ui_url)/api/v1/namespaces/default" 2>&1) || true
  if [ "$code" = 200 ]; then rm -f "$body"; return 0; fi
  echo "HTTP $code $(head -c 300 "$body" | tr -s "\n " " ")"
  rm -f "$body"
  return 1
}

stop_ui() {
  ui_running || { rm -f "$UI_PID"; return 0; }
  stop_pid_file "$UI_PID" 5
  say "Web UI stopped"
}
