#!/bin/bash
# SPDX-License-Identifier: ISC
# The repository itself: a licence, an SPDX line in every source file,
# and no tracked symbolic link (one into a machine's /tmp was tracked).
. "$(dirname "$0")/../lib.sh"
cd "$TOP" || exit 1

if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	skip "not a git checkout: the tracked files are unknown"
	exit 0
fi
check "LICENSE is the ISC licence" grep -q 'Permission to use, copy, modify, and distribute' LICENSE
missing=$(git ls-files -- '*.c' '*.h' '*.sh' Makefile .ci/run 'man/*.8' |
    grep -v '^regress/fixtures/' |
    while read -r f; do
	    head -n 3 "$f" | grep -q 'SPDX-License-Identifier: ISC' || echo "$f"
    done)
eq "every source file names its licence (SPDX, in its first lines)" "$missing" ""
links=$(git ls-files -s | awk '$1 == "120000" { print $4 }')
eq "no tracked symbolic link" "$links" ""
