#!/bin/bash
# SPDX-License-Identifier: ISC
# kill -9 of each of the run's processes (virt-v2v, the monitor, priv)
# at the two ends of a conversion that test-deaths.sh (mid-copy) does
# not reach: at start, right after the stdout line and before any
# progress, and during finalization, after the copy while virt-v2v
# prints its last lines.  Each case: the exit status, the exact
# last_message, return_code (present or not, and its value), no process
# of the run left, and nothing else left (snapshot before and after).
. "$(dirname "$0")/../lib.sh"

is_root && ensure_vdsm
new_env
IN='{"vm_name":"g","transport_method":"vddk","vmware_uri":"esx://h","vmware_fingerprint":"AA",
 "vmware_password":"p","export_domain":"'$T'/ed","daemonize":false,"source_disks":["[ds] g/g.vmdk"]}'
CAPTURE=$FIX/v2v/a-plain-local-pipe.out
# The capture's first line, and its last (after the 100 % frame).
FIRST='Setting up the source: -i disk guest2.img'
LAST='Finishing off'

MON_DIED='{"message":"the monitor process ended unexpectedly; the conversion was stopped","type":"error"}'
PRIV_DIED='{"message":"the privileged wrapper process ended unexpectedly; the conversion was stopped","type":"error"}'
V2V_KILLED='{"message":"virt-v2v was killed by SIGKILL","type":"error"}'

gone() {	# gone PID: wait up to 10 s for it to end
	for _ in $(seq 100); do [ -d "/proc/$1" ] || return 0; sleep 0.1; done
	return 1
}

# wait_stage TEXT: until the state's stage is TEXT (10 s at most).
wait_stage() {
	local end=$((SECONDS + 10))
	while [ $SECONDS -lt $end ]; do
		[ "$(jget "$STATE" .stage)" = "\"$1\"" ] && return 0
		sleep 0.02
	done
	return 1
}

# start WHEN: a foreground run whose virt-v2v is held forever at its
# first line (start) or at its last (final); sets WPID, STATE, PRIV,
# MON, V2V once the state shows the held stage.
start() {
	local hold=$FIRST
	[ "$1" = final ] && hold=$LAST
	fake --replay "$CAPTURE" --hold-at "$hold" --go "$T/never"
	snapshot "$T/snap.before"
	rm -f "$T/out"	# the last run's line must not be read as this one's
	"$WRAPPER" >"$T/out" 2>"$T/err" <<<"$IN" &
	WPID=$!
	for _ in $(seq 100); do [ -s "$T/out" ] && break; sleep 0.05; done
	STATE=$(jq -r .state_file "$T/out")
	"$WAITSTATE" "$STATE" 10 started >/dev/null
	read -r PRIV MON <<<"$(log_pids "$(jq -r .wrapper_log "$T/out")")"
	V2V=$(jget "$STATE" .pid)
	check "$WHO at $1: held at the stage wanted" wait_stage "${hold#*] }"
	if [ "$1" = start ]; then
		eq "$WHO at start: no progress yet" "$(jget "$STATE" '.disks[0].progress')" 0
	else
		eq "$WHO at final: the copy is done" "$(jget "$STATE" '.disks[0].progress')" 100
	fi
	eq "$WHO at $1: priv is the foreground process" "$PRIV" "$WPID"
}

# finish DESC STATUS: the wrapper's exit status, a finished state that
# is valid JSON, every process gone, nothing else left.
finish() {
	local d=$1 rc
	wait "$WPID"; rc=$?
	eq "$d: exit status" "$rc" "$2"
	eq "$d: finished and failed" "$(jget "$STATE" '[.finished,.failed]')" '[true,true]'
	check "$d: virt-v2v is gone" gone "$V2V"
	check "$d: the monitor is gone" gone "$MON"
	no_procs_left "$d"
}

for WHEN in start final; do
	# virt-v2v killed: its status is -9, and the monitor says so.
	WHO=virt-v2v
	start "$WHEN"
	kill -KILL "$V2V"
	finish "virt-v2v killed at $WHEN" 2
	eq "virt-v2v killed at $WHEN: last_message" "$(jget "$STATE" .last_message)" "$V2V_KILLED"
	eq "virt-v2v killed at $WHEN: return_code" "$(jget "$STATE" .return_code)" -9
	check "virt-v2v killed at $WHEN: nothing private left" test ! -e "$(dirname "$STATE").private"
	clean_after "virt-v2v killed at $WHEN" "$T/snap.before"

	# The monitor killed: priv stops virt-v2v (TERM: it exits 1) and
	# writes the final state itself.
	WHO=monitor
	start "$WHEN"
	kill -KILL "$MON"
	finish "monitor killed at $WHEN" 2
	eq "monitor killed at $WHEN: last_message" "$(jget "$STATE" .last_message)" "$MON_DIED"
	eq "monitor killed at $WHEN: return_code" "$(jget "$STATE" .return_code)" 1
	check "monitor killed at $WHEN: nothing private left" test ! -e "$(dirname "$STATE").private"
	clean_after "monitor killed at $WHEN" "$T/snap.before"

	# priv killed: virt-v2v gets SIGTERM (PR_SET_PDEATHSIG), the
	# monitor records the end but cannot know virt-v2v's status; the
	# secrets and the lock stay until --cleanup.
	WHO=priv
	start "$WHEN"
	kill -KILL "$PRIV"
	finish "priv killed at $WHEN" 137
	eq "priv killed at $WHEN: last_message" "$(jget "$STATE" .last_message)" "$PRIV_DIED"
	eq "priv killed at $WHEN: no return_code" "$(jget "$STATE" 'has("return_code")')" false
	check "priv killed at $WHEN: the secrets wait for --cleanup" \
	    test -e "$(dirname "$STATE").private/secrets/vmware_password"
	eq "priv killed at $WHEN: --cleanup" "$("$WRAPPER" --cleanup 2>/dev/null)" "1 dead run cleaned up"
	check "priv killed at $WHEN: nothing private left" test ! -e "$(dirname "$STATE").private"
	eq "priv killed at $WHEN: --cleanup keeps the final state" \
	    "$(jget "$STATE" '[.last_message,.finished,.failed,has("return_code")]')" "[$PRIV_DIED,true,true,false]"
	clean_after "priv killed at $WHEN" "$T/snap.before"
done
