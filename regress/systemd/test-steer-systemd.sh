#!/bin/bash
# SPDX-License-Identifier: ISC
# cgroup v2 steering of a unit against a real systemd on the unified
# hierarchy, booted by boot.sh (V2VW_SD_UNIFIED=1); the cases are in
# steer-cases.sh.
. "$(dirname "$0")/../lib.sh"

if ! is_root; then
	skip "cgroup v2 steering with a real systemd: needs root (systemd-nspawn)"
	exit 0
fi
V2VW_SD_UNIFIED=1 bash "$TOP/regress/systemd/boot.sh" --inside -- \
    bash "$TOP/regress/systemd/steer-cases.sh"
rc=$?
[ $rc -eq 125 ] && echo "not ok - a real systemd on cgroup v2 could not be booted (boot.sh said why above)"
exit $rc
