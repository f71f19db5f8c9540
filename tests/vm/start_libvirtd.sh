#!/usr/bin/env bash
# Brings up libvirtd for the kvm test tier on a machine without systemd (as root), and does
# nothing that is already done: safe to run again, and it leaves a running libvirtd alone.
#
# What Debian's libvirt-daemon-system (not installed: it needs systemd) would have set up:
#   * the libvirt-qemu user and group, which QEMU runs as (libvirt's compiled-in default);
#   * /var/log/libvirt/qemu, where each domain's QEMU log goes;
#   * virtlogd, which writes those logs and the serial console logs (<log file=...>);
# and settings of our own in /etc/libvirt/qemu.conf: memory_backing_dir in /dev/shm, so the
# guest RAM file (file-backed, shared: docs/vm.md) is in memory, not on disk; and, only where
# /dev/kvm exists but libvirt-qemu may not open it (a container's root-only device node, no udev
# to make it root:kvm 0660), QEMU runs as root. There libvirt 9.0 finds its cached QEMU
# capabilities invalid at every lookup (KVM "not available now") and probes QEMU again, twice,
# ~4 s: measured on this machine, `virsh define` of a minimal domain took 32-50 s and a
# `mycelium vm deploy` of one VM with two standbys 132 s; with QEMU's user able to open /dev/kvm,
# 0.01 s. Giving libvirt-qemu the device instead would make the tests choose kvm, which on such a
# host (nested, without the CPU features) hangs in the firmware: the guests stay on TCG
# (kvm_guest.sh decides that from libvirt-qemu's access, as before).
#
# Exit codes: 0 when `virsh -c qemu:///system version` answers; 1 otherwise, saying why.
set -euo pipefail

name=start_libvirtd
uri=qemu:///system
backing_dir=/dev/shm/mycelium-libvirt
qemu_conf=/etc/libvirt/qemu.conf
log_dir=/var/log/libvirt

fail() {
  echo "$name: $*" >&2
  exit 1
}

[[ $(id -u) == 0 ]] || fail "must run as root (it creates a user and starts system daemons)"
for program in /usr/sbin/libvirtd /usr/sbin/virtlogd /usr/bin/virsh; do
  [[ -x $program ]] || fail "$program is missing: run scripts/setup"
done

# `virsh list`, not `virsh version`: version looks up QEMU's capabilities, which libvirt may
# re-probe (seconds).
answers() { timeout 10 virsh -c "$uri" list --all >/dev/null 2>&1; }

if ! getent group libvirt-qemu >/dev/null; then
  groupadd --system libvirt-qemu
  echo "$name: created group libvirt-qemu"
fi
if ! getent passwd libvirt-qemu >/dev/null; then
  # kvm: QEMU as libvirt-qemu must open /dev/kvm when it exists (crw-rw---- root:kvm on Debian).
  groups=libvirt-qemu
  getent group kvm >/dev/null && groups=libvirt-qemu,kvm
  useradd --system --no-create-home --home-dir /var/lib/libvirt --shell /usr/sbin/nologin \
    --gid libvirt-qemu --groups "$groups" libvirt-qemu
  echo "$name: created user libvirt-qemu"
fi
mkdir -p "$log_dir/qemu" /var/lib/libvirt/qemu /run/libvirt "$backing_dir"

# memory_backing_dir: only when qemu.conf does not set it already (a setting of the machine's
# owner wins). libvirtd reads qemu.conf at start, so a running libvirtd without it is restarted.
restart=0
mkdir -p /etc/libvirt
if ! grep -qE '^\s*memory_backing_dir\s*=' "$qemu_conf" 2>/dev/null; then
  {
    echo "# Added by Mycelium's tests/vm/start_libvirtd.sh: guest RAM files in memory."
    echo "memory_backing_dir = \"$backing_dir\""
  } >>"$qemu_conf"
  echo "$name: set memory_backing_dir = \"$backing_dir\" in $qemu_conf"
  restart=1
fi

# QEMU as root where libvirt-qemu may not open /dev/kvm (see the top): only when qemu.conf names
# no user of its own.
if [[ -e /dev/kvm ]] && ! grep -qE '^\s*user\s*=' "$qemu_conf" &&
  ! setpriv --reuid=libvirt-qemu --regid=libvirt-qemu --init-groups \
    sh -c 'test -r /dev/kvm && test -w /dev/kvm' 2>/dev/null; then
  {
    echo "# Added by Mycelium's tests/vm/start_libvirtd.sh: /dev/kvm is root's only here, and"
    echo "# libvirt re-probes QEMU at every capabilities lookup when QEMU's user may not open it."
    echo 'user = "root"'
    echo 'group = "root"'
  } >>"$qemu_conf"
  echo "$name: /dev/kvm is not open to libvirt-qemu: QEMU runs as root ($qemu_conf), else libvirt re-probes QEMU at every lookup"
  restart=1
fi

if ! pgrep -x virtlogd >/dev/null; then
  /usr/sbin/virtlogd --daemon
  echo "$name: started virtlogd"
fi

libvirtd_pid=$(pgrep -x libvirtd || true)
if [[ -n $libvirtd_pid && $restart == 1 ]]; then
  echo "$name: restarting libvirtd (pid $libvirtd_pid) to read $qemu_conf"
  kill "$libvirtd_pid"
  for _ in $(seq 50); do
    kill -0 "$libvirtd_pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$libvirtd_pid" 2>/dev/null && fail "libvirtd (pid $libvirtd_pid) did not stop"
  libvirtd_pid=
fi
if [[ -z $libvirtd_pid ]]; then
  LIBVIRT_LOG_OUTPUTS="3:file:$log_dir/libvirtd.log" /usr/sbin/libvirtd --daemon
  echo "$name: started libvirtd (log: $log_dir/libvirtd.log)"
fi

# The first start probes QEMU's capabilities: a few seconds.
for _ in $(seq 60); do
  if answers; then
    echo "$name: $uri answers (libvirtd pid $(pgrep -x libvirtd | head -n 1))"
    exit 0
  fi
  sleep 0.5
done
fail "$uri does not answer after 30 s; see $log_dir/libvirtd.log: $(tail -n 3 "$log_dir/libvirtd.log" 2>/dev/null)"
