# SPDX-License-Identifier: ISC
# Shared helpers for the shell tests in regress/.  Source it; it sets
# TOP, WRAPPER, FAKE, WAITSTATE and FIX, and gives check/skip helpers.
set -u
# The wrapper ignores its V2V_WRAPPER_* variables under sudo; a "sudo -i"
# shell carries SUDO_UID.  The tests that mean sudo set it themselves.
unset SUDO_UID SUDO_GID SUDO_USER SUDO_COMMAND
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WRAPPER=$TOP/virt-v2v-wrapper
FAKE=$TOP/regress/fake/fake-virt-v2v
WAITSTATE=$TOP/regress/tools/waitstate
# The host's cgroup2 hierarchy, where cgroup v2 steering puts runs ("").
CG2=$(findmnt -n -t cgroup2 -o TARGET 2>/dev/null | head -n 1)
# Real virt-v2v 2.2 captures and upstream's vectors, copied as data.
FIX=$TOP/regress/fixtures
N=0

ok()	{ N=$((N + 1)); echo "ok $N - $*"; }
notok()	{ N=$((N + 1)); echo "not ok $N - $*"; }
skip()	{ N=$((N + 1)); echo "skip $N - $*"; }
note()	{ echo "# $*"; }

# check DESCRIPTION COMMAND...: ok when the command succeeds.
check() {
	local d=$1; shift
	if "$@"; then ok "$d"; else notok "$d"; fi
}

# eq DESCRIPTION GOT WANT
eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else
		notok "$1"; note "got:  $2"; note "want: $3"; fi
}

is_root() { [ "$(id -u)" -eq 0 ]; }

# The unprivileged user of a host, made where it is missing (tests only).
ensure_vdsm() {
	getent group kvm >/dev/null || groupadd -r kvm
	getent passwd vdsm >/dev/null ||
		useradd -r -M -g kvm -d /var/lib/vdsm -s /usr/sbin/nologin vdsm
}

# new_env: a private test tree: $T/log, $T/run, an export dir, a go file.
# Group and other can read it, so the unprivileged processes can too.
new_env() {
	T=$(mktemp -d /tmp/v2vw-test.XXXXXX)
	chmod 755 "$T"
	mkdir -m 755 "$T/log" "$T/run" "$T/ed"
	export V2V_WRAPPER_LOG_DIR=$T/log V2V_WRAPPER_RUN_DIR=$T/run
	export V2V_WRAPPER_VIRT_V2V=$T/virt-v2v
	export V2V_WRAPPER_API=$T/api
	fake_api nfs
	trap 'cleanup_env' EXIT
	# A throwaway key for the ssh transport's real ssh-agent; KEY is
	# the input's "ssh_key" member, JSON-quoted.
	ssh-keygen -q -t ed25519 -N '' -C v2vw-test -f "$T/id" >/dev/null
	KEY=$(jq -Rs . <"$T/id")
}

cleanup_env() {
	[ -n "${KEEP_T:-}" ] && return
	[ -n "${T:-}" ] && touch "$T/go" 2>/dev/null
	# Let a held fake finish before its tree goes.
	sleep 0.2
	[ -n "${T:-}" ] && rm -rf "$T"
}

