#!/bin/bash
# SPDX-License-Identifier: ISC
# The daily log pruning that the packages install (issue 15, item 5),
# against a real systemd 252 booted by boot.sh; the cases are in
# prune-cases.sh.
. "$(dirname "$0")/../lib.sh"

if ! is_root; then
	skip "log pruning timer: a real systemd needs root (systemd-nspawn, debootstrap)"
	exit 0
fi
D=$(mktemp -d /tmp/v2vw-prunesd.XXXXXX)
trap 'rm -rf "$D"' EXIT
chmod 755 "$D"
make -s -C "$TOP" install PREFIX="$D/p" SYSCONFDIR="$D/p/etc" >"$D/install.log" 2>&1
eq "make install PREFIX: exit 0" $? 0
bash "$TOP/regress/systemd/boot.sh" --inside -- bash "$TOP/regress/systemd/prune-cases.sh" "$D/p"
rc=$?
[ $rc -eq 125 ] && echo "not ok - a real systemd could not be booted (boot.sh said why above)"
exit $rc
