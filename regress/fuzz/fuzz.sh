#!/bin/bash
# SPDX-License-Identifier: ISC
# libFuzzer targets (clang, ASan, UBSan) for what the wrapper reads from
# others: the stdin config, the v2v log, the machine-readable log, the
# throttling file, and priv's messages from a hostile monitor.  Not part
# of make check.
#
# Usage: regress/fuzz/fuzz.sh long        make fuzz: >= 10M executions each
#        regress/fuzz/fuzz.sh ci          make fuzz-ci: a short run each,
#                                         fails below regress/fuzz/floors.txt
#        regress/fuzz/fuzz.sh build       only build the targets
#        regress/fuzz/fuzz.sh repro TARGET FILE...   replay saved inputs
# Targets: config v2vlog mrlog throttle priv.  Environment:
#   FUZZ_WORK     work directory (default /var/tmp/v2vw-fuzz): objects,
#                 seeds, corpora, crash artifacts, logs.  Nothing is
#                 written into the source tree.
#   FUZZ_TARGETS  targets to run (default: all five)
#   FUZZ_JOBS     targets run at once (default: online CPUs, at most 4)
#   FUZZ_RUNS     long mode: executions per target (default 10000000)
#   FUZZ_MAXTIME  long mode: seconds per target at most (default 3600)
#   FUZZ_CITIME   ci mode: seconds per target (default 25)
#   FUZZ_CC       the compiler (default clang)
#
# The long mode keeps its corpora in $FUZZ_WORK/corpus/TARGET across runs;
# the ci mode starts from the seeds every time (fixed -seed), so its
# coverage is comparable with the floors.
set -u
cd "$(dirname "$0")/../.." || exit 1
top=$PWD
here=$top/regress/fuzz
fix=$top/regress/fixtures
mode=${1:-ci}
work=${FUZZ_WORK:-/var/tmp/v2vw-fuzz}
cc=${FUZZ_CC:-clang}
all_targets="mrlog v2vlog config throttle priv"
targets=${FUZZ_TARGETS:-$all_targets}
ncpu=$(nproc 2>/dev/null || echo 1)
jobs=${FUZZ_JOBS:-$((ncpu < 4 ? ncpu : 4))}

# Project sources the monitor's targets need (no priv, no parent).
srcs_common="common/config.c common/state.c common/disklist.c common/hash.c
    common/utf8.c common/limits.c
    common/log.c monitor/lines.c monitor/sieve.c monitor/parser.c
    monitor/disks.c monitor/throttle.c"
# The priv target: priv's dispatcher, its events and its phases, linked
# as they are; the harness defines the log functions and every effect of
# priv's (priv.h), so common/log.c and the rest of priv/ are not linked.
# It watches priv's reads, messages and final state through the linker's
# --wrap (wrap_priv below), not by renaming anything in priv's source.
srcs_priv="common/imsg.c common/state.c common/utf8.c common/end.c
    common/clock.c priv/dispatch.c priv/run.c priv/phase.c priv/cleaner.c"
wrap_priv="-Wl,--wrap=imsg_read,--wrap=imsg_get,--wrap=imsg_free"
wrap_priv="$wrap_priv,--wrap=imsg_compose,--wrap=state_write"

# Per target: largest input.  Lines and strings of 4 KiB and more must be
# reachable (STATE_STR_MAX, CONF_STR_MAX), the throttle file is small.
max_len() {
	case $1 in
	config|v2vlog)	echo 8192 ;;
	mrlog)		echo 6144 ;;
	throttle)	echo 1024 ;;
	priv)		echo 4096 ;;	# a run of messages, each < 64 bytes
	esac
}

die() { echo "fuzz.sh: $*" >&2; exit 1; }

# clang with libFuzzer and the sanitizer runtimes; installed when root.
have_toolchain() {
	local t
	command -v "$cc" >/dev/null 2>&1 || return 1
	t=$(mktemp -d) || return 1
	printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
	    'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
	    'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)' \
	    '{ (void)d; (void)n; return 0; }' >"$t/t.c"
	"$cc" -fsanitize=fuzzer,address,undefined -o "$t/t" "$t/t.c" \
	    >/dev/null 2>&1
	local rc=$?
	rm -rf "$t"
	return $rc
}

