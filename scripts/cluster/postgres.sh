# PostgreSQL, ports and tools of scripts/cluster.sh (sourced; it sets ROOT, DIR, TLS, PG, PORTS,
# SERVER_PID, say and die).

# Binaries from the bootstrap cache (built there on first use), so the cluster needs no install step.
tools() {
  [ -n "${TEMPORAL_SERVER:-}" ] && return
  local out
  out=$(bash "$ROOT/scripts/bootstrap.sh" --for "the local cluster" --print temporal-server temporal-sql-tool temporal temporal-ui-server)
  TEMPORAL_SERVER=$(sed -n 1p <<<"$out")
  SQL_TOOL=$(sed -n 2p <<<"$out")
  TEMPORAL_CLI=$(sed -n 3p <<<"$out")
  TEMPORAL_UI_SERVER=$(sed -n 4p <<<"$out")
}

# PostgreSQL refuses to run as root: as root its programs run as the `postgres` user.
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# PostgreSQL's programs are on PATH on some systems and only under /usr/lib/postgresql on Debian.
pg_bin() {
  command -v "$1" 2>/dev/null && return
  local found
  found=$(ls -d /usr/lib/postgresql/*/bin/"$1" 2>/dev/null | sort -V | tail -1)
  [ -n "$found" ] || die "$1 not found: install PostgreSQL (>= 12)"
  echo "$found"
}

# Loopback ports chosen once per cluster directory and kept: clients and a restarted server find
# the cluster where it was. Membership ports go below 32768: the server stores them as a smallint.
ensure_ports() {
  if [ ! -f "$PORTS" ]; then write_server_ports; fi
  # A directory made before the cluster had a Web UI gets its port now.
  grep -q '^TEMPORAL_UI_PORT=' "$PORTS" || echo "TEMPORAL_UI_PORT=${REGENESIS_CLUSTER_UI_PORT:-$(free_ports any)}" >>"$PORTS"
}

# free_ports KIND...: one free loopback port per KIND (`any`, or `low`: below 32768), all distinct.
free_ports() {
  node -e '
    const net = require("node:net");
    const kinds = process.argv.slice(1);
    const held = [];
    const take = (port) => new Promise((ok) => { const s = net.createServer(); s.once("error", () => ok(undefined)); s.listen(port, "127.0.0.1", () => ok(s)); });
    (async () => {
      for (const kind of kinds) {
        for (;;) {
          const s = await take(kind === "low" ? 20000 + Math.floor(Math.random() * 12000) : 0);
          if (s) { held.push(s); break; }
        }
      }
      console.log(held.map((s) => s.address().port).join(" "));
      held.forEach((s) => s.close());
    })();' "$@"
}

write_server_ports() {
  local free
  free=$(free_ports any any any low any low any low any low any)
  read -r pg frontend http fm history hm matching mm worker wm ui <<<"$free"
  cat >"$PORTS" <<EOF
PG_PORT=$pg
TEMPORAL_FRONTEND_PORT=${REGENESIS_CLUSTER_PORT:-$frontend}
TEMPORAL_FRONTEND_HTTP_PORT=$http
TEMPORAL_FRONTEND_MEMBERSHIP_PORT=$fm
TEMPORAL_HISTORY_PORT=$history
TEMPORAL_HISTORY_MEMBERSHIP_PORT=$hm
TEMPORAL_MATCHING_PORT=$matching
TEMPORAL_MATCHING_MEMBERSHIP_PORT=$mm
TEMPORAL_WORKER_PORT=$worker
TEMPORAL_WORKER_MEMBERSHIP_PORT=$wm
TEMPORAL_UI_PORT=${REGENESIS_CLUSTER_UI_PORT:-$ui}
EOF
}

load_ports() { ensure_ports; set -a; source "$PORTS"; set +a; }

# Stops the process a pid file names: SIGTERM, then SIGKILL after $2 seconds; removes the file.
stop_pid_file() {
  local file=$1 seconds=$2 pid i
  [ -f "$file" ] || return 0
  pid=$(cat "$file")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for i in $(seq 1 $((seconds * 10))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  fi
  rm -f "$file"
}

frontend_address() { load_ports; echo "127.0.0.1:$TEMPORAL_FRONTEND_PORT"; }

# A data directory of the cluster's own, owned by the user PostgreSQL runs as; trust on loopback only.
start_postgres() {
  load_ports
  mkdir -p "$PG"
  [ "$(id -u)" = 0 ] && chown postgres: "$PG" && chmod 700 "$PG"
  as_pg test -w "$PG" || die "$PG is not reachable by the postgres user: every directory above it needs o+x"
  if [ ! -f "$PG/data/PG_VERSION" ]; then
    say "initdb $PG/data"
    as_pg "$(pg_bin initdb)" -D "$PG/data" -U temporal --auth=trust -E UTF8 >"$DIR/initdb.log" 2>&1 \
      || die "initdb failed: $(tail -5 "$DIR/initdb.log")"
  fi
  if as_pg "$(pg_bin pg_ctl)" -D "$PG/data" status >/dev/null 2>&1; then return; fi
  as_pg "$(pg_bin pg_ctl)" -D "$PG/data" -l "$PG/postgres.log" -w -t 60 \
    -o "-p $PG_PORT -k $PG -c listen_addresses=127.0.0.1" start >/dev/null \
    || die "PostgreSQL did not start: $(tail -5 "$PG/postgres.log")"
  say "PostgreSQL on 127.0.0.1:$PG_PORT"
}

# Fast shutdown: what a restarted PostgreSQL must recover from is what an operator's restart does.
stop_postgres() {
  [ -f "$PG/data/PG_VERSION" ] || return 0
  as_pg "$(pg_bin pg_ctl)" -D "$PG/data" status >/dev/null 2>&1 || return 0
  as_pg "$(pg_bin pg_ctl)" -D "$PG/data" -m fast -w -t 60 stop >/dev/null
  say "PostgreSQL stopped"
}

# Fast shutdown, then the same server again (pg_ctl keeps its options in postmaster.opts): what an
# operator's restart does to a running cluster, its open connections cut mid-transaction.
restart_postgres() {
  as_pg "$(pg_bin pg_ctl)" -D "$PG/data" status >/dev/null 2>&1 || die "PostgreSQL is not running in $PG/data"
  as_pg "$(pg_bin pg_ctl)" -D "$PG/data" -l "$PG/postgres.log" -m fast -w -t 60 restart >/dev/null \
    || die "PostgreSQL did not restart: $(tail -5 "$PG/postgres.log")"
  say "PostgreSQL restarted (fast shutdown)"
}

# Both databases and their schemas by deploy/temporal/schema.sh, the script docker-compose's
# temporal-schema service runs: the two clusters are set up by the same commands.
ensure_schemas() {
  [ -f "$DIR/schemas.done" ] && return
  tools; load_ports
  TEMPORAL_PG_HOST=127.0.0.1 TEMPORAL_PG_PORT=$PG_PORT TEMPORAL_PG_USER=temporal TEMPORAL_PG_PASSWORD= SQL_TOOL=$SQL_TOOL \
    bash "$ROOT/deploy/temporal/schema.sh" >>"$DIR/schema.log" 2>&1 \
    || die "the Temporal schemas could not be set up: $(tail -3 "$DIR/schema.log")"
  touch "$DIR/schemas.done"
  say "schemas created"
}
