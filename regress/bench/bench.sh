#!/bin/bash
# SPDX-License-Identifier: ISC
# make bench: the monitor's cost on a big -v -x log, in one run.
#  - gen writes 1 MiB and 1 GiB logs sampled from the real captures
#    (regress/fixtures/v2v), with Copying disk lines and nbdcopy frames,
#    and prints the state a correct parser must end with;
#  - parsebench (read(2), 64 KiB chunks, as the monitor) against wc -l on
#    the same file, best of 3 each, CPU time from getrusage: reported as a
#    ratio, never asserted, as timings vary from host to host;
#  - peak RSS of parsebench and of the real monitor on both logs;
#  - delay from a progress frame written to the state file showing it,
#    through the real wrapper (latency.sh);
#  - hostile logs (hostile.sh): 1024 distinct 4 KiB paths, one 100 MB
#    line, 10 million empty lines, a frame every 11 bytes, each at N and
#    2N: CPU per byte against the normal log's, the 2N/N CPU ratio, the
#    cost per line, parsebench's and the real monitor's peak RSS;
#  - twenty conversions daemonized at once (many.sh): the time to all
#    their stdout lines, PSS per run (priv + monitor), frame-to-state
#    latency under that load, and that each ends right;
#  - where the parser's target is missed and perf works: its top symbols.
# Exits non-zero only when a final state is wrong or a step cannot run.
set -u
cd "$(dirname "$0")/../.." || exit 2
B=regress/bench
SEED=${BENCH_SEED:-20240601}
DISKS=3
SMALL=$((1 << 20))
BIG=$((1 << 30))
RATIO_TARGET=0.7
RSS_TARGET_KIB=4096
RSS_SAME_KIB=256	# "the same": the 1 GiB peak within this of the 1 MiB one
HOSTILE_RSS_KIB=16384	# the monitor's peak on a hostile log
HOSTILE_PER_BYTE=2	# paths: CPU per byte within this of the normal log's
LINEAR_TOL=0.3		# 2N costs 2x the CPU of N, within 30 %
MANY=20			# conversions at once on one host
MANY_PSS_KIB=3072	# PSS per run (priv + monitor)
LAT_TARGET_S=0.5
LAT_FRAMES=15
LAT_MS=700
LAT_FAST_MS=250	# frames closer than 2 x the monitor's WRITE_MIN_MS
MIB_KIB=1024	# a MiB in KiB, as df -k and ru_maxrss count

say()	{ printf 'bench: %s\n' "$*" >&2; }
die()	{ say "$*"; exit 2; }
# calc EXPR: floating point, as bash has none.
calc()	{ awk "BEGIN { print $* }"; }
# cmp_ok A OP B: a floating point comparison as an exit status.
cmp_ok() { awk "BEGIN { exit !($1 $2 $3) }"; }

command -v jq >/dev/null || die "jq is needed (make deps installs it)"
say "building"
make -s --no-print-directory all $B/gen $B/parsebench $B/standin \
    regress/fake/fake-virt-v2v regress/tools/waitstate \
    $B/statewatch || die "the build failed"

# Space: the two logs, and for the real monitor the wrapper's own copy.
avail_kib=$(df -Pk /tmp | awk 'NR == 2 { print $4 }')
need_kib=$(((BIG + SMALL) / 1024 + 64 * MIB_KIB))
need_mon_kib=$((need_kib + BIG / 1024 + 64 * MIB_KIB))
if [ "$avail_kib" -lt "$need_kib" ]; then
	die "/tmp has $((avail_kib / MIB_KIB)) MiB free; the benchmark needs" \
	    "$((need_kib / MIB_KIB)) MiB ($((need_mon_kib / MIB_KIB)) MiB" \
	    "with the real monitor on 1 GiB)"
fi
monitor_big=1
if [ "$avail_kib" -lt "$need_mon_kib" ]; then
	monitor_big=0
	say "/tmp has $((avail_kib / MIB_KIB)) MiB free: no real-monitor run" \
	    "on 1 GiB (it needs $((need_mon_kib / MIB_KIB)) MiB)"
fi
W=$(mktemp -d /tmp/v2vw-bench.XXXXXX) || die "mktemp"
trap 'rm -rf "$W"' EXIT
trap 'exit 130' INT TERM

