#!/usr/bin/env bash
# Stops the private test engines that hack/ensure-docker.sh started, found by their pidfiles
# (never any other engine), and removes their bridges. Data roots (and so the test images)
# are kept, so the next start is fast; `--purge` removes them too.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"

purge=false
[ "${1:-}" = --purge ] && purge=true

stop_engine() {
  local engine=$1 pidfile=$DOCKERPOD_TEST_RUN/$1.pid pid i
  [ -s "$pidfile" ] || return 0
  pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null && grep -q dockerd "/proc/$pid/cmdline" 2>/dev/null; then
    echo "[stop-docker] stopping engine $engine (pid $pid)" >&2
    kill -TERM "$pid"
    for i in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$pid" 2>/dev/null; then
      echo "[stop-docker] engine $engine did not stop in 30 s: SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$pidfile"
}

stop_engine a
stop_engine b
for bridge in dpt-a0 dpt-b0; do ip link del "$bridge" 2>/dev/null || true; done
if $purge; then
  echo "[stop-docker] removing $DOCKERPOD_TEST_STATE" >&2
  rm -rf "$DOCKERPOD_TEST_STATE" "$DOCKERPOD_TEST_RUN"
fi
