#!/usr/bin/env bash
# Builds the images k8ts needs without internet, as OCI images made with umoci:
#   pause    registry.k8s.io/pause:3.9         a static C program (pause.c) that waits for a signal
#   busybox  docker.io/library/busybox:1.35   Debian's static busybox, one symlink per applet
#                                              (also tagged :latest)
# Outputs docker-archive tars for `ctr -n k8s.io images import` in the output directory, and
# with --push HOST:PORT also pushes both to a local registry there (started if not running),
# under the same repository paths, so containerd can use it as a mirror for docker.io and
# registry.k8s.io. Idempotent: images are rebuilt only when their inputs change.
#   --out DIR   default: $K8TS_IMAGE_DIR, else /var/cache/k8ts/images (root) or ~/.cache/k8ts/images
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${K8TS_IMAGE_DIR:-}"
push=""
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --push) push="$2"; shift 2 ;;
    *) echo "usage: $0 [--out DIR] [--push HOST:PORT]" >&2; exit 2 ;;
  esac
done
if [ -z "$out" ]; then
  if [ "$(id -u)" -eq 0 ]; then out=/var/cache/k8ts/images; else out="${XDG_CACHE_HOME:-$HOME/.cache}/k8ts/images"; fi
fi
mkdir -p "$out"
for tool in umoci skopeo gcc; do
  command -v "$tool" >/dev/null || { echo "k8ts: $tool is missing; run scripts/install-containerd.sh as root" >&2; exit 1; }
done
[ -x /bin/busybox ] || { echo "k8ts: /bin/busybox (busybox-static) is missing; run scripts/install-containerd.sh as root" >&2; exit 1; }

rootless=()
[ "$(id -u)" -eq 0 ] || rootless=(--rootless)
PAUSE_REF=registry.k8s.io/pause:3.9
BUSYBOX_REF=docker.io/library/busybox:1.35
BUSYBOX_LATEST=docker.io/library/busybox:latest

fingerprint() { cat "$@" | sha256sum | cut -c1-16; }

# build NAME TAG FINGERPRINT POPULATE_FN UMOCI_CONFIG_ARGS...
build() {
  local name="$1" tag="$2" fp="$3" populate="$4"; shift 4
  local layout="$out/oci/$name" stamp="$out/$name.stamp"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$fp" ] && [ -f "$out/$name.tar" ]; then
    echo "k8ts images: $name is up to date ($out/$name.tar)"
    return
  fi
  local work; work="$(mktemp -d)"
  rm -rf "$layout" "$out/$name.tar"
  mkdir -p "$out/oci"
  umoci init --layout "$layout"
  umoci new --image "$layout:$tag"
  umoci unpack "${rootless[@]}" --image "$layout:$tag" "$work/bundle" >/dev/null
  "$populate" "$work/bundle/rootfs"
  umoci repack --image "$layout:$tag" "$work/bundle"
  umoci config --image "$layout:$tag" --os linux --architecture amd64 \
    --config.env PATH=/bin "$@" >/dev/null
  rm -rf "$work"
  echo "$fp" >"$stamp"
  echo "k8ts images: built $name ($layout:$tag)"
}

populate_pause() {
  gcc -static -Os -s -o "$1/pause" "$here/pause.c"
}

populate_busybox() {
  local root="$1"
  mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/root" "$root/var/www" "$root/home"
  chmod 1777 "$root/tmp"
  cp /bin/busybox "$root/bin/busybox"
  local applet
  for applet in $(/bin/busybox --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnobody:x:65534:\n' >"$root/etc/group"
}

build pause 3.9 "$(fingerprint "$here/pause.c" "$0")" populate_pause --config.entrypoint /pause
build busybox 1.35 "$(fingerprint /bin/busybox "$0")" populate_busybox --config.cmd sh

archive() {
  local name="$1" tag="$2" ref="$3"; shift 3
  [ -f "$out/$name.tar" ] && return
  skopeo copy -q "$@" "oci:$out/oci/$name:$tag" "docker-archive:$out/$name.tar:$ref"
  echo "k8ts images: wrote $out/$name.tar ($ref)"
}
archive pause 3.9 "$PAUSE_REF"
archive busybox 1.35 "$BUSYBOX_REF" --additional-tag "$BUSYBOX_LATEST"

if [ -n "$push" ]; then
  "$here/registry.sh" start --addr "$push" --dir "$out/registry"
  publish() {
    local name="$1" tag="$2" repo="$3" rtag="$4"
    local stamp="$out/$name.pushed"
    local fp; fp="$(cat "$out/$name.stamp"):$push/$repo:$rtag"
    if grep -qxF "$fp" "$stamp" 2>/dev/null && curl -fsI "http://$push/v2/$repo/manifests/$rtag" \
      -H 'Accept: application/vnd.oci.image.manifest.v1+json' -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' >/dev/null; then
      echo "k8ts images: $push/$repo:$rtag is up to date"
      return
    fi
    skopeo copy -q --dest-tls-verify=false "oci:$out/oci/$name:$tag" "docker://$push/$repo:$rtag"
    grep -vxF "$fp" "$stamp" 2>/dev/null >"$stamp.new" || true
    echo "$fp" >>"$stamp.new"
    mv "$stamp.new" "$stamp"
    echo "k8ts images: pushed $push/$repo:$rtag"
  }
  publish pause 3.9 pause 3.9
  publish busybox 1.35 library/busybox 1.35
  publish busybox 1.35 library/busybox latest
fi
echo "k8ts images: archives in $out (pause.tar, busybox.tar)"
