#!/bin/bash
# SPDX-License-Identifier: ISC
# guest.sh CACHEDIR: print the path of the test guest, a raw disk image of
# a small Debian 12 that the real virt-v2v can inspect and convert, built
# once and kept in CACHEDIR under a name that carries GUEST_VERSION.  Bump
# GUEST_VERSION whenever the recipe below changes, so that old caches are
# not used; older images in CACHEDIR are removed after a build.
#
# 4 GiB virtual (nbdcopy then prints a frame every 128 MiB: about 30),
# some 400 MiB allocated.  Debian packages and the Debian mirror only: no
# loop device, no mount, the disk is made inside the libguestfs appliance.
# The caller holds the lock that keeps two builds apart, so a build.*
# directory found here is what a killed build left.
set -euo pipefail

GUEST_VERSION=1
SUITE=bookworm
SIZE=4G
CACHE=${1:?usage: guest.sh CACHEDIR}
IMG=$CACHE/guest-$GUEST_VERSION-$SUITE-$SIZE.img
# A fixed filesystem UUID, so /etc/fstab can name it before it exists.
FSUUID=0b5e4c1a-7d2f-4c3e-9a6b-5f1e2d3c4b5a

if [ -s "$IMG" ]; then
	echo "$IMG"
	exit 0
fi

export LIBGUESTFS_BACKEND=direct
export LIBGUESTFS_BACKEND_SETTINGS=${LIBGUESTFS_BACKEND_SETTINGS-force_tcg}
export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8

mirror=$(awk '$1 == "URIs:" && $2 ~ /\/debian\/?$/ { print $2; exit }' \
    /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $3 == "'$SUITE'" { print $2; exit }' \
    /etc/apt/sources.list 2>/dev/null || true)
mirror=${mirror:-http://deb.debian.org/debian}

mkdir -p "$CACHE"
for old in "$CACHE"/build.*; do
	[ -d "$old" ] || continue
	awk -v d="$old/" 'index($2, d) == 1 { f = 1 } END { exit !f }' /proc/mounts ||
	    rm -rf --one-file-system "$old"
done
W=$(mktemp -d "$CACHE/build.XXXXXX")
done_build() {
	# debootstrap unmounts what it mounted; never delete through a
	# mount that something left behind.
	if awk -v d="$W/" 'index($2, d) == 1 { f = 1 } END { exit !f }' /proc/mounts; then
		echo "guest: mounts remain under $W, left in place" >&2
	else
		rm -rf --one-file-system "$W"
	fi
}
trap done_build EXIT
R=$W/root
t0=$SECONDS

# A kernel, grub in the MBR and an init: virt-v2v refuses a Linux guest
# without an installed kernel or a bootloader it can find.
echo "guest: debootstrap $SUITE from $mirror" >&2
if ! debootstrap --variant=minbase \
    --include=linux-image-cloud-amd64,grub-pc,systemd-sysv,udev,initramfs-tools,ifupdown \
    "$SUITE" "$R" "$mirror" >"$W/debootstrap.log" 2>&1; then
	tail -n 30 "$W/debootstrap.log" >&2
	exit 1
fi

echo v2vw-guest >"$R/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 v2vw-guest\n' >"$R/etc/hosts"
printf 'UUID=%s / ext4 errors=remount-ro 0 1\n' "$FSUUID" >"$R/etc/fstab"
printf 'auto lo\niface lo inet loopback\nauto eth0\niface eth0 inet dhcp\n' \
    >"$R/etc/network/interfaces"
# virt-v2v rebuilds the initramfs inside the appliance, under TCG here:
# with the modules listed instead of "most" that takes a minute less.
sed -i 's/^MODULES=.*/MODULES=list/' "$R/etc/initramfs-tools/initramfs.conf"
printf '%s\n' virtio_pci virtio_blk virtio_scsi virtio_net sd_mod ata_piix \
    ahci ext4 >>"$R/etc/initramfs-tools/modules"
chroot "$R" update-initramfs -u -k all >"$W/initramfs.log" 2>&1 || {
	tail -n 20 "$W/initramfs.log" >&2
	exit 1
}
sed -i -e 's/^GRUB_TIMEOUT=.*/GRUB_TIMEOUT=1/' \
    -e 's/^GRUB_CMDLINE_LINUX=.*/GRUB_CMDLINE_LINUX="console=ttyS0,115200n8"/' \
    "$R/etc/default/grub"
rm -rf "$R"/var/cache/apt/archives/*.deb "$R"/var/cache/apt/*.bin \
    "$R"/var/lib/apt/lists/*
: >"$R/etc/machine-id"
echo "guest: tree ready after $((SECONDS - t0)) s" >&2

tar --numeric-owner --xattrs --acls -C "$R" -cf "$W/root.tar" .
rm -rf --one-file-system "$R"

# Partition, filesystem, files and bootloader, all inside the appliance.
# Without --recheck, grub-install fails here with "embedding is not
# possible" (it does not find the MBR gap of /dev/sda).
if ! guestfish >"$W/guestfish.log" 2>&1 <<EOF
disk-create $W/disk.img raw $SIZE
add $W/disk.img format:raw
run
part-init /dev/sda mbr
part-add /dev/sda p 2048 -1
part-set-bootable /dev/sda 1 true
mkfs ext4 /dev/sda1 label:root
set-uuid /dev/sda1 $FSUUID
mount /dev/sda1 /
tar-in $W/root.tar / xattrs:true acls:true
command "grub-install --target=i386-pc --recheck /dev/sda"
command update-grub
umount-all
EOF
then
	tail -n 30 "$W/guestfish.log" >&2
	exit 1
fi
mv "$W/disk.img" "$IMG"
for old in "$CACHE"/guest-*.img; do
	[ "$old" = "$IMG" ] || rm -f "$old"
done
echo "guest: built in $((SECONDS - t0)) s" >&2
echo "$IMG"
