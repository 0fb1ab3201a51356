#!/usr/bin/env bash
# Makes sure the real programs the product and its tests drive are present, building them from the
# Go module proxy when missing. Binaries are cached outside the repository (~/.cache/regenesis/bin
# or $REGENESIS_TOOL_CACHE); TEMPORAL_BIN, GETH_BIN, AVALANCHEGO_BIN, ANVIL_BIN, VERSITYGW_BIN and PATH
# are honoured first (TEMPORAL_SERVER_BIN, TEMPORAL_SQL_TOOL_BIN and TEMPORAL_UI_SERVER_BIN for the
# cluster's tools).
#
# Usage: bootstrap.sh [--for WHAT] [--print] [temporal] [geth] [avalanchego] [anvil] [versitygw] [cluster] [ui]
# With no tool named, all but the cluster's (what `npm test` needs). `cluster` (or its parts
# temporal-server, temporal-sql-tool and temporal-ui-server) is the Temporal server on PostgreSQL
# of scripts/cluster.sh and its Web UI, about 5 more minutes: only `npm run test:cluster` and the
# cluster script ask for it; `ui` is the Web UI server alone. WHAT says in
# the messages why a build runs; --print writes each named tool's path to stdout, in order.
set -euo pipefail
# Tools are resolved inside command substitutions: a failure there must stop the script too.
shopt -s inherit_errexit

FOR="the tests"
PRINT=false
TOOLS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --for) FOR="$2"; shift 2 ;;
    --print) PRINT=true; shift ;;
    cluster) TOOLS+=(temporal-server temporal-sql-tool temporal-ui-server); shift ;;
    ui) TOOLS+=(temporal-ui-server); shift ;;
    temporal|geth|avalanchego|anvil|versitygw|temporal-server|temporal-sql-tool|temporal-ui-server) TOOLS+=("$1"); shift ;;
    *) echo "[bootstrap] ERROR: unknown argument $1 (tools: temporal geth avalanchego anvil versitygw cluster ui)" >&2; exit 2 ;;
  esac
