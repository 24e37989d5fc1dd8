#!/usr/bin/env bash
# Starts the two private Docker engines the tests use, installing what is missing first.
#
#   engine A: unix socket            (DOCKERPOD_ENGINE_A_HOST)
#   engine B: tcp://127.0.0.1:PORT   with mutual TLS (DOCKERPOD_ENGINE_B_*)
#
# They never touch a user's own engine: each has its own data root, exec root, pidfile,
# containerd namespace, config file and bridge (a bridge of its own, because an engine that
# owns docker0 deletes or rewires another engine's docker0). iptables is left alone (the
# userland proxy publishes ports), so the host's firewall rules are never changed.
#
# Idempotent: running engines are reused, certificates and bridges are made once. Writes the
# env file the tests read ($DOCKERPOD_TEST_STATE/engines.env) and prints its path.
# Needs root (dockerd does); stop the engines with hack/stop-docker.sh.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"
STATE=$DOCKERPOD_TEST_STATE
RUN=$DOCKERPOD_TEST_RUN
TCP_PORT=${DOCKERPOD_TEST_TCP_PORT:-23760}
ENV_FILE=$DOCKERPOD_TEST_ENV
TLS=$STATE/tls

log() { printf '[ensure-docker] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (dockerd needs it); try: sudo $0"

# --- packages -------------------------------------------------------------------------------
pkgs=(docker.io busybox-static openssl iproute2)
command -v dockerd >/dev/null && pkgs=("${pkgs[@]:1}")  # an engine installed another way will do
apt_install "${pkgs[@]}"
# A fresh install may start the distribution's own engine: that is the user's, and not ours.
command -v docker >/dev/null || die "the docker CLI is missing after installing docker.io"

mkdir -p "$STATE" "$RUN" "$TLS"
DOCKERD_MAJOR=$(dockerd --version | sed -E 's/^Docker version ([0-9]+).*/\1/')

# --- TLS material for engine B (made once) --------------------------------------------------
make_tls() {
  log "creating a CA, a server and a client certificate in $TLS"
  local tmp; tmp=$(mktemp -d)
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj '/CN=dockerpod test CA' \
    -keyout "$TLS/ca-key.pem" -out "$TLS/ca.pem" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj '/CN=127.0.0.1' -keyout "$TLS/server-key.pem" -out "$tmp/server.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >"$tmp/server.ext"
  openssl x509 -req -in "$tmp/server.csr" -CA "$TLS/ca.pem" -CAkey "$TLS/ca-key.pem" -CAcreateserial \
    -days 3650 -extfile "$tmp/server.ext" -out "$TLS/server-cert.pem" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj '/CN=dockerpod-test-client' -keyout "$TLS/client-key.pem" -out "$tmp/client.csr" 2>/dev/null
  printf 'extendedKeyUsage=clientAuth\n' >"$tmp/client.ext"
  openssl x509 -req -in "$tmp/client.csr" -CA "$TLS/ca.pem" -CAkey "$TLS/ca-key.pem" -CAcreateserial \
    -days 3650 -extfile "$tmp/client.ext" -out "$TLS/client-cert.pem" 2>/dev/null
  chmod 600 "$TLS"/*-key.pem
  rm -rf "$tmp"
}
[ -s "$TLS/client-cert.pem" ] && [ -s "$TLS/server-cert.pem" ] || make_tls

# --- engines --------------------------------------------------------------------------------
# ensure_bridge NAME CIDR: a bridge owned by one engine; dockerd takes its subnet from the address.
ensure_bridge() {
  local name=$1 cidr=$2
  ip link show "$name" >/dev/null 2>&1 || ip link add "$name" type bridge
  ip -4 addr show dev "$name" | grep -q "inet $cidr" || ip addr add "$cidr" dev "$name"
  ip link set "$name" up
}

# The engines' addresses, as the env file will publish them.
DOCKERPOD_ENGINE_A_HOST=unix://$RUN/a.sock
DOCKERPOD_ENGINE_B_HOST=tcp://127.0.0.1:$TCP_PORT
DOCKERPOD_ENGINE_B_CA=$TLS/ca.pem
DOCKERPOD_ENGINE_B_CERT=$TLS/client-cert.pem
DOCKERPOD_ENGINE_B_KEY=$TLS/client-key.pem

# ping ENGINE: the engine answers /_ping (through `docker version`; docker.io ships the CLI).
ping() { engine_cli "$1" version --format '{{.Server.Version}}' >/dev/null 2>&1; }

# engine_args ENGINE EXTRA...: the full dockerd command line of an engine.
engine_args() {
  local engine=$1; shift
  local args=(
    --config-file "$STATE/daemon-$engine.json"
    --data-root "$STATE/$engine-data"
    --exec-root "$RUN/$engine"
    --pidfile "$RUN/$engine.pid"
    --containerd-namespace "dockerpod-test-$engine"
    --containerd-plugins-namespace "dockerpod-test-$engine-plugins"
    --exec-opt native.cgroupdriver=cgroupfs
    --storage-driver overlay2
    --iptables=false --ip-forward=false --ip-masq=false
    --log-level warn
  )
  printf '%s\n' "${args[@]}" "$@"
}

# engine_config ENGINE: the engine's daemon.json (its own, never /etc/docker/daemon.json).
engine_config() {
  # Engines before 24 take their identity (the ID in /info) from /etc/docker/key.json: give each
  # engine its own key so the two are distinct engines and the user's config dir is not touched.
  if [ "$DOCKERD_MAJOR" -lt 24 ]; then
    printf '{"deprecated-key-path": "%s"}\n' "$STATE/$1-key.json"
  else
    echo '{}'
  fi
}

# recipe ENGINE EXTRA...: everything an engine is started with; a running engine with another
# recipe (an older version of this script) is restarted.
recipe() { engine_args "$@"; engine_config "$1"; }

start_engine() {
  local engine=$1; shift
  local logfile=$STATE/$engine.log
  mkdir -p "$STATE/$engine-data" "$RUN/$engine"
  engine_config "$engine" >"$STATE/daemon-$engine.json"
  rm -f "$RUN/$engine.pid"
  local args; mapfile -t args < <(engine_args "$engine" "$@")
  recipe "$engine" "$@" >"$RUN/$engine.recipe"
  log "starting engine $engine (log: $logfile)"
  # setsid: the engine outlives this script and the shell that ran it.
  setsid dockerd "${args[@]}" </dev/null >>"$logfile" 2>&1 &
}

wait_ready() {
  local engine=$1 i
  for i in $(seq 1 120); do
    ping "$engine" && return 0
    if [ "$i" -gt 5 ] && ! engine_pid "$engine" >/dev/null && ! pgrep -f "pidfile $RUN/$engine.pid" >/dev/null; then
      tail -20 "$STATE/$engine.log" >&2
      die "engine $engine exited during startup (log above)"
    fi
    sleep 0.5
  done
  tail -20 "$STATE/$engine.log" >&2
  die "engine $engine did not answer within 60 s"
}

ensure_engine() {
  local engine=$1; shift
  if engine_pid "$engine" >/dev/null && ping "$engine"; then
    if [ "$(recipe "$engine" "$@")" = "$(cat "$RUN/$engine.recipe" 2>/dev/null)" ]; then
      log "engine $engine already running (pid $(engine_pid "$engine"))"
      return
    fi
    log "engine $engine runs with other settings than this script makes: restarting it"
    stop_engine "$engine"
  fi
  start_engine "$engine" "$@"
  wait_ready "$engine"
  log "engine $engine ready (pid $(engine_pid "$engine"))"
}

ensure_bridge dpt-a0 10.213.1.1/24
ensure_bridge dpt-b0 10.213.2.1/24
ensure_engine a --bridge dpt-a0 -H "$DOCKERPOD_ENGINE_A_HOST"
ensure_engine b --bridge dpt-b0 -H "$DOCKERPOD_ENGINE_B_HOST" \
  --tlsverify --tlscacert "$TLS/ca.pem" --tlscert "$TLS/server-cert.pem" --tlskey "$TLS/server-key.pem"

cat >"$ENV_FILE.tmp" <<EOF
# Written by hack/ensure-docker.sh; read by test/support. Engines of the dockerpod test suite.
DOCKERPOD_ENGINE_A_HOST=$DOCKERPOD_ENGINE_A_HOST
DOCKERPOD_ENGINE_A_BRIDGE=dpt-a0
DOCKERPOD_ENGINE_B_HOST=$DOCKERPOD_ENGINE_B_HOST
DOCKERPOD_ENGINE_B_BRIDGE=dpt-b0
DOCKERPOD_ENGINE_B_CA=$DOCKERPOD_ENGINE_B_CA
DOCKERPOD_ENGINE_B_CERT=$DOCKERPOD_ENGINE_B_CERT
DOCKERPOD_ENGINE_B_KEY=$DOCKERPOD_ENGINE_B_KEY
EOF
mv "$ENV_FILE.tmp" "$ENV_FILE"
echo "$ENV_FILE"