ensure_toolchain() {
	local rt
	have_toolchain && return 0
	if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
		echo "fuzz.sh: installing clang and its runtimes (apt-get)"
		export DEBIAN_FRONTEND=noninteractive
		apt-get -o DPkg::Lock::Timeout=600 update -qq
		# libclang-rt-14-dev on Debian 12; the unversioned name
		# follows the default clang elsewhere.
		for rt in libclang-rt-dev libclang-rt-14-dev; do
			apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
			    --no-install-recommends clang "$rt" >/dev/null 2>&1 &&
			    have_toolchain && return 0
		done
	elif [ "$(id -u)" -eq 0 ] && command -v dnf >/dev/null 2>&1; then
		echo "fuzz.sh: installing clang and compiler-rt (dnf)"
		dnf install -y -q clang compiler-rt >/dev/null &&
		    have_toolchain && return 0
	fi
	die "need clang with libFuzzer and the ASan/UBSan runtimes" \
	    "(apt-get install clang libclang-rt-14-dev," \
	    "or dnf install clang compiler-rt)"
}

# The object of a project source.
obj_of() {
	echo "$work/build/obj/$(echo "${1%.c}" | tr / _).o"
}

build() {
	local obj=$work/build/obj bin=$work/build s o t cflags hflags pkg objs
	ensure_toolchain
	pkg-config --exists jansson libbsd-overlay ||
	    die "need pkg-config, jansson and libbsd (make deps)"
	pkg=$(pkg-config --cflags jansson libbsd-overlay)
	# The project's code is instrumented for coverage; the harness only
	# for the sanitizers, so that "cov:" counts the project's edges and
	# the harness's own loops cost no comparison tracing.
	cflags="-std=c11 -D_GNU_SOURCE -g ${FUZZ_OPT:--O1} -fno-omit-frame-pointer
	    -fsanitize=address,undefined -fno-sanitize-recover=undefined
	    -I$top $pkg"
	hflags="$cflags -Wall -Wextra -Werror"
	mkdir -p "$obj" || die "cannot create $obj"
	for s in $(echo $srcs_common $srcs_priv | tr ' ' '\n' | sort -u); do
		$cc $cflags -fsanitize=fuzzer-no-link -c -o "$(obj_of "$s")" \
		    "$top/$s" || die "compiling $s failed"
	done
	$cc $hflags -c -o "$obj/fuzzstate.o" "$here/targets/fuzzstate.c" ||
	    die "compiling fuzzstate.c failed"
	for t in $all_targets; do
		$cc $hflags -c -o "$obj/fuzz_$t.o" \
		    "$here/targets/fuzz_$t.c" || die "compiling fuzz_$t.c failed"
		o="$obj/fuzz_$t.o"
		objs=
		for s in $srcs_common; do objs="$objs $(obj_of "$s")"; done
		case $t in
		v2vlog|mrlog) o="$o $obj/fuzzstate.o" ;;
		priv)	o="$o $wrap_priv"
			objs=
			for s in $srcs_priv; do objs="$objs $(obj_of "$s")"; done
			;;
		esac
		$cc -fsanitize=fuzzer,address,undefined -o "$bin/fuzz_$t" $o \
		    $objs $(pkg-config --libs jansson libbsd-overlay) ||
		    die "linking fuzz_$t failed"
	done
	# The priv seeds' writer: plain C, run on the build machine.
	$cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -I"$top" \
	    -o "$bin/privseeds" "$here/targets/privseeds.c" ||
	    die "building privseeds failed"
}

# Big seeds slow libFuzzer down: logs are cut into pieces of about 4 KiB
# on line ends.
pieces() {
	local f=$1 dir=$2
	split -C 4096 -d -a 4 "$f" "$dir/$(basename "$f")."
}