done
[ ${#TOOLS[@]} -gt 0 ] || TOOLS=(temporal geth avalanchego anvil versitygw)
want() { [[ " ${TOOLS[*]} " == *" $1 "* ]]; }

TEMPORAL_VERSION=v1.5.1   # v1.6+ carry a replace directive and cannot be go-installed
GETH_VERSION=v1.16.7
AVALANCHEGO_VERSION=v1.14.0   # first tag with proposervm.getCurrentEpoch; later tags carry a replace directive
VERSITYGW_VERSION=v1.8.0      # S3-compatible object store (Apache-2.0) the artifact tests publish to and fetch from
TEMPORAL_SERVER_VERSION=v1.29.1   # the server the CLI v1.5.1 embeds, here on PostgreSQL (scripts/cluster.sh)
TEMPORAL_UI_VERSION=v2.42.1       # the Web UI server the CLI v1.5.1 embeds; its module carries the built UI
CACHE="${REGENESIS_TOOL_CACHE:-$HOME/.cache/regenesis/bin}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mkdir -p "$CACHE"

say() { echo "[bootstrap] $*" >&2; }
die() { echo "[bootstrap] ERROR: $*" >&2; exit 1; }

need_go() {
  command -v go >/dev/null 2>&1 || die "$1 is missing and Go (>= 1.25) is needed to build it: install Go or set $2 to an existing binary"
}

# resolve NAME ENVVAR: prints the path of an already available binary, or nothing.
resolve() {
  local name=$1 var=$2 value="${!2:-}"
  if [ -n "$value" ]; then
    [ -x "$value" ] || die "$var=$value is not an executable file"
    echo "$value"; return
  fi
  if [ -x "$CACHE/$name" ]; then echo "$CACHE/$name"; return; fi
  command -v "$name" 2>/dev/null || true
}

# Rough build times on a 2-core machine, said before a build so nobody wonders whether it hangs.
declare -A BUILD_MINUTES=([temporal]=5 [geth]=4 [avalanchego]=5 [versitygw]=2 [temporal-server]=3 [temporal-sql-tool]=1 [temporal-ui-server]=1)

# go_build NAME MODULE VERSION: `go install` names a binary after its package directory (avalanchego's
# is `main`, the Temporal server's `server`), so it is built into a private GOBIN and moved into the
# cache under NAME. One build at a time per cache, even when test runs start side by side.
go_build() {
  local name=$1 module=$2 version=$3 built start=$SECONDS
  built=$(basename "$module")
  say "building $name $version for $FOR from the Go module proxy into $CACHE (first time only; about ${BUILD_MINUTES[$name]} minutes on 2 cores)"
  (
    flock 9
    [ -x "$CACHE/$name" ] && exit 0
    gobin=$(mktemp -d "$CACHE/.$name-build.XXXXXX")
    trap 'rm -rf "$gobin"' EXIT
    GOBIN="$gobin" GOFLAGS="${GOFLAGS:-} -trimpath" go install "$module@$version" \
      || die "go install $module@$version failed (see the Go error above)"
    [ -x "$gobin/$built" ] || die "go install finished but left no '$built' binary in $gobin"
    mv -f "$gobin/$built" "$CACHE/$name"
  ) 9>"$CACHE/.$name.lock"
  say "built $name in $((SECONDS - start))s"
}

# ensure_go_tool NAME ENVVAR WHAT MODULE VERSION: prints the path of NAME, building it when missing.
ensure_go_tool() {
  local name=$1 var=$2 what=$3 module=$4 version=$5 path
  path=$(resolve "$name" "$var")
  if [ -z "$path" ]; then
    need_go "$what" "$var"
    go_build "$name" "$module" "$version"
    path="$CACHE/$name"
  fi
  echo "$path"
}

if want temporal; then
  temporal=$(ensure_go_tool temporal TEMPORAL_BIN "the Temporal CLI dev server" github.com/temporalio/cli/cmd/temporal "$TEMPORAL_VERSION")
  say "temporal: $temporal ($("$temporal" --version 2>/dev/null | head -1))"
fi

if want geth; then
  geth=$(ensure_go_tool geth GETH_BIN geth github.com/ethereum/go-ethereum/cmd/geth "$GETH_VERSION")
  say "geth: $geth ($("$geth" version 2>/dev/null | grep -m1 '^Version' || echo unknown version))"
fi

if want avalanchego; then
  avalanchego=$(ensure_go_tool avalanchego AVALANCHEGO_BIN avalanchego github.com/ava-labs/avalanchego/main "$AVALANCHEGO_VERSION")
  say "avalanchego: $avalanchego ($("$avalanchego" --version 2>/dev/null | head -1 || echo unknown version))"
fi

if want versitygw; then
  versitygw=$(ensure_go_tool versitygw VERSITYGW_BIN "versitygw (the S3-compatible object store of the artifact tests)" github.com/versity/versitygw/cmd/versitygw "$VERSITYGW_VERSION")
  # `go install` leaves versitygw's own version stamp empty ("git"): the module version is read instead.
  say "versitygw: $versitygw ($(go version -m "$versitygw" 2>/dev/null | awk '$1 == "mod" { print $3; exit }' | grep . || echo unknown version))"
fi

if want temporal-server; then
  temporal_server=$(ensure_go_tool temporal-server TEMPORAL_SERVER_BIN "the Temporal server (scripts/cluster.sh)" go.temporal.io/server/cmd/server "$TEMPORAL_SERVER_VERSION")
  say "temporal-server: $temporal_server ($("$temporal_server" --version 2>/dev/null | head -1))"
fi

if want temporal-sql-tool; then
  temporal_sql_tool=$(ensure_go_tool temporal-sql-tool TEMPORAL_SQL_TOOL_BIN "temporal-sql-tool (scripts/cluster.sh)" go.temporal.io/server/cmd/tools/sql "$TEMPORAL_SERVER_VERSION")
  say "temporal-sql-tool: $temporal_sql_tool ($("$temporal_sql_tool" --version 2>/dev/null | head -1))"
fi

if want temporal-ui-server; then
  temporal_ui_server=$(ensure_go_tool temporal-ui-server TEMPORAL_UI_SERVER_BIN "the Temporal Web UI server (scripts/cluster.sh)" github.com/temporalio/ui-server/v2/cmd/server "$TEMPORAL_UI_VERSION")
  say "temporal-ui-server: $temporal_ui_server ($("$temporal_ui_server" --version 2>/dev/null | head -1))"
fi

if want anvil; then
  anvil="${ANVIL_BIN:-}"
  if [ -z "$anvil" ]; then
    anvil="$ROOT/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil"
    [ -x "$anvil" ] || anvil=$(command -v anvil 2>/dev/null || true)
  fi
  [ -n "$anvil" ] && [ -x "$anvil" ] || die "anvil is missing: run 'npm ci' (it comes from @foundry-rs/anvil-linux-amd64) or set ANVIL_BIN"
  say "anvil: $anvil ($("$anvil" --version 2>/dev/null | head -1))"
fi

# --print: the paths of the tools named, one a line in the order named, for scripts that drive them.
if $PRINT; then
  for tool in "${TOOLS[@]}"; do
    var=${tool//-/_}
    echo "${!var}"
  done
fi
