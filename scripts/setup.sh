#!/usr/bin/env bash
# Prepares this machine to run real containers, best effort: as root, installs containerd, runc
# and the CNI plugins from Debian when missing and builds the offline pause/busybox images.
# Without root (or without Debian's packages) it says what is missing; `k8ts server` then runs
# pods as host processes. Never fails: the cluster starts either way.
here="$(dirname "$0")"
if bash "$here/install-deps.sh" && bash "$here/images/build-images.sh" >/dev/null; then
  echo "k8ts: containerd and the offline images are ready; pods will run as real containers"
else
  echo "k8ts: continuing without containerd: pods will run as host processes (--runtime process)" >&2
fi
exit 0
