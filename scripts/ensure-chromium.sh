#!/usr/bin/env bash
# The Web UI tests (test/e2e, test/cluster/webui.test.ts) drive a real Chromium (playwright-core,
# no browser download here): Debian's package, at $CHROMIUM_BIN or /usr/bin/chromium. As root this
# installs it the way CI does; otherwise it stops at once with the one command that does.
set -euo pipefail
browser="${CHROMIUM_BIN:-/usr/bin/chromium}"
[ -x "$browser" ] && exit 0
if [ -n "${CHROMIUM_BIN:-}" ]; then
  echo "[ensure-chromium] ERROR: CHROMIUM_BIN=$CHROMIUM_BIN is not an executable" >&2
  exit 1
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "[ensure-chromium] ERROR: the Web UI test needs Chromium: run 'sudo apt-get install -y chromium' (or set CHROMIUM_BIN to a Chromium binary)" >&2
  exit 1
fi
echo "[ensure-chromium] installing chromium from Debian (the Web UI test's browser)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium >/dev/null