# make_pki DIR: a test CA, a server certificate for 127.0.0.1 that it
# signed (DIR/srv.pem, DIR/srv.key), and a second CA that signed nothing;
# sets CA and OTHER_CA.  For the stand-ins of HTTPS APIs.
make_pki() {
	local d=$1 ca
	mkdir -p -m 755 "$d"
	for ca in ca other; do
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		    -nodes -keyout "$d/$ca.key" -out "$d/$ca.pem" -days 2 \
		    -subj "/CN=v2vw test $ca" 2>/dev/null || return 1
	done
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	    -keyout "$d/srv.key" -out "$d/srv.csr" -subj /CN=127.0.0.1 \
	    2>/dev/null || return 1
	printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' \
	    >"$d/ext"
	openssl x509 -req -in "$d/srv.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
	    -CAcreateserial -out "$d/srv.pem" -days 2 -extfile "$d/ext" \
	    2>/dev/null || return 1
	chmod 644 "$d"/*.pem
	CA=$d/ca.pem OTHER_CA=$d/other.pem
}

# fake_api TYPE: the oVirt API client the wrapper runs, a stand-in that
# finds every storage domain to be of TYPE and has nothing to clean up
# (regress/ovirt runs the real one against an engine stand-in).
fake_api() {
	printf '#!/bin/sh\ncat >/dev/null\n[ "$1" = lookup ] && echo %s\nexit 0\n' \
	    "$1" >"$T/api"
	chmod 755 "$T/api"
}

# fake ARGS...: the virt-v2v the wrapper will run, with fake options.
fake() {
	{
		echo '#!/bin/sh'
		printf 'exec %q' "$FAKE"
		[ $# -eq 0 ] || printf ' %q' "$@"
		echo ' -- "$@"'
	} >"$T/virt-v2v"
	chmod 755 "$T/virt-v2v"
}

# json_get FILE JQ-FILTER
jget() { jq -c "$2" "$1" 2>/dev/null; }

# proc_field PID FIELD: a field of /proc/PID/status, whitespace folded.
proc_field() {
	awk -v f="$2:" '$1 == f { $1 = ""; sub(/^ /, ""); print }' \
	    "/proc/$1/status" 2>/dev/null
}

# kill_and_time SIG PID STATE: kill PID and print the milliseconds from
# its end to "finished" in STATE (event-driven: a pidfd and inotify).
kill_and_time() {
	local ready=$T/exitwatch.ready w
	rm -f "$ready"
	"$TOP/regress/tools/exitwatch" "$2" "$3" 30 "$ready" >"$T/exitwatch.out" &
	w=$!
	for _ in $(seq 200); do [ -e "$ready" ] && break; sleep 0.01; done
	kill -"$1" "$2"
	wait "$w" && cat "$T/exitwatch.out"
}

# snapshot FILE: what a run may leave behind, to compare before/after:
# the run and log directories, the conversion user's processes, every
# descriptor pointing into the run directory, the conversion units, the
# net_cls root and the traffic control objects of this namespace.
snapshot() {
	local u=vdsm nic p f
	is_root || u=$(id -un)
	{
		echo "== run"; (cd "$T/run" && find . | sort)
		echo "== log"; (cd "$T/log" && find . | sort)
		echo "== processes of $u with a file or an argument of this test"
		for p in $(pgrep -u "$u"); do
			{ tr '\0' ' ' <"/proc/$p/cmdline"
			  for f in /proc/"$p"/fd/*; do readlink "$f"; done
			} 2>/dev/null | grep -q "$T" &&
			    echo "$p $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)"
		done | sort
		echo "== descriptors into the run directory"
		for f in /proc/[0-9]*/fd/*; do readlink "$f"; done 2>/dev/null |
		    grep "^$T/run" | sort
		echo "== units"
		[ -d /run/systemd/system ] &&
		    systemctl list-units --all --no-legend 'virt-v2v*' | sort
		echo "== net_cls"
		# v2v-conversion itself stays (its parent is 0555): the runs in it.
		find /sys/fs/cgroup/net_cls/v2v-conversion -mindepth 1 -type d 2>/dev/null | sort
		echo "== cgroup2"
		[ -n "$CG2" ] && find "$CG2/v2v-conversion" -mindepth 1 -type d 2>/dev/null | sort
		echo "== tc"
		tc qdisc show
		for nic in /sys/class/net/*; do
			tc class show dev "${nic##*/}"
			tc filter show dev "${nic##*/}"
		done
	} >"$1" 2>/dev/null
}

# clean_after DESC BEFORE: snapshot again; only a run directory with its
# state file and the three logs may have appeared (and the host's empty
# tc lock file, once a run asked for a network limit), nothing else.
clean_after() {
	local d=$1 after=$T/snap.after extra
	snapshot "$after"
	extra=$(diff "$2" "$after" | grep '^[<>]' | grep -vE \
	    -e '^> \./v2v-import-[0-9T]+-[0-9]+(/state\.json)?$' \
	    -e '^> \./v2v-import-[0-9T]+-[0-9]+(-mr|-wrapper)?\.log$' \
	    -e '^> \./\.tc-lock$')
	if [ -z "$extra" ]; then ok "$d: only logs and the state are left"; else
		notok "$d: only logs and the state are left"
		printf '%s\n' "$extra" | head -n 10 | sed 's/^/# /'
	fi
}

