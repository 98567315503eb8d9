#!/bin/bash
# SPDX-License-Identifier: ISC
# make deb builds the Debian package with dpkg-buildpackage and leaves it
# in the project root; lintian finds no error; installing it puts the
# layout of "make install" in place; purging removes all of it and keeps
# the conversion logs (issue 15, item 2).
. "$(dirname "$0")/../lib.sh"
cd "$TOP" || exit 1
PKG=virt-v2v-wrapper

if ! is_root; then
	skip "Debian package: installing it needs root"
	exit 0
fi
for c in git dpkg-buildpackage dh lintian; do
	if ! command -v $c >/dev/null; then
		skip "Debian package: no $c (deps.sh deb installs it)"
		exit 0
	fi
done
if dpkg-query -W -f='${Status}' $PKG 2>/dev/null | grep -q installed; then
	skip "Debian package: $PKG is installed on this host; not replacing it"
	exit 0
fi

# What the package's scripts make beside its files: the timer's
# enablement, the run directory of the tmpfiles.d entry (when the host
# has none yet: the wrapper makes it too).
WANTS=/etc/systemd/system/timers.target.wants/$PKG-prune-logs.timer
RUNDIR=/run/$PKG
had_rundir=; [ -d $RUNDIR ] && had_rundir=1
D=$(mktemp -d /tmp/v2vw-deb.XXXXXX)
LOGDIR=/var/log/vdsm/import
OLDLOG=$LOGDIR/v2v-import-$(basename "$D").log
made=	# the directories this test made, deepest first
cleanup() {
	dpkg --purge $PKG >/dev/null 2>&1
	rm -f "$OLDLOG"
	for d in $made; do rmdir "$d"; done
	rm -rf "$D"
}
trap cleanup EXIT

# The build runs in a copy of the tree: "debian/rules clean" would
# remove the objects that the rest of the suite is using.
mkdir "$D/src"
git ls-files -z -co --exclude-standard | xargs -0 cp --parents -t "$D/src"
(cd "$D/src" && make deb) >"$D/build.log" 2>&1
eq "make deb: exit 0" $? 0 || sed 's/^/# /' "$D/build.log" | tail -n 20
V=$(cd "$D/src" && dpkg-parsechangelog -S Version)
A=$(dpkg-architecture -qDEB_HOST_ARCH)
DEB=$D/src/${PKG}_${V}_$A.deb
check "the .deb is in the project root" test -f "$DEB"
eq "nothing is left beside the project" "$(ls "$D" | tr '\n' ' ')" "build.log src "

lintian --fail-on error "$DEB" >"$D/lintian.log" 2>&1
eq "lintian: no error" "$?:$(grep -c '^E:' "$D/lintian.log")" "0:0"
sed 's/^/# lintian: /' "$D/lintian.log" | grep -v 'root privileges'

dpkg -i "$DEB" >"$D/dpkg.log" 2>&1
eq "dpkg -i: exit 0" $? 0 || sed 's/^/# /' "$D/dpkg.log"
eq "the installed program is this version" \
    "$(/usr/bin/$PKG.py --version)" "$PKG $V"
# The package installs what "make install" does, plus its doc files.
mkdir "$D/mi"
make -s install DESTDIR="$D/mi" >/dev/null 2>&1
WANT=$(cd "$D/mi" && find . ! -type d | sed 's/^\.//; s/\.8$/.8.gz/' | sort)
# Debian's units are in /lib, the same directory as /usr/lib once /usr
# is merged.
GOT=$(dpkg -L $PKG | grep -v '^/usr/share/doc/' |
    while read -r f; do [ -d "$f" ] || echo "$f"; done |
    sed 's,^/lib/systemd/,/usr/lib/systemd/,' | sort)
eq "the package's files are make install's" "$GOT" "$WANT"
eq "the .py name leads to the program" "$(readlink -f /usr/bin/$PKG.py)" /usr/bin/$PKG
eq "the daily log pruning is enabled" "$(readlink $WANTS)" /lib/systemd/system/$PKG-prune-logs.timer
if [ -z "$had_rundir" ]; then
	eq "the tmpfiles.d entry made the run directory: root's 0755, no ACL" \
	    "$(stat -c '%U:%G %a' $RUNDIR 2>/dev/null) $(getfacl -cps $RUNDIR 2>/dev/null)" "root:root 755 "
else
	skip "tmpfiles.d: $RUNDIR was there before the package"
fi

# A conversion log from an earlier run, and purge.
for d in /var/log/vdsm $LOGDIR; do
	[ -d $d ] || { mkdir $d && made="$d $made"; }
done
echo "an earlier conversion" >"$OLDLOG"
FILES=$(dpkg -L $PKG | while read -r f; do [ -d "$f" ] || echo "$f"; done)
dpkg --purge $PKG >>"$D/dpkg.log" 2>&1
eq "dpkg --purge: exit 0" $? 0
left=
for f in $FILES; do
	[ -e "$f" ] || [ -L "$f" ] && left="$left $f"
done
eq "purge leaves nothing the package installed" "$left" ""
check "purge removes the timer's enablement" test ! -e $WANTS -a ! -L $WANTS
eq "purge leaves no systemd state of the package" \
    "$(grep -rl "$PKG" /var/lib/systemd/deb-systemd-helper-enabled /etc/systemd/system 2>/dev/null)" ""
if [ -z "$had_rundir" ]; then
	check "purge removes the (empty) run directory" test ! -e $RUNDIR
fi
eq "purge forgets the package" "$(dpkg-query -W -f='${Status}' $PKG 2>/dev/null)" ""
check "purge keeps the conversion logs" grep -q "an earlier conversion" "$OLDLOG"