say "generating 1 MiB and 1 GiB logs (seed $SEED, $DISKS disks)"
$B/gen "$W/1m.log" $SMALL "$SEED" $DISKS >"$W/1m.exp" || die "gen 1 MiB"
$B/gen "$W/1g.log" $BIG "$SEED" $DISKS >"$W/1g.exp" || die "gen 1 GiB"
# Both readers must find the file in the page cache, not on the disk.
cat "$W/1g.log" >/dev/null
mem_kib=$(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo)
[ "${mem_kib:-0}" -lt $((2 * BIG / 1024)) ] &&
	say "only $((mem_kib / MIB_KIB)) MiB of memory available: reads may hit" \
	    "the disk and both speeds are then the disk's"

# wc -l: user and system CPU of the child, as the shell's getrusage says.
say "wc -l on 1 GiB, 3 runs"
TIMEFORMAT='%3U %3S'
wc_best=
for _ in 1 2 3; do
	{ time wc -l "$W/1g.log" >"$W/wc.out"; } 2>"$W/wc.time" ||
	    die "wc -l failed"
	read -r u s <"$W/wc.time"
	t=$(calc "$u + $s")
	if [ -z "$wc_best" ] || cmp_ok "$t" "<" "$wc_best"; then
		wc_best=$t wc_u=$u wc_s=$s
	fi
done

# parsebench: its own getrusage; the best run is reported, every run's
# peak RSS is kept for the worst.
say "parsebench on 1 GiB, 3 runs"
pb_best= pb_rss_big=0
for i in 1 2 3; do
	$B/parsebench "$W/1g.log" >"$W/pb$i.json" || die "parsebench failed"
	t=$(jq -r .cpu_s "$W/pb$i.json")
	r=$(jq -r .maxrss_kib "$W/pb$i.json")
	[ "$r" -gt "$pb_rss_big" ] && pb_rss_big=$r
	if [ -z "$pb_best" ] || cmp_ok "$t" "<" "$pb_best"; then
		pb_best=$t best=$i
	fi
done
cp "$W/pb$best.json" "$W/pb.json"
# The scan a CPU without AVX2 gets, and no sieve (every line parsed, as
# before it): once each, for the record.
$B/parsebench -p "$W/1g.log" >"$W/pbp.json" || die "parsebench -p failed"
$B/parsebench -a "$W/1g.log" >"$W/pba.json" || die "parsebench -a failed"
$B/parsebench "$W/1m.log" >"$W/pb1m.json" || die "parsebench 1 MiB failed"
pb_rss_small=$(jq -r .maxrss_kib "$W/pb1m.json")

# The assertion: every run ends where gen said.
# state_ok RESULT EXPECTED: disk_count and the disks' progress, in order.
state_ok() {
	jq -e --slurpfile e "$2" '
	    ($e[0].progress | length) as $n |
	    .state.disk_count == $e[0].disk_count and
	    [.state.disks[:$n][].progress] == $e[0].progress' "$1" >/dev/null
}
state_fail=0
for f in pb1.json pb2.json pb3.json pbp.json pba.json; do
	state_ok "$W/$f" "$W/1g.exp" || state_fail=1
done
state_ok "$W/pb1m.json" "$W/1m.exp" || state_fail=1
if [ $state_fail -ne 0 ]; then
	say "FAIL: the parser's final state is not what gen put in"
	say "expected: $(cat "$W/1g.exp")"
	say "got:      $(jq -c '.state | {disk_count, disks}' "$W/pb.json")"
fi

say "latency through the real wrapper ($LAT_FRAMES frames," \
    "$LAT_MS ms apart)"
lat_ok=1
bash $B/latency.sh $LAT_FRAMES $LAT_MS >"$W/lat.json" || lat_ok=0
say "latency through the real wrapper ($LAT_FRAMES frames," \
    "$LAT_FAST_MS ms apart)"
bash $B/latency.sh $LAT_FRAMES $LAT_FAST_MS >"$W/latf.json" || lat_ok=0

say "hostile logs: paths, long, empty, frames at N and 2N"
mkdir -m 700 "$W/hostile" || die "mkdir"
hostile_ok=1
bash $B/hostile.sh "$W/hostile" >"$W/hostile.json" || hostile_ok=0

