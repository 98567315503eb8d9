#!/bin/bash
# SPDX-License-Identifier: ISC
# The systemd unit path against a real systemd 252, booted in a
# systemd-nspawn container by boot.sh (the first run builds its root
# file system with debootstrap, about a minute; later runs take seconds).
# The cases are in cases.sh.
. "$(dirname "$0")/../lib.sh"

if ! is_root; then
	skip "real systemd: needs root (systemd-nspawn, debootstrap)"
	exit 0
fi
bash "$TOP/regress/systemd/boot.sh" --inside -- bash "$TOP/regress/systemd/cases.sh"
rc=$?
[ $rc -eq 125 ] && echo "not ok - a real systemd could not be booted (boot.sh said why above)"
exit $rc
