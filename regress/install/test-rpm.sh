#!/bin/bash
# SPDX-License-Identifier: ISC
# The RPM for EL hosts: rpmlint finds no error in the spec; make srpm and
# make rpm build with rpmbuild and leave both in the project root; the
# RPM replaces the earlier wrapper's package and holds the same files as
# the Debian package (issue 15, item 3).  Needs no root.
. "$(dirname "$0")/../lib.sh"
cd "$TOP" || exit 1
PKG=virt-v2v-wrapper

for c in git rpmbuild rpmlint dpkg-buildpackage dh; do
	if ! command -v $c >/dev/null; then
		skip "RPM: no $c (deps.sh deb installs it)"
		exit 0
	fi
done
D=$(mktemp -d /tmp/v2vw-rpm.XXXXXX)
trap 'rm -rf "$D"' EXIT

V=$(sed -n 's/^#define WRAPPER_VERSION[^"]*"\([^"]*\)".*/\1/p' common/wrapper.h)
eq "the spec's version is the program's" "$(sed -n 's/^Version:[[:space:]]*//p' $PKG.spec)" "$V"
eq "debian/changelog's version is the program's" \
    "$(dpkg-parsechangelog -l debian/changelog -S Version)" "$V"
rpmlint $PKG.spec >"$D/rpmlint.log" 2>&1
eq "rpmlint on the spec: no error" "$?:$(grep -c ' E: ' "$D/rpmlint.log")" "0:0"

# A checkout of its own: the tarball is made from git's file list, and
# the package builds clean the tree.
mkdir "$D/src"
git ls-files -z -co --exclude-standard | xargs -0 cp --parents -t "$D/src"
(cd "$D/src" && git init -q && git add -A && make rpm) >"$D/build.log" 2>&1
eq "make rpm (and srpm): exit 0" $? 0 || sed 's/^/# /' "$D/build.log" | tail -n 20
A=$(rpm --eval %_arch)
RPM=$D/src/$PKG-$V-1.$A.rpm
check "the .src.rpm is in the project root" test -f "$D/src/$PKG-$V-1.src.rpm"
check "the RPM is in the project root" test -f "$RPM"
check "rpmbuild's tree is gone" test ! -e "$D/src/.tmp/rpm"
eq "it replaces the earlier wrapper's package" \
    "$(rpm -qp --obsoletes "$RPM" 2>/dev/null)" "v2v-conversion-host-wrapper < 2"
check "and provides its name" sh -c "rpm -qp --provides '$RPM' 2>/dev/null | grep -q '^v2v-conversion-host-wrapper = $V-1'"

# The files against the Debian package's, leaving out each
# distribution's own: its doc and licence directories, EL's build-id
# links.  Debian's rpmbuild does not compress manuals; EL's does.
(cd "$D/src" && make deb) >>"$D/build.log" 2>&1
DEB=$D/src/${PKG}_${V}_$(dpkg-architecture -qDEB_HOST_ARCH).deb
check "make deb in the same tree" test -f "$DEB"
GOT=$(rpm -qp --qf '[%{FILENAMES} %{FILEMODES:perms}\n]' "$RPM" 2>/dev/null |
    grep -v '^/usr/share/doc/\|^/usr/share/licenses/\|^/usr/lib/.build-id' |
    grep -v ' d' | sed 's/ .*//; s/\.gz$//' | sort)
WANT=$(dpkg-deb -c "$DEB" | grep -v '^d' | awk '{ print $6 }' |
    sed 's/^\.//' | grep -v '^/usr/share/doc/' | sed 's/\.gz$//' |
    sed 's,^/lib/systemd/,/usr/lib/systemd/,' | sort)
eq "the RPM's files are the Debian package's" "$GOT" "$WANT"

# The scriptlets (not run here: this rpm database is not a host's).
SCRIPTS=$(rpm -qp --scripts "$RPM" 2>/dev/null)
T=$PKG-prune-logs.timer
check "post: the tmpfiles.d entry is applied" grep -q "systemd-tmpfiles --create /usr/lib/tmpfiles.d/$PKG.conf" <<<"$SCRIPTS"
check "post: the timer is enabled by its preset on a first install" grep -q "systemctl --no-reload preset $T" <<<"$SCRIPTS"
check "preun: the timer is disabled and stopped on removal" grep -q "systemctl --no-reload disable --now $T" <<<"$SCRIPTS"
check "postun: the empty run directory goes on removal" grep -q "rmdir /run/$PKG" <<<"$SCRIPTS"
eq "no macro is left unexpanded in the scriptlets" "$(grep -c '%' <<<"$SCRIPTS")" 0
check "the scriptlets are valid sh" sh -n <(rpm -qp --qf '%{POSTIN}\n%{PREUN}\n%{POSTUN}\n' "$RPM")
note "files: $(echo $GOT)"
