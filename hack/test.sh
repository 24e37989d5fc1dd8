#!/usr/bin/env bash
# Runs every test, from a fresh clone with nothing done first (the README's test command):
# installs the npm dependencies when missing or stale, starts the two private test engines
# (installing Docker from Debian when missing), builds the test images, then runs
# `npm run verify` (typecheck, lint, generated-file drift) and `npm test` (all tiers).
# Extra arguments are passed to mocha, e.g. `bash hack/test.sh --grep seed`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ "$(id -u)" != 0 ]; then
  echo "hack/test.sh: the tests start Docker engines and read /proc of their containers: run as root (sudo bash hack/test.sh)" >&2
  exit 1
fi

step() { printf '\n== %s\n' "$*"; }

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  step "npm ci"
  npm ci --no-audit --no-fund
fi

step "private Docker engines"
bash hack/ensure-docker.sh >/dev/null
step "test images"
bash hack/test-images.sh

step "npm run verify (typecheck, lint, generated files)"
npm run -s verify

step "npm test (unit, integration, e2e)"
if [ $# -gt 0 ]; then npm test -- "$@"; else npm test; fi
