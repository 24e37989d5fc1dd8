# Shared by the hack/ scripts (sourced, not run). Engine access through the docker CLI.

DOCKERPOD_TEST_STATE=${DOCKERPOD_TEST_STATE:-/var/lib/dockerpod-test}
DOCKERPOD_TEST_RUN=${DOCKERPOD_TEST_RUN:-/run/dockerpod-test}
DOCKERPOD_TEST_ENV=${DOCKERPOD_TEST_ENV:-$DOCKERPOD_TEST_STATE/engines.env}

# load_engine_env: reads the env file ensure-docker.sh wrote into DOCKERPOD_ENGINE_* variables.
load_engine_env() {
  [ -f "$DOCKERPOD_TEST_ENV" ] || { echo "no $DOCKERPOD_TEST_ENV: run hack/ensure-docker.sh first" >&2; return 1; }
  set -a
  # shellcheck disable=SC1090
  . "$DOCKERPOD_TEST_ENV"
  set +a
}

# Engine C (hack/engine-c.sh, opt-in): its socket is fixed, so it needs no env file.
DOCKERPOD_ENGINE_C_HOST=unix://$DOCKERPOD_TEST_RUN/c.sock

# engine_cli a|b|c ARGS...: the docker CLI pointed at one of the private engines.
engine_cli() {
  local engine=$1; shift
  case $engine in
    a) docker -H "$DOCKERPOD_ENGINE_A_HOST" "$@" ;;
    b) docker -H "$DOCKERPOD_ENGINE_B_HOST" --tlsverify --tlscacert "$DOCKERPOD_ENGINE_B_CA" \
         --tlscert "$DOCKERPOD_ENGINE_B_CERT" --tlskey "$DOCKERPOD_ENGINE_B_KEY" "$@" ;;
    c) docker -H "$DOCKERPOD_ENGINE_C_HOST" "$@" ;;
    *) echo "engine_cli: unknown engine $engine" >&2; return 2 ;;
  esac
}

# apt_install PACKAGE...: installs the Debian packages that are not installed yet.
apt_install() {
  local missing=() p
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "[hack] installing ${missing[*]} (apt)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# engine_pid ENGINE: prints the pid of our running engine (from its pidfile); fails when none runs.
engine_pid() {
  local pidfile=$DOCKERPOD_TEST_RUN/$1.pid pid
  [ -s "$pidfile" ] || return 1
  pid=$(cat "$pidfile")
  kill -0 "$pid" 2>/dev/null && grep -q dockerd "/proc/$pid/cmdline" 2>/dev/null && echo "$pid"
}

# stop_engine ENGINE: SIGTERM to our engine (found by its pidfile only), SIGKILL after 30 s.
stop_engine() {
  local pid i
  pid=$(engine_pid "$1") || { rm -f "$DOCKERPOD_TEST_RUN/$1.pid"; return 0; }
  echo "[hack] stopping engine $1 (pid $pid)" >&2
  kill -TERM "$pid"
  for i in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$DOCKERPOD_TEST_RUN/$1.pid"; return 0; }
    sleep 0.5
  done
  echo "[hack] engine $1 did not stop within 30 s: SIGKILL" >&2
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$DOCKERPOD_TEST_RUN/$1.pid"
}
