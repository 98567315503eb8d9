#!/bin/bash
# SPDX-License-Identifier: ISC
# make check-real: the wrapper against the real virt-v2v 2.2 of Debian 12,
# as root.  Installs what it needs, builds the test guest once (cached in
# $V2VW_REAL_CACHE, default /var/cache/v2vw-real), sets up an ESXi
# stand-in and an export domain (standin.sh), runs four cases and takes
# everything down again, also when a case fails or the run is interrupted.
#
#   bad key   a key sshd rejects: failed, finished, virt-v2v's own error
#   convert   a whole conversion over ssh into the export domain
#   cancel    virt-v2v killed at "Copying disk": failed and finished within
#             2 s of its exit, nothing of it left 15 s later
#   classifier  priv's network limit through cls_cgroup on Debian's own
#             kernel, in the libguestfs appliance (classifier.sh)
#
# Each run is followed by follow.c, event-driven, as an engine would.
# V2VW_REAL_FIXTURES=DIR also copies each run's v2v and machine-readable
# logs into DIR with the final state a reader should expect (CASE.json).
# V2VW_REAL_KEEP=1 keeps the scratch directory (after the stand-in is down).
# Not part of `make check`: it takes minutes and installs packages.
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/../lib.sh"
. "$HERE/standin.sh"
FOLLOW=$HERE/follow
CACHE=${V2VW_REAL_CACHE:-/var/cache/v2vw-real}
FIXDIR=${V2VW_REAL_FIXTURES:-}
[ -z "$FIXDIR" ] || FIXDIR=$(mkdir -p "$FIXDIR" && cd "$FIXDIR" && pwd)
CASE_SECONDS=1200
PASS=0 FAIL=0
T= WPID= FPID= BGPID= ESD=

ok()	{ N=$((N + 1)); PASS=$((PASS + 1)); echo "ok $N - $*"; }
notok()	{ N=$((N + 1)); FAIL=$((FAIL + 1)); echo "not ok $N - $*"; }
summary() { echo "$PASS passed, $FAIL failed"; }
# A step the cases depend on: a failure ends the run (and tears down).
must()	{ local d=$1; shift; if "$@"; then ok "$d"; else notok "$d"; exit 1; fi; }

t_phase=$SECONDS
phase()	{ note "$1 took $((SECONDS - t_phase)) s"; t_phase=$SECONDS; }

# ev FILTER: jq over the current case's events, slurped.
ev()	{ jq -c -s "$1" "$C/events" 2>/dev/null; }
# holds EXPR: a jq expression without input is true.
holds()	{ jq -en "$1" >/dev/null 2>&1; }

# Processes of a run that are still there: each recorded descendant of
# virt-v2v that is virt-v2v, nbdkit, nbdcopy or qemu and still has the
# same start time, and anything that names the datastore or the export
# domain on its command line.
leftovers() {
	local pid start comm p pat
	jq -r 'select(.ev == "proc") | "\(.pid) \(.start) \(.comm)"' "$1" 2>/dev/null |
	while read -r pid start comm; do
		case $comm in virt-v2v|nbdkit|nbdcopy|qemu*) ;; *) continue ;; esac
		[ -r "/proc/$pid/stat" ] || continue
		[ "$(sed 's/.*) //' "/proc/$pid/stat" | cut -d' ' -f20)" = "$start" ] &&
		    echo "$pid $comm"
	done
	pat=(-e "$DSROOT/")
	[ -n "$ESD" ] && pat+=(-e "$ESD")
	for p in /proc/[0-9]*; do
		[ "${p#/proc/}" = "$$" ] && continue
		{ tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null | grep -qF "${pat[@]}" &&
		    echo "${p#/proc/} $(cat "$p/comm" 2>/dev/null)"
	done
	return 0
}

# kill_recorded EVENTS: SIGKILL what leftovers() finds (teardown only).
kill_recorded() {
	local pid rest
	leftovers "$1" | while read -r pid rest; do
		note "killing leftover $pid $rest"
		kill -KILL "$pid" 2>/dev/null
	done
}

