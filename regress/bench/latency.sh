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

# Join: for each write, the first sighting of that percentage or more.
awk -v hwm="$hwm" -v n="$n" -v ms="$ms" '
FNR == NR { seen_t[NR] = $1; v = $2; gsub(/[][]/, "", v);
	split(v, a, ","); seen_v[NR] = a[1] + 0; ns = NR; next }
{
	for (i = 1; i <= ns; i++)
		if (seen_v[i] >= $1 + 0 && seen_t[i] >= $2) {
			d[++nd] = seen_t[i] - $2
			break
		}
}
END {
	if (nd == 0) { print "{\"samples\":0}"; exit 1 }
	# insertion sort: n is small
	for (i = 2; i <= nd; i++) {
		x = d[i]
		for (j = i - 1; j >= 1 && d[j] > x; j--)
			d[j + 1] = d[j]
		d[j + 1] = x
	}
	med = nd % 2 ? d[(nd + 1) / 2] : (d[nd / 2] + d[nd / 2 + 1]) / 2
	printf "{\"samples\":%d,\"frames\":%d,\"interval_ms\":%d,", nd, n, ms
	printf "\"median_s\":%.4f,\"min_s\":%.4f,\"max_s\":%.4f,", med, d[1], d[nd]
	printf "\"monitor_hwm_kib\":%s}\n", hwm
	if (nd < n) exit 1
}' "$SIDE/seen" "$SIDE/writes"
