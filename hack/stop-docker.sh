#!/usr/bin/env bash
# Stops the private test engines that hack/ensure-docker.sh started, found by their pidfiles
# (never any other engine), and removes their bridges; also engine C (hack/engine-c.sh) when a
# test left it running or killed. Data roots (and so the test images) are kept, so the next
# start is fast; `--purge` removes them too.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"

purge=false
[ "${1:-}" = --purge ] && purge=true

# C first: reaping a killed C's containers starts it once, which needs nothing from A or B.
bash "$here/engine-c.sh" stop || echo "[stop-docker] engine c did not stop cleanly (see above)" >&2
stop_engine a
stop_engine b
for bridge in dpt-a0 dpt-b0; do ip link del "$bridge" 2>/dev/null || true; done
if $purge; then
  echo "[stop-docker] removing $DOCKERPOD_TEST_STATE" >&2
  rm -rf "$DOCKERPOD_TEST_STATE" "$DOCKERPOD_TEST_RUN"
fi
