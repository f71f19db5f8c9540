#!/usr/bin/env bash
# Builds the kvm test tier's guest from Debian packages only (as root, or a user who may run
# apt-get download and write the kernel cache):
#
#   tests/vm/make_guest.sh OUTDIR
#
# * the kernel: Debian's linux-image package for this architecture, fetched with
#   `apt-get download` and unpacked with `dpkg-deb -x` into a cache (never installed: the host's
#   boot set-up is untouched), then the uncompressed vmlinux extracted from its vmlinuz (the
#   method of the kernel's scripts/extract-vmlinux: find the compressed payload, decompress it,
#   keep what is an ELF file). QEMU boots that ELF directly through its PVH entry point: about
#   4 s to userspace under TCG against about 10 s for the compressed bzImage, which is kept as
#   the fallback when no ELF comes out;
# * the initramfs: busybox-static and guest/dirty_counter.c compiled with `cc -static`, in an
#   uncompressed cpio (newc) archive whose /init mounts proc, sys and dev and runs dirty_counter
#   on the console.
#
# Writes OUTDIR/vmlinux (or OUTDIR/bzImage), OUTDIR/initramfs.cpio and OUTDIR/guest.env
# (KERNEL=..., INITRD=..., KERNEL_PACKAGE=...), and prints the paths. The kernel cache is
# $MYCELIUM_GUEST_KERNEL_CACHE, default /var/cache/mycelium/guest-kernel: fetched once.
set -euo pipefail

name=make_guest
fail() {
  echo "$name: $*" >&2
  exit 1
}

