#!/bin/sh
# SPDX-License-Identifier: ISC
# Install what building (deps.sh build), testing (deps.sh check) or the
# Debian package (deps.sh deb) needs.
# As root with apt-get (Debian) or dnf (Fedora/RHEL) it installs what is
# missing; otherwise it names the packages and fails.
set -u
what=${1:-build}

deb_build="gcc libc6-dev make pkg-config libjansson-dev libnl-3-dev libnl-route-3-dev libcap-ng-dev libbsd-dev libcurl4-openssl-dev"
deb_pkg="dpkg-dev debhelper fakeroot lintian rpm rpmlint git"
deb_check="$deb_build mandoc jq iproute2 util-linux procps passwd openssh-client openssh-server sudo valgrind acl python3 openssl $deb_pkg"
rpm_build="gcc make pkgconf-pkg-config jansson-devel libnl3-devel libcap-ng-devel libbsd-devel libcurl-devel"
rpm_check="$rpm_build mandoc jq iproute util-linux procps-ng shadow-utils openssh-clients openssh-server sudo valgrind acl python3 openssl"

# Present when every command and pkg-config module we need is found.
have_all() {
	for c in cc make pkg-config; do
		command -v $c >/dev/null 2>&1 || return 1
	done
	pkg-config --exists jansson libnl-3.0 libnl-route-3.0 libcap-ng \
	    libbsd-overlay libcurl 2>/dev/null || return 1
	if [ "$what" = check ]; then
		for c in mandoc jq tc setpriv ssh-agent ssh-add ssh-keygen getfacl \
		    sftp sudo python3 openssl; do
			command -v $c >/dev/null 2>&1 || return 1
		done
		# The engine's ssh test runs its own sshd.
		[ -x /usr/sbin/sshd ] || return 1
	fi
	# The package tools (both packages are built and compared on Debian)
	# only where dpkg is the package manager.
	if [ "$what" != build ] && command -v dpkg >/dev/null 2>&1; then
		for c in dpkg-buildpackage dh fakeroot lintian rpmbuild rpmlint git; do
			command -v $c >/dev/null 2>&1 || return 1
		done
	fi
	return 0
}

have_all && exit 0

if command -v apt-get >/dev/null 2>&1; then
	pkgs=$deb_build; [ "$what" = check ] && pkgs=$deb_check
	[ "$what" = deb ] && pkgs="$deb_build $deb_pkg"
	if [ "$(id -u)" -eq 0 ]; then
		echo "installing: $pkgs"
		export DEBIAN_FRONTEND=noninteractive
		apt-get -o DPkg::Lock::Timeout=600 update -qq &&
		apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
		    --no-install-recommends $pkgs >/dev/null && exit 0
		echo "deps.sh: apt-get install failed" >&2
		exit 1
	fi
	echo "deps.sh: missing packages; as root run: apt-get install $pkgs" >&2
	exit 1
fi
if command -v dnf >/dev/null 2>&1; then
	pkgs=$rpm_build; [ "$what" = check ] && pkgs=$rpm_check
	if [ "$(id -u)" -eq 0 ]; then
		dnf install -y $pkgs && exit 0
		echo "deps.sh: dnf install failed" >&2
		exit 1
	fi
	echo "deps.sh: missing packages; as root run: dnf install $pkgs" >&2
	exit 1
fi
echo "deps.sh: install a C compiler, make, pkg-config and the development" \
    "files of jansson, libnl-3 (route), libcap-ng, libbsd and libcurl" >&2
exit 1