# The pids of priv and monitor, as the wrapper log names them.
log_pids() {
	sed -n 's/.*priv pid \([0-9]*\), monitor pid \([0-9]*\).*/\1 \2/p' \
	    "$1" | head -n 1
}

# run_procs: the processes, of any user, with this test's tree ($T) in
# their argv, as their working directory or behind an open descriptor,
# "PID ARGV" a line: what a run must not leave behind.  The shell of the
# test and its subshells are not counted (nor grep and find, gone by
# the time a pid is looked at again).
run_procs() {
	local p
	{
		grep -laF "$T" /proc/[0-9]*/cmdline
		find /proc/[0-9]*/cwd /proc/[0-9]*/fd -maxdepth 1 \
		    \( -lname "$T" -o -lname "$T/*" \)
	} 2>/dev/null | cut -d/ -f3 | sort -un | while read -r p; do
		[ "$p" = $$ ] || [ "$p" = "$BASHPID" ] && continue
		[ -d "/proc/$p" ] || continue
		echo "$p $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)"
	done
}

# no_procs_left DESC: ok once run_procs is empty (10 s at most).
no_procs_left() {
	local left
	for _ in $(seq 100); do
		left=$(run_procs)
		[ -z "$left" ] && break
		sleep 0.1
	done
	if [ -z "$left" ]; then ok "$1: no process of the run is left"; else
		notok "$1: no process of the run is left"
		printf '%s\n' "$left" | head -n 10 | sed 's/^/# /'
	fi
}

# The state file ($STATE) as a test waits on it, 10 s at most: each
# write is a rename, so polling it is cheap.
# until_state JQ-FILTER WANT: until the filter gives WANT.
until_state() {
	local end=$((SECONDS + 10))
	while [ $SECONDS -lt $end ]; do
		[ "$(jget "$STATE" "$1")" = "$2" ] && return 0
		sleep 0.02
	done
	return 1
}
# wait_msg TEXT: until last_message contains TEXT; says what it is if not.
wait_msg() {
	local end=$((SECONDS + 10))
	while [ $SECONDS -lt $end ]; do
		case "$(jget "$STATE" .last_message.message)" in *"$1"*) return 0 ;; esac
		sleep 0.02
	done
	note "last_message: $(jget "$STATE" .last_message.message)"
	return 1
}
# until_listening FILE: until regress/tc/flow's receiver, its output in
# FILE, says it listens (5 s at most).
until_listening() {
	for _ in $(seq 100); do grep -q listening "$1" && return 0; sleep 0.05; done
	return 1
}
# within R LO HI: LO <= R <= HI, numbers awk reads (rates, 1e15).
within() { awk -v r="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(r >= lo && r <= hi) }'; }
# wait_gone PATH: until nothing, not even a dangling link, is there.
wait_gone() {
	local end=$((SECONDS + 10))
	while [ -e "$1" ] || [ -L "$1" ]; do
		[ $SECONDS -lt $end ] || return 1
		sleep 0.02
	done
}

# fake_systemd [RECORD]: stand-ins of systemd-run and systemctl
# (regress/fake/fake-systemd.sh, state in $T/sd) for the wrapper; with
# RECORD, each call appends the kernel's view of itself there.
fake_systemd() {
	local t rec=
	mkdir -m 777 "$T/sd"	# the supervisor may write as the conversion user
	[ $# -eq 0 ] || rec=$(printf 'V2VW_FAKE_RECORD=%q ' "$1")
	for t in systemd-run systemctl; do
		printf '#!/bin/sh\n%sexec bash %q %q %s "$@"\n' "$rec" \
		    "$TOP/regress/fake/fake-systemd.sh" "$T/sd" "$t" >"$T/$t"
		chmod 755 "$T/$t"
	done
	export V2V_WRAPPER_SYSTEMD_RUN=$T/systemd-run V2V_WRAPPER_SYSTEMCTL=$T/systemctl
}

# start_daemonized INPUT: the wrapper, daemonized, on INPUT; sets STATE,
# THR, WLOG, and PRIV and MON from its log.
start_daemonized() {
	"$WRAPPER" >"$T/out" 2>"$T/err" <<<"$1"
	eq "started daemonized" $? 0
	STATE=$(jq -r .state_file "$T/out") THR=$(jq -r .throttling_file "$T/out")
	WLOG=$(jq -r .wrapper_log "$T/out")
	read -r PRIV MON <<<"$(log_pids "$WLOG")"
}
