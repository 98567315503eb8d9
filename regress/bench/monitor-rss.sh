#!/bin/bash
# SPDX-License-Identifier: ISC
# monitor-rss.sh LOG PROGRESS: the real monitor over a whole log.  The
# stand-in virt-v2v copies LOG into the wrapper's v2v log in 1 MiB
# writes; once the state file shows PROGRESS (the disks' progress as
# compact JSON, e.g. [100,100,73], what gen printed), the monitor's peak
# RSS (VmHWM) and CPU time are read from /proc before virt-v2v ends.
# stdout: one JSON line; exit 1 if the state never showed PROGRESS.
. "$(dirname "$0")/wrap.sh"

log=$1
want=$2
bench_env
standin cat "$SIDE" "$log"
start_wrapper || exit 1
t0=$(date +%s.%N)
"$STATEWATCH" -g "$SIDE/go" -u "$want" "$STATE" 900 >"$SIDE/seen"
wrc=$?
t1=$(date +%s.%N)
hwm=$(monitor_hwm_kib)
cpu=$(monitor_cpu_s)
got=$(tail -n 1 "$SIDE/seen" | cut -d' ' -f2)
finish_wrapper
bytes=$(stat -c %s "$log")
awk -v b="$bytes" -v t0="$t0" -v t1="$t1" -v hwm="$hwm" -v cpu="$cpu" \
    -v got="$got" -v ok="$([ $wrc -eq 0 ] && echo true || echo false)" '
BEGIN {
	printf "{\"bytes\":%d,\"wall_s\":%.2f,\"monitor_cpu_s\":%s,", b,
	    t1 - t0, cpu
	mbs = "null"
	if (cpu != "null" && cpu > 0)
		mbs = sprintf("%.0f", b / 1e6 / cpu)
	printf "\"monitor_mb_s\":%s,", mbs
	printf "\"monitor_hwm_kib\":%s,\"progress\":%s,\"ok\":%s}\n", hwm,
	    got == "" ? "null" : got, ok
}'
[ $wrc -eq 0 ]