teardown() {
	local e pid
	trap - EXIT INT TERM
	set +e
	if [ -n "$WPID" ] && kill -0 "$WPID" 2>/dev/null; then
		# priv stops virt-v2v on TERM (TERM, then KILL after 30 s).
		kill -TERM "$WPID"
		for _ in $(seq 100); do kill -0 "$WPID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$WPID" 2>/dev/null
	fi
	[ -n "$FPID" ] && kill "$FPID" 2>/dev/null
	# A guest build in progress: its own process group (setsid).
	[ -n "$BGPID" ] && kill -TERM -- "-$BGPID" 2>/dev/null
	if [ -n "$T" ] && [ -d "$T" ]; then
		for e in "$T"/case-*/events; do
			[ -f "$e" ] && kill_recorded "$e"
		done
		for pid in $(pgrep -f "ssh-agent -D -a $T/" 2>/dev/null); do
			kill "$pid" 2>/dev/null
		done
		standin_down "$T/esxi"
		if [ -n "${V2VW_REAL_KEEP:-}" ]; then
			note "kept $T"
		else
			rm -rf --one-file-system "$T"
		fi
	fi
	summary
}

# What a run of an earlier, killed check-real left.  We hold the lock,
# so every such directory is stale.
clean_stale() {
	local d e
	for d in /tmp/v2vw-real.*; do
		[ -d "$d" ] || continue
		note "removing the remains of an earlier run: $d"
		T=$d ESD=$d/esxi/esd
		for e in "$d"/case-*/events; do [ -f "$e" ] && kill_recorded "$e"; done
		standin_down "$d/esxi"
		rm -rf --one-file-system "$d"
	done
	T= ESD=
}

# start_case NAME KEYFILE [-k]: the wrapper in the foreground as root, as
# an admin would run it on a host without usable KVM: ssh transport, the
# key as text, the export domain, force_tcg in the caller's environment,
# the real virt-v2v (no V2V_WRAPPER_VIRT_V2V).  Sets C, WPID,
# STATE, V2VLOG, MRLOG, RUNPRIV and starts follow (FPID); -k makes follow
# kill virt-v2v once its log says "Copying disk".
start_case() {
	local name=$1 key=$2 kill=${3:-}
	C=$T/case-$name
	mkdir -m 755 "$C"
	touch "$C/t0"
	jq -n --rawfile key "$key" --arg vm "$SRC_URI" --arg ed "$ESD" \
	    '{vm_name: $vm, transport_method: "ssh", ssh_key: $key,
	      export_domain: $ed, daemonize: false}' |
	    env -u V2V_WRAPPER_VIRT_V2V V2V_WRAPPER_LOG_DIR="$T/log" \
	    V2V_WRAPPER_RUN_DIR="$T/run" LIBGUESTFS_BACKEND_SETTINGS=force_tcg \
	    "$WRAPPER" >"$C/out" 2>"$C/err" &
	WPID=$!
	for _ in $(seq 600); do
		[ "$(wc -l <"$C/out")" -ge 1 ] && break
		kill -0 "$WPID" 2>/dev/null || break
		sleep 0.05
	done
	STATE=$(jq -r .state_file "$C/out" 2>/dev/null)
	V2VLOG=$(jq -r .v2v_log "$C/out" 2>/dev/null)
	MRLOG=${V2VLOG%.log}-mr.log
	RUNPRIV=$(dirname "$STATE").private
	if [ ! -f "$STATE" ] || [ ! -f "$V2VLOG" ]; then
		notok "$name: the wrapper printed its stdout line"
		note "stdout: $(head -c 500 "$C/out")"
		note "stderr: $(head -c 500 "$C/err")"
		kill -TERM "$WPID" 2>/dev/null
		wait "$WPID"
		WPID=
		return 1
	fi
	if [ -n "$kill" ]; then
		"$FOLLOW" -k "$V2VLOG" -t "$CASE_SECONDS" "$STATE" "$C/events" 2>"$C/follow.err" &
	else
		"$FOLLOW" -t "$CASE_SECONDS" "$STATE" "$C/events" 2>"$C/follow.err" &
	fi
	FPID=$!
	return 0
}

# end_case: wait for follow (bounded by its -t), then for the wrapper.
end_case() {
	wait "$FPID"
	FRC=$? FPID=
	for _ in $(seq 600); do kill -0 "$WPID" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$WPID" 2>/dev/null && kill -TERM "$WPID"
	wait "$WPID"
	WRC=$? WPID=
	eq "$1: follow saw finished and the exit of virt-v2v" "$FRC" 0
	[ "$FRC" = 0 ] || note "$(tail -n 3 "$C/events")"
}