say "$MANY conversions daemonized at once"
many_ok=1
bash $B/many.sh $MANY >"$W/many.json" || many_ok=0

say "the real monitor on the 1 MiB log"
mon_ok=1
bash $B/monitor-rss.sh "$W/1m.log" "$(jq -c .progress "$W/1m.exp")" \
    >"$W/mon1m.json" || mon_ok=0
if [ $monitor_big -eq 1 ]; then
	say "the real monitor on the 1 GiB log"
	bash $B/monitor-rss.sh "$W/1g.log" "$(jq -c .progress "$W/1g.exp")" \
	    >"$W/mon1g.json" || mon_ok=0
fi

bytes=$(jq -r .bytes "$W/pb.json")
pb_mbs=$(calc "$bytes / 1e6 / $pb_best")
wc_mbs=$(calc "$bytes / 1e6 / $wc_best")
ratio=$(calc "$wc_best / $pb_best")
# verdict OK: "met" or "MISSED".
verdict() { if "$@"; then echo met; else echo MISSED; fi; }
ratio_v=$(verdict cmp_ok "$ratio" ">=" $RATIO_TARGET)
# The gap in per-line terms: the user time the target leaves the parser,
# were its read copy what it is now.
gap=$(awk -v w="$wc_best" -v u="$(jq -r .user_s "$W/pb.json")" \
    -v s="$(jq -r .sys_s "$W/pb.json")" -v t=$RATIO_TARGET \
    -v n="$(jq -r .lines "$W/1g.exp")" 'BEGIN {
	b = w / t - s
	printf "parser user time %.0f ns/line over %d lines; ", u / n * 1e9, n
	if (b > 0)
		printf "the target leaves %.3f s = %.1f ns/line\n", b, b / n * 1e9
	else
		printf "the read copy alone exceeds the target\n"
}')

# perf: only where the parser's target is missed, and only if it works.
perf_out=
if [ "$ratio_v" = MISSED ]; then
	if ! command -v perf >/dev/null; then
		perf_out="perf is not installed (Debian: apt-get install linux-perf)"
	elif ! perf stat -e instructions true >/dev/null 2>&1; then
		perf_out="perf is installed but cannot count here (perf_event_paranoid?)"
	else
		say "perf record of parsebench on 1 GiB"
		if perf record -q -e cpu-clock -o "$W/perf.data" \
		    $B/parsebench "$W/1g.log" >/dev/null 2>"$W/perf.err"; then
			perf_out=$(perf report -i "$W/perf.data" --stdio \
			    --no-children -F overhead,dso,sym 2>/dev/null |
			    grep -v '^#' | grep -v '^$' | head -n 40)
		else
			perf_out="perf record failed: $(head -c 300 "$W/perf.err")"
		fi
	fi
fi

# hints: what the symbols perf names stand for in the sieved parse path.
hints() {
	case "$perf_out" in *copy_to_iter*|*copy_user*) cat <<'EOF'
  kernel copy (read): the page-cache copy that wc -l pays too, about
    half of the parse path; only mmap would remove it (the design keeps
    read()).
EOF
	esac
	case "$perf_out" in *scan_avx2*|*scan_portable*) cat <<'EOF'
  scan_avx2/scan_portable (monitor/sieve.c): the one pass over every
    byte, looking for the pairs the parser's forms leave.  scan_portable
    means this CPU has no AVX2 (a byte at a time).  An AVX-512 scan
    (64 bytes a vpshufb) was tried and gained nothing measurable on the
    2-core Xeon VM the README names: the scan waits on the bytes read()
    has just copied, not on its instructions.
EOF
	esac
	case "$perf_out" in *end_next*|*end_prev*|*memchr*|*parser_line*) cat <<'EOF'
  end_next/end_prev/memchr/parser_line: the cost per marked line (about
    300 a MB in -v -x logs); a pair that is common in some log would
    show here: monitor/parser.c's traces[] names the pairs.
EOF
	esac
}

