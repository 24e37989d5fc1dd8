#!/usr/bin/env bash
# Builds the test images without a registry and loads them into both private engines:
#
#   dockerpod.dev/test/busybox:1  Debian's static busybox with every applet linked into /bin,
#                                 /etc/passwd with root and nobody (65534), /tmp, CMD sh
#   dockerpod.dev/test/pause:1    the project's pause program (hack/pause/pause.c), static
#
# Each image carries a label with the hash of its inputs; an engine that already has an image
# with the same hash is skipped, so a second run costs two `docker image inspect` per engine.
# Note: Debian's busybox-static has no `ipcs` applet; tests read /proc/*/ns/ipc instead.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"
load_engine_env

BUSYBOX_IMAGE=${DOCKERPOD_TEST_BUSYBOX_IMAGE:-dockerpod.dev/test/busybox:1}
PAUSE_IMAGE=${DOCKERPOD_TEST_PAUSE_IMAGE:-dockerpod.dev/test/pause:1}
LABEL=dev.dockerpod.test.source-hash
RECIPE_VERSION=1  # bump when the recipe below changes in a way the inputs do not show

apt_install busybox-static gcc libc6-dev

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

hash_of() { cat "$@" | { sha256sum; echo "$RECIPE_VERSION"; } | sha256sum | cut -c1-16; }

busybox_hash=$(hash_of /bin/busybox)
pause_hash=$(hash_of "$here/pause/pause.c")

current_hash() { engine_cli "$1" image inspect --format "{{index .Config.Labels \"$LABEL\"}}" "$2" 2>/dev/null || true; }

build_busybox() {
  local root=$work/busybox
  mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/root" "$root/proc" "$root/sys" "$root/dev" "$root/var/www"
  chmod 1777 "$root/tmp"
  cp /bin/busybox "$root/bin/busybox"
  local applet
  for applet in $(/bin/busybox --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
  tar -C "$root" --numeric-owner --owner=0 --group=0 -cf "$work/busybox.tar" .
}

build_pause() {
  local root=$work/pause
  mkdir -p "$root"
  gcc -static -Os -s -Wall -Wextra -Werror -DPAUSE_VERSION="\"$pause_hash\"" -o "$root/pause" "$here/pause/pause.c"
  tar -C "$root" --numeric-owner --owner=0 --group=0 -cf "$work/pause.tar" .
}

# load ENGINE IMAGE HASH TAR CHANGES...: imports the rootfs tar unless the engine has it already.
load() {
  local engine=$1 image=$2 hash=$3 tar=$4; shift 4
  if [ "$(current_hash "$engine" "$image")" = "$hash" ]; then
    echo "[test-images] $image is current on engine $engine" >&2
    return
  fi
  local changes=(--change "LABEL $LABEL=$hash") c
  for c in "$@"; do changes+=(--change "$c"); done
  engine_cli "$engine" import "${changes[@]}" "$tar" "$image" >/dev/null
  echo "[test-images] loaded $image into engine $engine" >&2
}

need() { [ "$(current_hash a "$1")" != "$2" ] || [ "$(current_hash b "$1")" != "$2" ]; }

if need "$BUSYBOX_IMAGE" "$busybox_hash"; then
  build_busybox
  for engine in a b; do
    load "$engine" "$BUSYBOX_IMAGE" "$busybox_hash" "$work/busybox.tar" \
      'ENV PATH=/bin' 'CMD ["sh"]'
  done
else
  echo "[test-images] $BUSYBOX_IMAGE is current on both engines" >&2
fi

if need "$PAUSE_IMAGE" "$pause_hash"; then
  build_pause
  for engine in a b; do
    load "$engine" "$PAUSE_IMAGE" "$pause_hash" "$work/pause.tar" 'ENTRYPOINT ["/pause"]'
  done
else
  echo "[test-images] $PAUSE_IMAGE is current on both engines" >&2
fi