# keytokens KEYFILE...: the base64 lines of private keys that are theirs
# alone.  The first line is the same in every unencrypted ed25519 key
# ("openssh-key-v1", "none", "none", "ssh-ed25519"), so it is left out,
# and so is a short last line.
keytokens() {
	local f
	for f in "$@"; do
		grep -v -e '^-----' "$f" | sed 1d | awk 'length($0) >= 40'
	done
}

# Files this case left anywhere that matter: our logs, run directory and
# export domain, and whatever is new in /tmp and /var/tmp.  The test's
# own key files (esxi/client) are the only place the key may be.
files_with_key() {
	keytokens "$GOOD_KEY" "$BAD_KEY" >"$T/tokens"
	[ -s "$T/tokens" ] || { echo "(no key lines to look for)"; return 0; }
	{
		find "$T/log" "$T/run" "$ESD" -type f -print0 2>/dev/null
		find /tmp /var/tmp -xdev -type f -newer "$C/t0" -size -200M \
		    ! -path "$T/esxi/client/*" ! -path "$T/tokens" -print0 2>/dev/null
	} | xargs -0r grep -lFf "$T/tokens" 2>/dev/null
	return 0
}

agent_of_run() { pgrep -f "ssh-agent -D -a $RUNPRIV/" 2>/dev/null; }

# The last nbdcopy frame in a log, as a reader would see it ("" if none).
last_frame() {
	tr '\r' '\n' <"$1" | grep -aoE '[0-9]{1,3}% \[[-*]{40}\]' |
	    tail -n 1 | cut -d% -f1
}

# save_fixture NAME EXPECTED-STATE-JSON ABSENT-KEYS-JSON
save_fixture() {
	[ -n "$FIXDIR" ] || return 0
	cp "$V2VLOG" "$FIXDIR/$1.log"
	cp "$MRLOG" "$FIXDIR/$1-mr.log"
	jq -n --arg log "$1.log" --arg mr "$1-mr.log" --argjson s "$2" \
	    --argjson a "$3" '{log: $log, mr_log: $mr, state: $s, absent: $a}' \
	    >"$FIXDIR/$1.json"
}