seed() {
	local t=$1 d=$work/seeds/$1 f
	rm -rf "$d" && mkdir -p "$d" || die "cannot create $d"
	case $t in
	v2vlog)
		for f in "$fix"/v2v/*.log "$fix"/v2v/*.out "$fix"/v2v/*.stdout \
		    "$fix"/v2v/*.stderr "$fix"/v2v/*.ovf \
		    "$fix"/upstream/test_output_parser.py.*.txt; do
			pieces "$f" "$d"
		done
		# Ours are small and go in whole: some hold lines longer
		# than the pieces.
		cp "$here"/seeds/v2vlog/* "$d"/ ;;
	mrlog)
		for f in "$fix"/v2v/*.mr.json "$fix"/v2v/*.mr-file.txt; do
			pieces "$f" "$d"
		done
		cp "$here"/seeds/mrlog/* "$d"/
		# JSON records interleaved with stdout (--machine-readable).
		for f in "$fix"/v2v/c3-vx-mr-pipe.out \
		    "$fix"/v2v/d-fail-blank-mr.stdout; do
			grep -a '^{' "$f" >"$d/$(basename "$f").json"
		done ;;
	config)
		cp "$here"/seeds/config/*.json "$fix"/upstream/*.json "$d"/ ;;
	throttle)
		cp "$here"/seeds/throttle/*.json "$d"/ ;;
	priv)
		# Written again from today's message types and layouts;
		# saved inputs besides them are kept.
		cp "$here"/seeds/priv/* "$d"/
		"$work/build/privseeds" "$d" || die "privseeds failed"
		for f in "$d"/*; do
			cmp -s "$f" "$here/seeds/priv/${f##*/}" ||
			    echo "fuzz.sh: seeds/priv/${f##*/} is stale:" \
			    "$work/build/privseeds regress/fuzz/seeds/priv"
		done ;;
	esac
}

# The last libFuzzer status line's "cov:" and "ft:", the executions.
stat_of() {
	local log=$1 key=$2
	case $key in
	execs)	sed -n 's/^stat::number_of_executed_units: *//p' "$log" |
		    tail -n 1 ;;
	rate)	sed -n 's/^stat::average_exec_per_sec: *//p' "$log" |
		    tail -n 1 ;;
	*)	grep -a -E '^#[0-9]+' "$log" | grep -a " $key: " | tail -n 1 |
		    sed -E "s/.* $key: ([0-9]+).*/\\1/" ;;
	esac
}

run_one() {
	local t=$1 log=$2 corpus art stamp start rc opts
	art=$work/crashes/$t
	mkdir -p "$art" "$work/logs" || return 1
	stamp=$work/logs/$t.$mode.stamp
	: >"$stamp"
	opts="-print_final_stats=1 -max_len=$(max_len "$t")
	    -timeout=10 -rss_limit_mb=2048
	    -artifact_prefix=$art/ -close_fd_mask=0"
	# priv's input is binary: its comparisons are traced, no dictionary.
	[ -f "$here/dict/$t.dict" ] && opts="$opts -dict=$here/dict/$t.dict"
	if [ "$mode" = ci ]; then
		corpus=$work/ci/$t
		rm -rf "$corpus"
		opts="$opts -seed=1 -max_total_time=${FUZZ_CITIME:-25}"
	else
		corpus=$work/corpus/$t
		opts="$opts -runs=${FUZZ_RUNS:-10000000}
		    -max_total_time=${FUZZ_MAXTIME:-3600}"
	fi
	mkdir -p "$corpus" || return 1
	start=$(date +%s)
	"$work/build/fuzz_$t" $opts "$corpus" "$work/seeds/$t" >"$log" 2>&1
	rc=$?
	echo "rc=$rc seconds=$(( $(date +%s) - start ))" >>"$log"
	# Crash, leak, timeout and oom inputs written during this run.
	find "$art" -maxdepth 1 -type f -newer "$stamp" \
	    \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' \
	    -o -name 'oom-*' \) >"$log.artifacts"
}

floor_of() {
	awk -v t="$1" '$1 == t { print $2 }' "$here/floors.txt"
}

