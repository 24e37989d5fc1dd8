#!/usr/bin/env bash
# The README's "run it": the whole product on one machine, from a fresh clone.
#
# 1. installs the npm dependencies (and builds) when missing;
# 2. uses your Docker engine when one answers (DOCKER_HOST or /var/run/docker.sock), otherwise
#    installs Debian's docker.io and starts a private engine as the test script does;
# 3. starts `dockerpod standalone` (API server + operator) in the background, data in .dockerpod/;
# 4. applies examples/web.yaml, waits until the pod is Ready, and prints what to try next.
#
# Offline machines can point the example at local images:
#   DOCKERPOD_EXAMPLE_IMAGE=<busybox image> DOCKERPOD_PAUSE_IMAGE=<pause image> bash hack/quickstart.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
DATA=$(realpath -m "${DOCKERPOD_DATA_DIR:-.dockerpod}")
LISTEN=${DOCKERPOD_LISTEN:-127.0.0.1:6443}

say() { printf '\n== %s\n' "$*"; }

if [ ! -f node_modules/.package-lock.json ] || [ ! -f dist/cli/main.js ]; then
  say "installing dependencies (npm ci)"
  npm ci --no-audit --no-fund
fi

engine_answers() { docker ${1:+-H "$1"} version --format '{{.Server.Version}}' >/dev/null 2>&1; }
if [ -n "${DOCKER_HOST:-}" ] && engine_answers "$DOCKER_HOST"; then
  say "using the Docker engine at $DOCKER_HOST"
elif command -v docker >/dev/null && engine_answers unix:///var/run/docker.sock; then
  export DOCKER_HOST=unix:///var/run/docker.sock
  say "using the Docker engine at $DOCKER_HOST"
else
  say "no Docker engine answers: starting a private one (needs root)"
  [ "$(id -u)" = 0 ] || { echo "run as root, or start Docker first" >&2; exit 1; }
  bash hack/ensure-docker.sh >/dev/null
  export DOCKER_HOST=unix:///run/dockerpod-test/a.sock
fi

mkdir -p "$DATA"
if [ -s "$DATA/standalone.pid" ] && kill -0 "$(cat "$DATA/standalone.pid")" 2>/dev/null; then
  say "dockerpod standalone already runs (pid $(cat "$DATA/standalone.pid"))"
else
  say "starting dockerpod standalone on $LISTEN (log: $DATA/standalone.log)"
  rm -f "$DATA/kubeconfig"
  nohup node dist/cli/main.js standalone --data-dir "$DATA" --listen "$LISTEN" --docker-host "$DOCKER_HOST" \
    >"$DATA/standalone.log" 2>&1 </dev/null &
  echo $! >"$DATA/standalone.pid"
  for _ in $(seq 1 100); do [ -s "$DATA/kubeconfig" ] && break; sleep 0.1; done
  [ -s "$DATA/kubeconfig" ] || { tail -20 "$DATA/standalone.log" >&2; echo "standalone did not start" >&2; exit 1; }
fi
export KUBECONFIG=$DATA/kubeconfig

say "applying examples/web.yaml and waiting for Ready"
node_modules/.bin/tsx hack/quickstart-apply.ts examples/web.yaml

cat <<MSG

The pod runs. Try:

  export KUBECONFIG=$KUBECONFIG
  kubectl get dockerpods                    # READY 2/2, STATUS Running
  kubectl describe dockerpod web            # conditions, container states, Events
  curl http://127.0.0.1:8080/               # the app, published by the sandbox
  docker ps --filter label=dockerpod.dev/name=web
  kubectl delete dockerpod web              # stops and removes every container

Stop it with: kill \$(cat $DATA/standalone.pid)
MSG