# final_matches NAME EXPECTED-STATE-JSON ABSENT-KEYS-JSON: the state file
# holds every expected value and none of the absent keys.
final_matches() {
	local got
	note "final state: $(cat "$STATE")"
	got=$(jq -c --argjson s "$2" --argjson a "$3" \
	    '[($s | keys_unsorted[]) as $k | select(.[$k] != $s[$k]) | $k] +
	     [$a[] as $k | select(has($k)) | $k]' "$STATE")
	eq "$1: the final state is what a reader expects" "$got" "[]"
}

stdout_line() {
	eq "$1: one stdout line with the four paths, in order" \
	    "$(wc -l <"$C/out") $(jq -c 'keys_unsorted' "$C/out")" \
	    '1 ["v2v_log","wrapper_log","state_file","throttling_file"]'
	check "$1: the state file and the log are where the environment says" \
	    test "${STATE#"$T/run/"}" != "$STATE" -a "${V2VLOG#"$T/log/"}" != "$V2VLOG"
}

case_badkey() {
	local err
	start_case badkey "$BAD_KEY" || return
	end_case "bad key"
	eq "bad key: the wrapper exits 2" "$WRC" 2
	stdout_line "bad key"
	eq "bad key: virt-v2v ran" "$(jget "$STATE" .started)" true
	err=$(jq -r 'select(.type == "error") | .message' "$MRLOG" 2>/dev/null | tail -n 1)
	check "bad key: virt-v2v reported an error of its own" test -n "$err"
	check "bad key: ... about the VMX it could not fetch" grep -q VMX <<<"$err"
	check "bad key: sshd refused the key" \
	    grep -q 'Permission denied (publickey)' "$V2VLOG"
	check "bad key: last_message carries it" \
	    grep -qF -- "$err" <<<"$(jget "$STATE" .last_message.message)"
	# The earlier wrapper's form of an error record, which callers know.
	local want absent='["vm_id"]'
	want=$(jq -nc --arg m "virt-v2v error: $err" \
	    '{disk_count: 0, disks: [], last_message: {message: $m, type: "error"},
	      return_code: 1, failed: true, finished: true}')
	final_matches "bad key" "$want" "$absent"
	eq "bad key: finished in the last write, nothing after it" \
	    "$(ev '[.[] | select(.ev == "state")] | last | .state.finished'),$(ev 'map(select(.ev == "end"))[0].after_finished')" \
	    "true,0"
	check "bad key: no agent left" test -z "$(agent_of_run)"
	check "bad key: nothing private left" test ! -e "$RUNPRIV"
	save_fixture badkey "$want" "$absent"
}

case_convert() {
	local agent sock v2v exe want absent='["failed"]' vmid img vol
	start_case convert "$GOOD_KEY" || return
	# While virt-v2v runs: the run's agent, and virt-v2v using it.
	if "$WAITSTATE" "$STATE" 120 started >/dev/null; then
		v2v=$(jget "$STATE" .pid)
		agent=$(agent_of_run)
		sock=$(tr '\0' '\n' <"/proc/$v2v/environ" 2>/dev/null | sed -n 's/^SSH_AUTH_SOCK=//p')
		check "convert: an ssh-agent of the run holds the key" test -n "$agent"
		eq "convert: virt-v2v talks to that agent" "${sock%/*}" "$RUNPRIV/agent"
	else
		notok "convert: started within 120 s"
	fi
	end_case convert
	eq "convert: the wrapper exits 0" "$WRC" 0
	stdout_line convert

	exe=$(readlink -f "$(command -v virt-v2v)")
	eq "convert: started and pid come together" \
	    "$(ev '[.[] | select(.ev == "state") | .state | (has("started") == has("pid"))] | all')" true
	eq "convert: /proc/PID/exe of the state's pid is the real virt-v2v" \
	    "$(ev 'map(select(.ev == "pid"))[0] | "\(.pid) \(.exe)"')" \
	    "\"$(ev 'map(select(.ev == "state" and .state.started))[0].state.pid') $exe\""

	local prog frames
	frames=$(tr '\r' '\n' <"$V2VLOG" | grep -acE '[0-9]{1,3}% \[[-*]{40}\]')
	check "convert: nbdcopy printed about 30 frames ($frames)" test "$frames" -ge 25
	prog=$(ev '[.[] | select(.ev == "state") | .state.disks[0].progress // empty]')
	note "progress as followed: $prog"
	check "convert: at least three distinct progress values" \
	    test "$(jq 'unique | length' <<<"$prog")" -ge 3
	eq "convert: progress never goes down and ends at 100" \
	    "$(jq -c '[. == sort, last]' <<<"$prog")" "[true,100]"

	vmid=$(ls "$ESD/$ESD_UUID/master/vms" 2>/dev/null)
	check "convert: virt-v2v created one VM directory" test "$(wc -w <<<"$vmid")" = 1
	want=$(jq -nc --arg p "[$DS] $VM/$VM.vmdk" --arg id "$vmid" \
	    '{disks: [{path: $p, progress: 100}], disk_count: 1, vm_id: $id,
	      return_code: 0, finished: true}')
	final_matches convert "$want" "$absent"
	eq "convert: the last write has finished, nothing after it" \
	    "$(ev '[.[] | select(.ev == "state")] | last | .state.finished'),$(ev 'map(select(.ev == "end"))[0].after_finished')" \
	    "true,0"
	eq "convert: the state file is the last write followed" \
	    "$(ev '[.[] | select(.ev == "state")] | last | .state')" "$(jq -c . "$STATE")"

	check "convert: the OVF names the VM" \
	    grep -qE "ovf:id=[\"']$vmid[\"']" "$ESD/$ESD_UUID/master/vms/$vmid/$vmid.ovf"
	img=$(find "$ESD/$ESD_UUID/images" -type f ! -name '*.meta' ! -name '*.lease' 2>/dev/null)
	check "convert: one disk image in the export domain" test "$(wc -w <<<"$img")" = 1
	eq "convert: ... of the guest's virtual size" "$(stat -c %s "$img" 2>/dev/null)" 4294967296
	vol=${img##*/}
	check "convert: ... and the OVF refers to it" \
	    grep -q "$vol" "$ESD/$ESD_UUID/master/vms/$vmid/$vmid.ovf"
	check "convert: ... with its metadata" test -s "$img.meta"

	eq "convert: no file the run left holds the key" "$(files_with_key)" ""
	for _ in $(seq 50); do [ -n "$agent" ] && [ -d "/proc/$agent" ] || break; sleep 0.1; done
	check "convert: the ssh-agent is gone" test -n "$agent" -a ! -d "/proc/$agent"
	check "convert: nothing private left" test ! -e "$RUNPRIV"
	eq "convert: no virt-v2v, nbdkit or qemu left" "$(leftovers "$C/events")" ""
	save_fixture convert "$want" "$absent"
}

# The cgroup classifier on Debian's own kernel, in the libguestfs
# appliance (regress/real/classifier.sh); its lines counted here.
case_classifier() {
	local line
	while IFS= read -r line; do
		case "$line" in
		"ok "*) ok "classifier: ${line#ok * - }" ;;
		"not ok "*) notok "classifier: ${line#not ok * - }" ;;
		*) echo "$line" ;;
		esac
	done < <(bash "$HERE/classifier.sh" 2>&1)
}

