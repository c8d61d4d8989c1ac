#!/usr/bin/env bash
# Installs what the containerd runtime needs from Debian, when missing and we are root:
# containerd (CRI built in), runc, the CNI plugins, iptables and nftables (service proxy, network
# policy), and the tools that build the offline test images (umoci, skopeo, docker-registry,
# busybox-static, gcc with a static libc).
# Without root it only reports what is missing and exits 1.
set -u
want=()
need_cmd() { command -v "$1" >/dev/null 2>&1 || want+=("$2"); }
need_file() { [ -e "$1" ] || want+=("$2"); }
need_cmd containerd containerd
need_cmd runc runc
need_file /usr/lib/cni/bridge containernetworking-plugins
need_cmd umoci umoci
need_cmd skopeo skopeo
need_cmd docker-registry docker-registry
need_file /bin/busybox busybox-static
need_cmd gcc gcc
need_file /usr/lib/x86_64-linux-gnu/libc.a libc6-dev
need_cmd iptables iptables
need_cmd nft nftables
[ ${#want[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "k8ts: the containerd runtime needs these Debian packages: ${want[*]} (run as root: $0, or sudo apt-get install ${want[*]})" >&2
  exit 1
fi
echo "k8ts: installing ${want[*]} from Debian"
export DEBIAN_FRONTEND=noninteractive
log=/tmp/k8ts-apt-containerd.log
if ! apt-get install -y --no-install-recommends "${want[@]}" >"$log" 2>&1; then
  apt-get update >>"$log" 2>&1
  apt-get install -y --no-install-recommends "${want[@]}" >>"$log" 2>&1 || {
    echo "k8ts: could not install ${want[*]}; see $log" >&2
    exit 1
  }
fi