(($# == 1)) || fail "usage: $0 OUTDIR"
out=$1
here=$(cd "$(dirname "$0")" && pwd)
cache=${MYCELIUM_GUEST_KERNEL_CACHE:-/var/cache/mycelium/guest-kernel}
busybox=/bin/busybox

arch=$(dpkg --print-architecture)
[[ $arch == amd64 ]] || fail "only amd64 guests are built (qemu-system-x86); this is $arch"
if [[ ! -x $busybox ]]; then fail "$busybox is missing: run scripts/setup (busybox-static)"; fi
file_is_static() { ! LC_ALL=C readelf -l "$1" 2>/dev/null | grep -q 'INTERP'; }
file_is_static "$busybox" || fail "$busybox is not static: install busybox-static (scripts/setup)"
mkdir -p "$out" "$cache"
out=$(cd "$out" && pwd)

# --- the kernel ------------------------------------------------------------------------------
# linux-image-amd64 is the metapackage; the concrete package (linux-image-6.1.0-N-amd64) is what
# it depends on in the candidate version.
package=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-/ {print $2; exit}')
[[ -n $package ]] || fail "apt-cache knows no linux-image-amd64 (run apt-get update)"
kernel_dir=$cache/$package

# is_elf FILE: whether FILE starts with the ELF magic.
is_elf() { [[ $(head -c 4 "$1" | od -An -tx1 | tr -d ' \n') == 7f454c46 ]]; }

# extract_vmlinux VMLINUZ OUT: the uncompressed kernel inside a bzImage, or return 1.
extract_vmlinux() {
  local vmlinuz=$1 target=$2 magic tool offset
  # magic (as grep -P bytes) and the decompressor, as in the kernel's scripts/extract-vmlinux.
  for pair in '\xFD7zXZ\x00:xz -dc' '\x1F\x8B\x08:gzip -dc' '\x28\xB5\x2F\xFD:zstd -dcq' \
    '\x02\x21\x4C\x18:lz4 -dc' '\x5D\x00\x00\x00:xz -dc --format=lzma' 'BZh:bzip2 -dc'; do
    magic=${pair%%:*}
    tool=${pair#*:}
    command -v "${tool%% *}" >/dev/null || continue
    while read -r offset; do
      # Trailing bytes after the payload make the decompressors complain: the output counts.
      tail -c "+$((offset + 1))" "$vmlinuz" | $tool >"$target.tmp" 2>/dev/null || true
      if [[ -s $target.tmp ]] && is_elf "$target.tmp"; then
        mv "$target.tmp" "$target"
        return 0
      fi
    done < <(LC_ALL=C grep -aboP "$magic" "$vmlinuz" | cut -d: -f1)
  done
  rm -f "$target.tmp"
  return 1
}

if [[ ! -s $kernel_dir/vmlinuz ]]; then
  echo "$name: fetching $package (apt-get download; unpacked into $kernel_dir, not installed)"
  download=$(mktemp -d "$cache/download.XXXXXX")
  # apt-get download runs as _apt when it can; a root-only directory makes it warn and fall back.
  chmod 755 "$download"
  if ! (cd "$download" && apt-get download -qq "$package" >/dev/null 2>"$download/err"); then
    echo "$name: apt-get download failed ($(tail -n 1 "$download/err")); apt-get update and retry"
    apt-get update -qq
    (cd "$download" && apt-get download -qq "$package" >/dev/null) ||
      fail "apt-get download $package failed"
  fi
  dpkg-deb -x "$download"/"$package"_*.deb "$download/root"
  vmlinuz=$(find "$download/root/boot" -name 'vmlinuz-*' | head -n 1)
  [[ -n $vmlinuz ]] || fail "$package has no /boot/vmlinuz-*"
  mkdir -p "$kernel_dir"
  cp "$vmlinuz" "$kernel_dir/vmlinuz.tmp"
  mv "$kernel_dir/vmlinuz.tmp" "$kernel_dir/vmlinuz"
  basename "$vmlinuz" >"$kernel_dir/version"
  rm -rf "$download"  # the modules: the guest needs none (serial and initramfs are built in)
fi
if [[ ! -s $kernel_dir/vmlinux ]]; then
  if extract_vmlinux "$kernel_dir/vmlinuz" "$kernel_dir/vmlinux"; then
    echo "$name: extracted the uncompressed vmlinux ($(du -h "$kernel_dir/vmlinux" | cut -f1))"
  else
    echo "$name: no ELF vmlinux found in $kernel_dir/vmlinuz: booting the bzImage (slower)"
  fi
fi
rm -f "$out/vmlinux" "$out/bzImage"
if [[ -s $kernel_dir/vmlinux ]]; then
  cp "$kernel_dir/vmlinux" "$out/vmlinux"
  kernel=$out/vmlinux
else
  cp "$kernel_dir/vmlinuz" "$out/bzImage"
  kernel=$out/bzImage
fi

# --- the initramfs ---------------------------------------------------------------------------
root=$out/initramfs.root
rm -rf "$root"
mkdir -p "$root"/{bin,dev,proc,sys}
cc -static -O2 -Wall -Wextra -Werror -o "$root/bin/dirty_counter" "$here/guest/dirty_counter.c"
cp "$busybox" "$root/bin/busybox"
for applet in sh mount cut cat echo; do ln -s busybox "$root/bin/$applet"; done
cat >"$root/init" <<'INIT'
#!/bin/sh
# The test guest's init: PID 1 on the serial console (console=ttyS0).
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
echo "guest: userspace at $(cut -d' ' -f1 /proc/uptime) s of guest uptime"
# dirty_mib=N on the kernel command line (the kernel hands unknown key=value to init as an
# environment variable): how many MiB dirty_counter cycles through.
exec /bin/dirty_counter "${dirty_mib:-32}" </dev/console >/dev/console 2>&1
INIT
chmod 755 "$root/init"
(cd "$root" && find . | LC_ALL=C sort | "$busybox" cpio -o -H newc -R 0:0 2>/dev/null) \
  >"$out/initramfs.cpio.tmp"
mv "$out/initramfs.cpio.tmp" "$out/initramfs.cpio"
rm -rf "$root"

cat >"$out/guest.env" <<ENV
KERNEL=$kernel
INITRD=$out/initramfs.cpio
KERNEL_PACKAGE=$package
ENV
echo "$name: kernel $kernel ($package, $(cat "$kernel_dir/version"))"
echo "$name: initrd $out/initramfs.cpio ($(du -h "$out/initramfs.cpio" | cut -f1))"
