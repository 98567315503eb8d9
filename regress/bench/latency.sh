#!/bin/bash
# SPDX-License-Identifier: ISC
# latency.sh [N [INTERVAL_MS]]: how long a progress line written to the
# v2v log takes to show in the state file, through the real wrapper.
# The stand-in virt-v2v writes N nbdcopy frames INTERVAL_MS apart and
# notes when (CLOCK_REALTIME) it wrote each; statewatch notes when each
# new percentage first shows in the state file.  A frame counts as shown
# when the file first holds that percentage or a later one (the monitor
# may coalesce).  stdout: one JSON line; exit 1 if the run went wrong.
. "$(dirname "$0")/wrap.sh"

n=${1:-15}
ms=${2:-700}
# The stand-in's last frame: percentages are k * 90 / n, k = 1..n.
last=90

bench_env
standin frames "$SIDE" "$n" "$ms"
start_wrapper || exit 1
"$STATEWATCH" -g "$SIDE/go" -u "[$last]" "$STATE" $((n * ms / 1000 + 30)) \
    >"$SIDE/seen"
wrc=$?
hwm=$(monitor_hwm_kib)
finish_wrapper
rc=$?
if [ $wrc -ne 0 ] || [ ! -s "$SIDE/writes" ]; then
	echo "latency: the state file never showed $last%" \
	    "(statewatch $wrc, wrapper $rc)" >&2
	sed 's/^/latency: seen /' "$SIDE/seen" >&2
	exit 1
fi

lat_join "$SIDE/seen" "$SIDE/writes" |
    lat_stats "\"frames\":$n,\"interval_ms\":$ms,\"monitor_hwm_kib\":$hwm" "$n"
