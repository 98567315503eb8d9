# SPDX-License-Identifier: ISC
# The real wrapper end to end, for latency.sh and monitor-rss.sh (source
# it).  Like the e2e tests: a private tree from new_env, "daemonize":
# false, an export_domain input, and regress/bench/standin as virt-v2v.
# The stand-in waits for $SIDE/go before it writes what is timed and for
# $SIDE/done before it exits, so the monitor's /proc entries can be read
# while the run is still going.
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
B=$TOP/regress/bench
STANDIN=$B/standin
STATEWATCH=$B/statewatch
FP=01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67

# bench_env: $T and $SIDE; the stand-in may run as another user (root for
# an export_domain input as root), so $SIDE is writable by anyone.
bench_env() {
	is_root && ensure_vdsm
	new_env
	SIDE=$T/side
	mkdir -m 1777 "$SIDE"
	chmod 1777 "$SIDE"
	WPID=
	trap 'bench_cleanup' EXIT
}

# Release a held stand-in and wait for our wrapper before the tree goes.
bench_cleanup() {
	touch "$SIDE/go" "$SIDE/done" 2>/dev/null
	[ -n "$WPID" ] && wait "$WPID" 2>/dev/null
	cleanup_env
}

# standin ARGS...: the virt-v2v the wrapper will run.
standin() {
	{
		echo '#!/bin/sh'
		printf 'exec %q' "$STANDIN"
		printf ' %q' "$@"
		echo ' -- "$@"'
	} >"$T/virt-v2v"
	chmod 755 "$T/virt-v2v"
}

# start_wrapper: sets WPID, STATE and MONPID, or says why not.
start_wrapper() {
	local in log
	# vddk: no ssh-agent to start, nothing but virt-v2v is run.
	in='{"vm_name":"guest","transport_method":"vddk",
	 "vmware_uri":"esx://root@127.0.0.1?no_verify=1",
	 "vmware_fingerprint":"'"$FP"'","vmware_password":"bench",
	 "daemonize":false,"export_domain":"'"$T"'/ed",
	 "source_disks":["[datastore1] guest/guest.vmdk"]}'
	echo "$in" | "$WRAPPER" >"$T/out" 2>"$T/err" &
	WPID=$!
	for _ in $(seq 200); do [ -s "$T/out" ] && break; sleep 0.05; done
	STATE=$(jq -r '.state_file // empty' "$T/out" 2>/dev/null)
	if [ -z "$STATE" ]; then
		echo "the wrapper did not start: $(head -c 500 "$T/err")" >&2
		return 1
	fi
	MONPID=
	for _ in $(seq 100); do
		log=$(ls "$T"/log/*-wrapper.log 2>/dev/null | head -n 1)
		[ -n "$log" ] && MONPID=$(log_pids "$log" | cut -d' ' -f2)
		[ -n "$MONPID" ] && break
		sleep 0.05
	done
}

# finish_wrapper: let the stand-in exit; the wrapper's exit status.
finish_wrapper() {
	local rc
	touch "$SIDE/done"
	wait "$WPID"; rc=$?
	WPID=
	return $rc
}

# The monitor's peak RSS in KiB, or "null" where /proc does not say.
monitor_hwm_kib() {
	local v
	v=$(proc_field "${MONPID:-0}" VmHWM | awk '{ print $1 }')
	echo "${v:-null}"
}

# The monitor's user+system CPU seconds so far (/proc/PID/stat fields 14
# and 15, after the command name that may hold spaces), or "null".
monitor_cpu_s() {
	local hz
	hz=$(getconf CLK_TCK)
	sed 's/^.*) //' "/proc/${MONPID:-0}/stat" 2>/dev/null |
	    awk -v hz="$hz" '{ printf "%.2f\n", ($12 + $13) / hz; ok = 1 }
	    END { if (!ok) print "null" }'
}

# lat_join SEEN WRITES: for each frame written ("PCT SEC.NSEC" lines),
# the delay to the first sighting (statewatch's "SEC.NSEC [p,...]") of
# that percentage or more in the first disk, one a line.  A frame the
# file already showed before it was written (a log's repeated 0 %)
# changes nothing and has no delay.
lat_join() {
	awk '
	FNR == NR { seen_t[NR] = $1; v = $2; gsub(/[][]/, "", v);
		split(v, a, ","); seen_v[NR] = a[1] + 0; ns = NR; next }
	{
		shown = 0
		for (i = 1; i <= ns && seen_t[i] < $2; i++)
			if (seen_v[i] >= $1 + 0)
				shown = 1
		if (shown)
			next
		for (i = 1; i <= ns; i++)
			if (seen_v[i] >= $1 + 0 && seen_t[i] >= $2) {
				print seen_t[i] - $2
				break
			}
	}' "$1" "$2"
}

# lat_stats EXTRA WANT: delays on stdin -> one JSON line (samples,
# median, min, max, then EXTRA, JSON members); exit 1 with fewer than
# WANT samples.
lat_stats() {
	sort -g | awk -v extra="$1" -v want="$2" '
	{ d[++nd] = $1 }
	END {
		if (nd == 0) { print "{\"samples\":0}"; exit 1 }
		med = nd % 2 ? d[(nd + 1) / 2] : (d[nd / 2] + d[nd / 2 + 1]) / 2
		printf "{\"samples\":%d,\"median_s\":%.4f,\"min_s\":%.4f,", nd, med, d[1]
		printf "\"max_s\":%.4f,%s}\n", d[nd], extra
		if (nd < want) exit 1
	}'
}