report() {
	local t log execs rate cov ft corp crashes rc secs floor verdict
	local fail=0 out=$work/summary-$mode.txt
	printf '%-9s %12s %8s %6s %7s %6s %8s %5s %s\n' target executions \
	    exec/s cov ft corpus crashes secs verdict >"$out"
	for t in $targets; do
		log=$work/logs/$t.$mode.log
		execs=$(stat_of "$log" execs)
		rate=$(stat_of "$log" rate)
		cov=$(stat_of "$log" cov)
		ft=$(stat_of "$log" ft)
		corp=$(grep -a -E '^#[0-9]+' "$log" | grep -a ' corp: ' |
		    tail -n 1 | sed -E 's/.* corp: ([0-9]+).*/\1/')
		rc=$(sed -n 's/^rc=\([0-9]*\) .*/\1/p' "$log")
		secs=$(sed -n 's/^rc=[0-9]* seconds=//p' "$log")
		crashes=$(wc -l <"$log.artifacts")
		[ "${rc:-1}" -ne 0 ] && [ "$crashes" -eq 0 ] && crashes=1
		verdict=ok
		if [ "$crashes" -gt 0 ] || [ -z "$cov" ]; then
			verdict=FAIL fail=1
		elif [ "$mode" = ci ]; then
			floor=$(floor_of "$t")
			if [ -z "$floor" ]; then
				verdict="FAIL(no floor)" fail=1
			elif [ "$cov" -lt "$floor" ]; then
				verdict="FAIL(cov<$floor)" fail=1
			else
				verdict="ok(>=$floor)"
			fi
		elif [ "${execs:-0}" -lt "${FUZZ_RUNS:-10000000}" ]; then
			verdict="short(<${FUZZ_RUNS:-10000000})"
		fi
		printf '%-9s %12s %8s %6s %7s %6s %8s %5s %s\n' "$t" \
		    "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" \
		    "${corp:-?}" "$crashes" "${secs:-?}" "$verdict" >>"$out"
		if [ "$crashes" -gt 0 ]; then
			sed 's/^/    artifact: /' "$log.artifacts" >>"$out"
			grep -a -m 3 -E 'ERROR: |runtime error|FUZZ INVARIANT' \
			    "$log" | sed 's/^/    /' >>"$out"
			echo "    log: $log" >>"$out"
		fi
	done
	cat "$out"
	return $fail
}

run_all() {
	local t n=0 begin
	build
	for t in $targets; do
		case " $all_targets " in *" $t "*) ;; *) die "no target $t" ;; esac
		seed "$t"
	done
	begin=$(date +%s)
	echo "fuzz.sh: $mode: $targets, $jobs at a time, work in $work"
	for t in $targets; do
		if [ "$n" -ge "$jobs" ]; then
			wait -n
			n=$((n - 1))
		fi
		run_one "$t" "$work/logs/$t.$mode.log" &
		n=$((n + 1))
	done
	wait
	echo "fuzz.sh: $mode: $(( $(date +%s) - begin )) s"
	report
}

# libFuzzer's own symbolizer lookup does not know Debian's versioned name.
if [ -z "${ASAN_SYMBOLIZER_PATH:-}" ]; then
	for s in llvm-symbolizer llvm-symbolizer-14 \
	    /usr/lib/llvm-14/bin/llvm-symbolizer; do
		if command -v "$s" >/dev/null 2>&1; then
			export ASAN_SYMBOLIZER_PATH=$(command -v "$s")
			break
		fi
	done
fi
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# Allocation stacks of 5 frames instead of 30: unwinding on every malloc
# was a tenth of the time.  "repro" replays with ASan's defaults.
[ "$mode" = repro ] || export ASAN_OPTIONS=${ASAN_OPTIONS:-malloc_context_size=5}

# One run at a time per work directory: a second one would relink the
# binaries under the first and share its corpora.
mkdir -p "$work" || die "cannot create $work"
exec 9>"$work/lock"
if command -v flock >/dev/null 2>&1 && ! flock -n 9; then
	echo "fuzz.sh: waiting for another fuzz.sh using $work"
	flock 9 || die "cannot lock $work/lock"
fi

case $mode in
build)	build ;;
ci|long) run_all ;;
repro)
	[ $# -ge 3 ] || die "usage: fuzz.sh repro TARGET FILE..."
	build
	t=$2
	shift 2
	"$work/build/fuzz_$t" -runs=1 "$@" ;;
*)	die "usage: fuzz.sh long | ci | build | repro TARGET FILE..." ;;
esac