field() { jq -r "$2 // \"n/a\"" "$1" 2>/dev/null || echo n/a; }
mon_rss_small=$(field "$W/mon1m.json" .monitor_hwm_kib)
mon_rss_big=n/a mon_cpu=n/a mon_mbs=n/a
if [ $monitor_big -eq 1 ]; then
	mon_rss_big=$(field "$W/mon1g.json" .monitor_hwm_kib)
	mon_cpu=$(field "$W/mon1g.json" .monitor_cpu_s)
	mon_mbs=$(field "$W/mon1g.json" .monitor_mb_s)
fi
rss_same() {
	cmp_ok "$1" "<" $RSS_TARGET_KIB && cmp_ok "$2" "<" $RSS_TARGET_KIB &&
	    cmp_ok "$2" "<=" "$1 + $RSS_SAME_KIB"
}
pb_rss_v=$(verdict rss_same "$pb_rss_small" "$pb_rss_big")
if [ "$mon_rss_big" = n/a ] || [ "$mon_rss_small" = n/a ]; then
	mon_rss_v="not measured"
else
	mon_rss_v=$(verdict rss_same "$mon_rss_small" "$mon_rss_big")
fi
# lat_line FILE: "median M s, max X s over N frames" from latency.sh.
lat_line() {
	jq -r '"median \(.median_s) s, max \(.max_s) s over \(.samples) frames \(.interval_ms) ms apart"' \
	    "$1" 2>/dev/null || echo "not measured (latency.sh failed)"
}
lat_med=$(field "$W/lat.json" .median_s)
lat_fmed=$(field "$W/latf.json" .median_s)
lat_v="not measured (latency.sh failed)"
if [ $lat_ok -eq 1 ]; then
	lat_v=$(verdict eval 'cmp_ok "$lat_med" "<" $LAT_TARGET_S &&
	    cmp_ok "$lat_fmed" "<" $LAT_TARGET_S')
fi

cat <<EOF

==== make bench: summary ====
log        $(jq -r '"\(.bytes) bytes, \(.lines) lines, \(.frames) progress frames"' "$W/1g.exp"), $DISKS disks, seed $SEED
           (lines sampled from regress/fixtures/v2v b-vx-local-pipe.out and ssh-rhv-vx.log)
state      $([ $state_fail -eq 0 ] && echo ok || echo FAILED): expected $(jq -c '{disk_count, progress}' "$W/1g.exp"), got $(jq -c '{disk_count: .state.disk_count, progress: [.state.disks[].progress]}' "$W/pb.json") (1 MiB: $(state_ok "$W/pb1m.json" "$W/1m.exp" && echo ok || echo FAILED))
parser     $(printf '%6.0f' "$pb_mbs") MB/s  cpu $pb_best s (user $(jq -r .user_s "$W/pb.json"), sys $(jq -r .sys_s "$W/pb.json")), best of 3, getrusage
wc -l      $(printf '%6.0f' "$wc_mbs") MB/s  cpu $wc_best s (user $wc_u, sys $wc_s), best of 3
ratio      parser/wc -l $(printf '%.2f' "$ratio")  target >= $RATIO_TARGET: $ratio_v
           ($gap)
other      portable scan (no AVX2): cpu $(jq -r .cpu_s "$W/pbp.json") s, ratio $(printf '%.2f' "$(calc "$wc_best / $(jq -r .cpu_s "$W/pbp.json")")"); no sieve, every line parsed: cpu $(jq -r .cpu_s "$W/pba.json") s, ratio $(printf '%.2f' "$(calc "$wc_best / $(jq -r .cpu_s "$W/pba.json")")") (one run each)
peak RSS   parsebench: 1 MiB $pb_rss_small KiB, 1 GiB $pb_rss_big KiB  target < $RSS_TARGET_KIB KiB and the same: $pb_rss_v
           monitor (real wrapper, VmHWM): 1 MiB $mon_rss_small KiB, 1 GiB $mon_rss_big KiB: $mon_rss_v
           (the whole process: libc, jansson and the other shared libraries included)
monitor    1 GiB through the real wrapper: cpu $mon_cpu s, $mon_mbs MB/s
latency    frame written -> state file: $(lat_line "$W/lat.json")
                                          $(lat_line "$W/latf.json")
           target median < $LAT_TARGET_S s (upstream polled every 5 s): $lat_v
EOF
# Frames closer than 2 x WRITE_MIN_MS show late when the monitor waits
# out a whole WRITE_MIN_MS after each change: say so where it is seen.
if [ $lat_ok -eq 1 ] && cmp_ok "$lat_fmed" ">=" 0.1; then
	cat <<'EOF'
           frames 250 ms apart show ~200 ms late: monitor_loop sleeps a
           whole WRITE_MIN_MS after a change instead of what is left of it
           since the last write, so each deferred write delays the next
           frame's too.  Sleeping WRITE_MIN_MS - (now - last_write)
           (clamped at 0) keeps the 200 ms spacing and shows such frames
           at once.
EOF
fi
jq -r --argjson pt $MANY_PSS_KIB --argjson lt $LAT_TARGET_S '
	def v(c): if c then "met" else "MISSED" end;
	"many       \(.runs) daemonized at once: \(.started) started, \(.ended_right) ended right; all stdout lines in \(.all_stdout_s) s",
	"           PSS per run (priv + monitor, smaps_rollup) mean \(.pss_kib_mean) KiB, max \(.pss_kib_max) KiB (priv \(.priv_pss_kib_mean), monitor \(.monitor_pss_kib_mean)); target < \($pt): \(v(.pss_kib_max < $pt))",
	"           frame -> state file under that load: median \(.latency.median_s) s, max \(.latency.max_s) s over \(.latency.samples) frames; target median < \($lt): \(v(.latency.median_s < $lt))"
    ' "$W/many.json" 2>/dev/null || echo "many       not measured (many.sh failed)"
# One line per hostile kind: CPU per byte against the normal log's, the
# 2N/N ratio, per line, peak RSS (parsebench, the real monitor).
normal_ns=$(calc "$(jq -r .parse_s "$W/pb.json") / $bytes * 1e9")
echo "hostile    (N and 2N each; parse CPU best of 3; normal log $(printf '%.3f' "$normal_ns") ns/byte)"
jq -r --argjson nb "$normal_ns" --argjson tol $LINEAR_TOL \
    --argjson rss $HOSTILE_RSS_KIB --argjson pbt $HOSTILE_PER_BYTE '
	def f(x; d): x * pow(10; d) | round / pow(10; d);
	(.parse_s[1] / .parse_s[0]) as $cr | (.bytes[1] / .bytes[0]) as $br |
	(.parse_s[1] / .bytes[1] * 1e9) as $ns |
	"  \(.kind | . + "      " | .[:7]) \(.bytes[1]) B: \(f($ns / $nb; 2))x the normal CPU per byte" +
	    (if .kind == "paths" then " (target <= \($pbt)x: \(if $ns / $nb <= $pbt then "met" else "MISSED" end))" else "" end) +
	    "; 2N/N CPU \(f($cr; 2)) for \(f($br; 2))x the bytes (\(if ($cr / $br - 1 | fabs) <= $tol then "linear" else "NOT linear" end));" +
	    " \(f(.parse_s[1] / .lines[1] * 1e9; 1)) ns/line over \(.lines[1]) lines;" +
	    " peak RSS parsebench \(.rss_kib | max) KiB, monitor \(.monitor_hwm_kib // "n/a") KiB" +
	    " (< \($rss): \(if (.monitor_hwm_kib // 1e9) < $rss and (.rss_kib | max) < $rss then "met" else "MISSED" end))" +
	    (if .state_ok then "" else "; FINAL STATE WRONG" end)
    ' "$W/hostile.json" 2>/dev/null || echo "  not measured (hostile.sh failed)"
if [ -n "$perf_out" ]; then
	echo "where the parser's time goes (perf, cpu-clock, parsebench on 1 GiB):"
	printf '%s\n' "$perf_out" | sed 's/^/  /'
	h=$(hints)
	[ -n "$h" ] && printf 'what would close the gap:\n%s\n' "$h"
fi
[ $mon_ok -eq 1 ] || echo "note: a real-monitor run did not reach the expected state"
echo "============================="
[ $hostile_ok -eq 1 ] || echo "note: a hostile log's final state was wrong"
[ $many_ok -eq 1 ] || echo "note: not every one of the $MANY runs ended right"
[ $state_fail -eq 0 ] && [ $lat_ok -eq 1 ] && [ $mon_ok -eq 1 ] &&
    [ $hostile_ok -eq 1 ] && [ $many_ok -eq 1 ]
