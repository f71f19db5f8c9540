#!/usr/bin/env bash
# The kvm test tier (ctest label kvm): brings up libvirtd (start_libvirtd.sh), builds the guest
# (make_guest.sh), then runs mycelium_kvm_guest_test on it (kvm_guest_test.cpp says what it
# asserts).
#
#   tests/vm/kvm_guest.sh TEST_BINARY WORKDIR [TEST_OPTION ...]
#
# TEST_OPTIONs go to the test binary after the ones this script gives (e.g. --mode migrate).
# Exit 77 (ctest: skipped) when this machine cannot run it: not root (libvirtd, the libvirt-qemu
# user), QEMU or libvirtd not installed, or libvirtd does not come up.
set -euo pipefail

name="kvm guest"
(($# >= 2)) || {
  echo "usage: $0 TEST_BINARY WORKDIR [TEST_OPTION ...]" >&2
  exit 2
}
binary=$1
work=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)

if [[ $(id -u) != 0 ]]; then
  echo "$name: skipped: starting libvirtd and its QEMU user needs root (run as root or with sudo)"
  exit 77
fi
for program in /usr/sbin/libvirtd /usr/sbin/virtlogd /usr/bin/qemu-system-x86_64; do
  if [[ ! -x $program ]]; then
    echo "$name: skipped: $program is not installed (scripts/setup installs the kvm tier's packages)"
    exit 77
  fi
done
if ! "$here/start_libvirtd.sh"; then
  echo "$name: skipped: libvirtd does not run on this machine (see the lines above)"
  exit 77
fi

# The domain type: kvm where /dev/kvm exists (choose_domain_type) and libvirt's unprivileged QEMU
# user, libvirt-qemu, may open it (on Debian, udev makes it root:kvm 0660 and libvirt-qemu is in
# kvm); software emulation (TCG) otherwise. A root-only /dev/kvm is a container's, often nested
# without the CPU features a guest needs (on this machine a kvm guest hangs in the firmware), and
# start_libvirtd.sh runs QEMU as root there only to keep libvirt from re-probing QEMU.
type=auto
if [[ -e /dev/kvm ]] && ! setpriv --reuid=libvirt-qemu --regid=libvirt-qemu --init-groups \
  sh -c 'test -r /dev/kvm && test -w /dev/kvm' 2>/dev/null; then
  echo "$name: /dev/kvm exists but libvirt-qemu may not open it ($(stat -c '%A %U:%G' /dev/kvm)): qemu (TCG)"
  type=qemu
fi

mkdir -p "$work"
"$here/make_guest.sh" "$work/guest"
# shellcheck source=/dev/null
source "$work/guest/guest.env"
exec "$binary" --kernel "$KERNEL" --initrd "$INITRD" --work "$work/run" --type "$type" "$@"
