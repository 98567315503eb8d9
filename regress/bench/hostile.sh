#!/bin/bash
# SPDX-License-Identifier: ISC
# hostile.sh DIR: the parse path on logs made to hurt it (gen.c):
# each kind at a size N and at 2N, parsebench best of 3 (the parse's own
# CPU time), and the real monitor's peak RSS (VmHWM) on the N log through
# the wrapper (monitor-rss.sh).  DIR holds the logs while they are used.
# stdout: one JSON line per kind:
#   {"kind","bytes":[N,2N],"lines":[..],"parse_s":[..],"rss_kib":[..],
#    "monitor_hwm_kib","state_ok"}
# Exit 1 when a final state is wrong (the parser's or the monitor's).
set -u
B=$(cd "$(dirname "$0")" && pwd)
dir=$1
rc=0

# kind size: N for each kind (2N is run too).
sizes=(
	"paths $((32 << 20))"		# 1024 distinct 4 KiB paths, ~7 rounds
	"long 100000000"		# one 100 MB line
	"empty 10000000"		# 10 million empty lines
	"frames $((32 << 20))"		# ~3 million 11-byte frames
)

# best_of3 LOG: the parsebench run with the least parse time, to stdout.
best_of3() {
	local i best= t
	for i in 1 2 3; do
		"$B/parsebench" "$1" >"$dir/pb$i.json" || return 1
		t=$(jq -r .parse_s "$dir/pb$i.json")
		if [ -z "$best" ] || awk "BEGIN { exit !($t < $best) }"; then
			best=$t
			cp "$dir/pb$i.json" "$dir/pb.json"
		fi
	done
	cat "$dir/pb.json"
}

# ok RESULT EXPECTED: disk_count and the first disks' progress.
ok() {
	jq -e --slurpfile e "$2" '
	    ($e[0].progress | length) as $n |
	    .state.disk_count == $e[0].disk_count and
	    [.state.disks[:$n][].progress] == $e[0].progress' "$1" >/dev/null
}

for ks in "${sizes[@]}"; do
	set -- $ks
	kind=$1 n=$2
	good=true
	for mul in 1 2; do
		log=$dir/$kind$mul.log
		"$B/gen" "$kind" "$log" $((n * mul)) >"$dir/$kind$mul.exp" ||
		    exit 2
		best_of3 "$log" >"$dir/$kind$mul.json" || exit 2
		ok "$dir/$kind$mul.json" "$dir/$kind$mul.exp" || good=false
		[ $mul -eq 2 ] && rm -f "$log"
	done
	mon=$(bash "$B/monitor-rss.sh" "$dir/${kind}1.log" \
	    "$(jq -c .progress "$dir/${kind}1.exp")") || good=false
	rm -f "$dir/${kind}1.log"
	[ "$good" = true ] || rc=1
	jq -n -c --arg kind "$kind" --argjson good "$good" \
	    --slurpfile e1 "$dir/${kind}1.exp" --slurpfile e2 "$dir/${kind}2.exp" \
	    --slurpfile r1 "$dir/${kind}1.json" --slurpfile r2 "$dir/${kind}2.json" \
	    --argjson mon "${mon:-null}" '{
		kind: $kind,
		bytes: [$e1[0].bytes, $e2[0].bytes],
		lines: [$e1[0].lines, $e2[0].lines],
		parse_s: [$r1[0].parse_s, $r2[0].parse_s],
		rss_kib: [$r1[0].maxrss_kib, $r2[0].maxrss_kib],
		monitor_hwm_kib: ($mon.monitor_hwm_kib // null),
		state_ok: $good
	    }'
done
exit $rc
