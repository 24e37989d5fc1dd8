#!/usr/bin/env bash
# Engine C: a third private Docker engine, opt-in, for tests that stop, kill and restart their
# engine (test/chaos/engine-restart.test.ts) while other tests keep using engines A and B.
#
#   bash hack/engine-c.sh start   starts C unless it runs (after a kill, dockerd stops the
#                                 containers that outlived it before it answers), loads the test
#                                 images from engine A, prints C's endpoint
#   bash hack/engine-c.sh term    SIGTERM to C's dockerd, waits until it exited (it stops its
#                                 containers first: live-restore is off); SIGKILL after 30 s
#   bash hack/engine-c.sh kill    SIGKILL to C's dockerd only, waits until it is gone: its
#                                 containerd dies with it, the containers' shims and processes live on
#   bash hack/engine-c.sh restart term, then start
#   bash hack/engine-c.sh stop    stops C for good: containers a kill left running are stopped by
#                                 starting C once (dockerd stops what it finds), then term; shims
#                                 C still leaves are ended, its bridge removed (hack/stop-docker.sh
#                                 runs this)
#   bash hack/engine-c.sh status  prints C's pid, or fails when it does not run
#   bash hack/engine-c.sh strays  prints the ids of C's containerd shims whose container C does not
#                                 know (a Docker 20.10 leak after a shutdown under load)
#
# C shares nothing with A or B: endpoint unix://$DOCKERPOD_TEST_RUN/c.sock, data root
# $DOCKERPOD_TEST_STATE/c-data (kept, so the images survive), exec root $DOCKERPOD_TEST_RUN/c,
# pidfile c.pid, containerd namespace dockerpod-test-c, identity key c-key.json, bridge dpt-c0
# (10.213.3.1/24; never `--bridge none`, which deletes another engine's docker0-like bridge),
# the same flags as A and B (cgroupfs, overlay2, no iptables, live-restore off). The signals
# go to the pid in C's pidfile only.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"
STATE=$DOCKERPOD_TEST_STATE
RUN=$DOCKERPOD_TEST_RUN
BRIDGE=dpt-c0
BRIDGE_CIDR=10.213.3.1/24
BUSYBOX_IMAGE=${DOCKERPOD_TEST_BUSYBOX_IMAGE:-dockerpod.dev/test/busybox:1}
PAUSE_IMAGE=${DOCKERPOD_TEST_PAUSE_IMAGE:-dockerpod.dev/test/pause:1}
# Where C's containerd keeps the bundle of each task (one per container shim).
TASKS=$RUN/c/containerd/daemon/io.containerd.runtime.v2.task/dockerpod-test-c

log() { printf '[engine-c] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (dockerd needs it)"
command -v dockerd >/dev/null || die "no dockerd: run hack/ensure-docker.sh first (it installs docker.io)"

ping_c() { engine_cli c version --format '{{.Server.Version}}' >/dev/null 2>&1; }

# dockerd's command line; also the recipe a running C is compared with.
engine_args() {
  printf '%s\n' \
    --config-file "$STATE/daemon-c.json" \
    --data-root "$STATE/c-data" \
    --exec-root "$RUN/c" \
    --pidfile "$RUN/c.pid" \
    --containerd-namespace dockerpod-test-c \
    --containerd-plugins-namespace dockerpod-test-c-plugins \
    --exec-opt native.cgroupdriver=cgroupfs \
    --storage-driver overlay2 \
    --iptables=false --ip-forward=false --ip-masq=false \
    --log-level warn \
    --bridge "$BRIDGE" \
    -H "$DOCKERPOD_ENGINE_C_HOST"
}

# Engines before 24 take their identity from a key file: C's own, so it is an engine of its own
# (the operator refuses two DockerHosts on one engine ID).
engine_config() {
  if [ "$(dockerd --version | sed -E 's/^Docker version ([0-9]+).*/\1/')" -lt 24 ]; then
    printf '{"deprecated-key-path": "%s"}\n' "$STATE/c-key.json"
  else
    echo '{}'
  fi
}

recipe() { engine_args; engine_config; }

ensure_bridge() {
  ip link show "$BRIDGE" >/dev/null 2>&1 || ip link add "$BRIDGE" type bridge
  ip -4 addr show dev "$BRIDGE" | grep -q "inet $BRIDGE_CIDR" || ip addr add "$BRIDGE_CIDR" dev "$BRIDGE"
  ip link set "$BRIDGE" up
}

launch() {
  mkdir -p "$STATE/c-data" "$RUN/c"
  engine_config >"$STATE/daemon-c.json"
  rm -f "$RUN/c.pid"
  local args; mapfile -t args < <(engine_args)
  recipe >"$RUN/c.recipe"
  log "starting engine c (log: $STATE/c.log)"
  # setsid: the engine outlives this script and the test that ran it.
  setsid dockerd "${args[@]}" </dev/null >>"$STATE/c.log" 2>&1 &
  local i
  for i in $(seq 1 300); do
    ping_c && return 0
    # The pidfile appears once dockerd got going; no dockerd behind it after 2 s means it died.
    if [ "$i" -gt 10 ] && ! engine_pid c >/dev/null && ! pgrep -f "pidfile $RUN/c.pid" >/dev/null; then
      tail -20 "$STATE/c.log" >&2
      die "engine c exited during startup (log above)"
    fi
    sleep 0.2
  done
  tail -20 "$STATE/c.log" >&2
  die "engine c did not answer within 60 s"
}

# The test images, copied from engine A when C lacks them or has other builds.
load_images() {
  load_engine_env
  local image missing=() want have
  for image in "$BUSYBOX_IMAGE" "$PAUSE_IMAGE"; do
    want=$(engine_cli a image inspect --format '{{.Id}}' "$image" 2>/dev/null) || die "engine A lacks $image: run hack/test-images.sh"
    have=$(engine_cli c image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)
    [ "$want" = "$have" ] || missing+=("$image")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  engine_cli a save "${missing[@]}" | engine_cli c load >/dev/null
  log "loaded ${missing[*]} from engine A"
}

# shims: pid and container id of every containerd shim of C (found by C's own containerd
# address, which no other engine has), alive with or without dockerd.
shims() {
  local p args
  for p in /proc/[0-9]*; do
    args=$(tr '\0' ' ' 2>/dev/null <"$p/cmdline") || continue
    case $args in
      *containerd-shim*" -address $RUN/c/containerd/containerd.sock"*)
        echo "${p#/proc/} $(sed -E 's/.* -id ([0-9a-f]+) .*/\1/' <<<"$args")" ;;
    esac
  done
}

