#!/bin/sh
# SPDX-License-Identifier: ISC
# What `make check-real` needs besides the build and test dependencies of
# regress/deps.sh: the real virt-v2v and everything it runs.  Installs
# what is missing with apt-get (Debian 12, root); quiet and quick when
# everything is there.
#
#   virt-v2v, libguestfs-tools  the converter and guestfish (guest build)
#   linux-image-amd64           a kernel in /boot for the libguestfs appliance
#   nbdkit, libnbd-bin          virt-v2v 2.2 reads the source through nbdkit's
#                               ssh plugin and copies with nbdcopy, but the
#                               Debian package depends on neither
#   openssh-server              the private sshd standing in for ESXi
#   debootstrap, qemu-utils     the test guest and its VMDK
#
# Recommends are not needed: the appliance is made of libguestfs0's own
# Depends, and qemu's Recommends are a GUI and its media libraries.
set -eu

pkgs="virt-v2v libguestfs-tools linux-image-amd64 nbdkit libnbd-bin
    openssh-server openssh-client debootstrap qemu-utils util-linux
    iproute2 procps jq"

missing=
for p in $pkgs; do
	s=$(dpkg-query -W -f '${db:Status-Status}' "$p" 2>/dev/null) || s=
	[ "$s" = installed ] || missing="$missing $p"
done
# The package alone is not enough: the appliance wants a kernel file.
ls /boot/vmlinuz-* >/dev/null 2>&1 || missing="$missing linux-image-amd64"

if [ -z "$missing" ]; then
	echo "install: everything present"
	exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
	echo "install: missing:$missing (Debian 12: apt-get install as root)" >&2
	exit 1
fi
echo "install:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=600 update -qq
# shellcheck disable=SC2086
apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
    $missing >/dev/null
ls /boot/vmlinuz-* >/dev/null 2>&1 || {
	echo "install: still no kernel in /boot" >&2
	exit 1
}
for c in virt-v2v guestfish nbdkit nbdcopy debootstrap qemu-img /usr/sbin/sshd; do
	command -v "$c" >/dev/null 2>&1 || {
		echo "install: $c missing after apt-get" >&2
		exit 1
	}
done
echo "install: done"
