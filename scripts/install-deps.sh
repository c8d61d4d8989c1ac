#!/usr/bin/env bash
# Installs the Debian packages k8ts uses, when they are missing and we are root.
#   (no flag)   : the containerd runtime (containerd, runc, CNI plugins) — optional for a
#                 cluster: without it k8ts says so and uses the process runtime
#   --for-tests : everything the test suite needs: etcd-server (etcd backend), dnsutils (dig),
#                 apache2-utils and openssl (registry auth e2e), and the containerd runtime
#                 with its offline test images
# Without root it only reports what is missing and exits 1; callers decide whether that is fatal.
set -u
here="$(dirname "$0")"
want=()
need() { command -v "$1" >/dev/null 2>&1 || want+=("$2"); }
if [ "${1:-}" = "--for-tests" ]; then
  need etcd etcd-server
  need dig dnsutils
  # The registry e2e: a password file (bcrypt) and a self-signed certificate.
  need htpasswd apache2-utils
  need openssl openssl
fi
if [ ${#want[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "k8ts: missing Debian packages: ${want[*]} (run as root, or: sudo apt-get install ${want[*]})" >&2
    exit 1
  fi
  echo "k8ts: installing ${want[*]} from Debian"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y --no-install-recommends "${want[@]}" >/tmp/k8ts-apt.log 2>&1; then
    apt-get update >>/tmp/k8ts-apt.log 2>&1
    apt-get install -y --no-install-recommends "${want[@]}" >>/tmp/k8ts-apt.log 2>&1 || {
      echo "k8ts: could not install ${want[*]}; see /tmp/k8ts-apt.log" >&2
      exit 1
    }
  fi
fi
exec bash "$here/install-containerd.sh"