# strays: the container ids of C's shims whose container C does not know (C must run). Docker
# 20.10 leaks them when it shuts down while containers are being created and started: it drops
# the container, but cannot delete the task from its containerd, which is stopping too.
strays() {
  local known; known=$(engine_cli c ps -aq --no-trunc)
  shims | while read -r _ id; do grep -qx "$id" <<<"$known" || echo "$id"; done
}

# reap_shims: with C stopped, ends every shim of C left (with its children, a `runc init` stuck in
# a start that never finished), by pid, and removes their bundles.
reap_shims() {
  local pid id child n=0
  while read -r pid id; do
    [ -n "$pid" ] || continue
    for child in $(pgrep -P "$pid"); do kill -KILL "$child" 2>/dev/null || true; done
    kill -KILL "$pid" 2>/dev/null || true
    n=$((n + 1))
  done < <(shims)
  [ "$n" -eq 0 ] || log "ended $n containerd shims engine c left behind"
  # --one-file-system: never into a rootfs that would still be mounted there.
  if [ -d "$TASKS" ]; then find "$TASKS" -mindepth 1 -maxdepth 1 -exec rm -rf --one-file-system {} +; fi
}

start() {
  ensure_bridge
  if engine_pid c >/dev/null && ping_c && [ "$(recipe)" = "$(cat "$RUN/c.recipe" 2>/dev/null)" ]; then
    log "engine c already running (pid $(engine_pid c))"
  else
    stop_engine c
    launch
    log "engine c ready (pid $(engine_pid c))"
  fi
  load_images
  echo "$DOCKERPOD_ENGINE_C_HOST"
}

kill_c() {
  local pid i
  pid=$(engine_pid c) || die "engine c does not run"
  log "SIGKILL to engine c (pid $pid)"
  kill -KILL "$pid"
  for i in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$RUN/c.pid"; return 0; }
    sleep 0.1
  done
  die "engine c (pid $pid) still runs 10 s after SIGKILL"
}

stop() {
  if ! engine_pid c >/dev/null && [ -n "$(shims)" ]; then
    # Containers of a killed C still run: a start of C stops them (live-restore is off).
    log "engine c is down but its containers live on: starting it once to stop them"
    ensure_bridge
    launch
  fi
  stop_engine c
  reap_shims
  ip link del "$BRIDGE" 2>/dev/null || true
  # dockerd's private bind mount of its data root (A and B keep theirs; C is stopped for good).
  if mountpoint -q "$STATE/c-data"; then umount "$STATE/c-data"; fi
}

case ${1:-} in
  start) start ;;
  term) stop_engine c ;;
  kill) kill_c ;;
  restart) stop_engine c; start ;;
  stop) stop ;;
  status) engine_pid c ;;
  strays) strays ;;
  *) echo "usage: $0 start|term|kill|restart|stop|status|strays" >&2; exit 2 ;;
esac
