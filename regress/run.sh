#!/bin/bash
# SPDX-License-Identifier: ISC
# Run every regress test and count.  A test prints "ok ...", "not ok ..."
# or "skip ..." lines; a test that exits non-zero without a "not ok" line
# counts as one failure, so a crash is never a pass.
# Usage: regress/run.sh [subject ...]   (default: every folder in regress/)
set -u
cd "$(dirname "$0")/.." || exit 1
top=$PWD
pass=0 fail=0 skip=0
logdir=$(mktemp -d /tmp/v2vw-regress.XXXXXX)

# make check SANITIZE=1: every process of ours reports to one place
# (leaks aside: fatal exits leak by design; valgrind covers leaks), and
# any report fails the run.
san=
if [ "${SANITIZE:-}" = 1 ]; then
	san=$logdir/sanitizer
	mkdir -m 1777 "$san"
	export ASAN_OPTIONS="detect_leaks=0:log_path=$san/asan"
	export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$san/ubsan"
fi

tests=()
subjects=("$@")
[ ${#subjects[@]} -gt 0 ] || subjects=($(ls -d regress/*/ | xargs -n1 basename))
for s in "${subjects[@]}"; do
	for t in regress/"$s"/*_test regress/"$s"/test-*.sh; do
		[ -f "$t" ] && tests+=("$t")
	done
done

for t in "${tests[@]}"; do
	out="$logdir/$(echo "$t" | tr / _).log"
	case "$t" in
	*.sh)	bash "$t" >"$out" 2>&1 ;;
	*)	"$t" >"$out" 2>&1 ;;
	esac
	rc=$?
	p=$(grep -c '^ok ' "$out")
	f=$(grep -c '^not ok ' "$out")
	k=$(grep -c '^skip ' "$out")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $t exited $rc without a failing check" >>"$out"
		f=1
	fi
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + k))
	printf '%-40s %3d passed, %d failed, %d skipped\n' "$t" "$p" "$f" "$k"
	if [ "$f" -gt 0 ]; then
		grep -E '^(not ok|#)' "$out" | head -n 40 | sed 's/^/    /'
	fi
	if [ "$k" -gt 0 ]; then
		grep '^skip ' "$out" | sort -u | head -n 5 | sed 's/^/    /'
	fi
done
if [ -n "$san" ]; then
	if [ -n "$(ls -A "$san")" ]; then
		echo "not ok - sanitizer reports:"
		head -n 30 "$san"/* | sed 's/^/    /'
		fail=$((fail + 1))
	else
		pass=$((pass + 1))
		echo "ok - no ASan or UBSan report from any process"
	fi
fi
echo "logs in $logdir"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