case_cancel() {
	local texit tfin wall frame want absent='["vm_id"]' left
	start_case cancel "$GOOD_KEY" -k || return
	end_case cancel
	eq "cancel: the wrapper exits 2" "$WRC" 2
	stdout_line cancel
	eq "cancel: killed as the log showed Copying disk" \
	    "$(ev 'map(select(.ev == "kill"))[0].ok')" true
	texit=$(ev 'map(select(.ev == "exit"))[0].t')
	tfin=$(ev 'map(select(.ev == "state" and .state.finished))[0].t')
	note "virt-v2v exit at $texit ms, finished read at $tfin ms"
	check "cancel: failed and finished within 2 s of virt-v2v's exit" \
	    holds "$tfin - $texit | . >= 0 and . <= 2000"
	frame=$(last_frame "$V2VLOG")
	want=$(jq -nc --arg p "[$DS] $VM/$VM.vmdk" --argjson f "${frame:-0}" \
	    '{disks: [{path: $p, progress: $f}], disk_count: 1,
	      return_code: 1, failed: true, finished: true}')
	final_matches cancel "$want" "$absent"
	check "cancel: virt-v2v says it exited on the signal" \
	    grep -q 'Exiting on signal SIGTERM' "$V2VLOG"
	# 15 s after virt-v2v's exit, by the clock follow read at the exit.
	wall=$(ev 'map(select(.ev == "exit"))[0].wall')
	case $wall in
	[0-9]*)	sleep "$(jq -n "($wall + 15000) / 1000 - now | if . > 0 then . else 0 end")" ;;
	*)	sleep 15 ;;
	esac
	left=$(leftovers "$C/events")
	eq "cancel: no virt-v2v, nbdkit or qemu of the run 15 s later" "$left" ""
	note "descendants seen: $(jq -r 'select(.ev == "proc") | .comm' "$C/events" | sort | uniq -c | tr -s ' \n' ' ')"
	check "cancel: no agent left" test -z "$(agent_of_run)"
	save_fixture cancel "$want" "$absent"
}

main() {
	[ "$(id -u)" -eq 0 ] || { echo "check-real: must run as root" >&2; notok "root"; exit 1; }
	trap teardown EXIT
	trap 'notok "not interrupted by a signal"; exit 130' INT TERM
	mkdir -p "$CACHE"
	exec 9>>"$CACHE/lock"
	flock -w 3600 9 || { notok "the lock $CACHE/lock"; exit 1; }
	clean_stale

	sh "$HERE/install.sh" & wait $!
	must "virt-v2v and its tools are installed" test $? = 0
	check "the wrapper and follow are built" test -x "$WRAPPER" -a -x "$FOLLOW"
	phase install
	ensure_vdsm
	# In the background, so that a TERM reaches the trap at once.
	setsid bash "$HERE/guest.sh" "$CACHE" >"$CACHE/guest.path" &
	BGPID=$!
	wait "$BGPID"
	BGPID=
	IMG=$(tail -n 1 "$CACHE/guest.path")
	must "the test guest ($IMG)" test -s "$IMG"
	phase guest

	T=$(mktemp -d /tmp/v2vw-real.XXXXXX)
	chmod 755 "$T"
	mkdir -m 755 "$T/log" "$T/run"
	must "the ESXi stand-in and the export domain" standin_up "$T/esxi" "$IMG"
	note "source $SRC_URI, export domain $ESD/$ESD_UUID"
	phase standin

	case_badkey
	phase "bad key"
	case_convert
	phase convert
	case_cancel
	phase cancel
	case_classifier
	phase classifier
	[ "$FAIL" -eq 0 ]
}

main "$@"
