#!/usr/bin/env bash
# Stops the private test engines that hack/ensure-docker.sh started, found by their pidfiles
# (never any other engine), and removes their bridges. Data roots (and so the test images)
# are kept, so the next start is fast; `--purge` removes them too.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"

purge=false
[ "${1:-}" = --purge ] && purge=true

stop_engine a
stop_engine b
for bridge in dpt-a0 dpt-b0; do ip link del "$bridge" 2>/dev/null || true; done
if $purge; then
  echo "[stop-docker] removing $DOCKERPOD_TEST_STATE" >&2
  rm -rf "$DOCKERPOD_TEST_STATE" "$DOCKERPOD_TEST_RUN"
fi
