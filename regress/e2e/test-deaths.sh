#!/bin/bash
# SPDX-License-Identifier: ISC
# When one of the wrapper's own processes dies: the other records the
# end, virt-v2v does not run on unwatched (a direct child), and
# --cleanup removes what a dead priv left (secrets, the unit) and closes
# a state file nobody finished.
. "$(dirname "$0")/../lib.sh"

is_root && ensure_vdsm
new_env
IN='{"vm_name":"g","transport_method":"vddk","vmware_uri":"esx://h","vmware_fingerprint":"AA",
 "vmware_password":"p","export_domain":"'$T'/ed"'
fake --replay "$FIX/v2v/a-plain-local-pipe.out" --hold-at "Copying disk" --go "$T/never"

start_fg() {
	[ -n "${NOSNAP:-}" ] || snapshot "$T/snap.before"
	rm -f "$T/out"	# the last run's line must not be read as this one's
	"$WRAPPER" >"$T/out" 2>"$T/err" <<<"$IN,\"daemonize\":false}" &
	WPID=$!
	for _ in $(seq 100); do [ -s "$T/out" ] && break; sleep 0.05; done
	STATE=$(jq -r .state_file "$T/out")
	PRIVDIR=$(dirname "$STATE").private
	"$WAITSTATE" "$STATE" 10 started >/dev/null
	read -r PRIV MON <<<"$(log_pids "$(jq -r .wrapper_log "$T/out")")"
	V2V=$(jget "$STATE" .pid)
}

gone() {	# gone PID: wait up to 10 s for it to end
	for _ in $(seq 100); do [ -d "/proc/$1" ] || return 0; sleep 0.1; done
	return 1
}

# 1. The monitor dies: priv stops virt-v2v and writes the final state.
start_fg
kill -KILL "$MON"
wait "$WPID"
eq "monitor killed: exit status 2" $? 2
eq "monitor killed: failed, finished" "$(jget "$STATE" '[.failed,.finished]')" '[true,true]'
eq "monitor killed: why" "$(jget "$STATE" .last_message.message)" \
    '"the monitor process ended unexpectedly; the conversion was stopped"'
eq "monitor killed: virt-v2v's status (TERM, it exits 1)" "$(jget "$STATE" .return_code)" 1
check "monitor killed: virt-v2v is gone" gone "$V2V"
check "monitor killed: nothing private left" test ! -e "$PRIVDIR"
clean_after "monitor killed" "$T/snap.before"

# 2. priv dies: the monitor records it; the direct child gets SIGTERM;
# the secrets stay until --cleanup.
start_fg
kill -KILL "$PRIV"
check "priv killed: finished" "$WAITSTATE" "$STATE" 10 finished
eq "priv killed: failed" "$(jget "$STATE" .failed)" true
eq "priv killed: why" "$(jget "$STATE" .last_message.message)" \
    '"the privileged wrapper process ended unexpectedly; the conversion was stopped"'
check "priv killed: virt-v2v does not run on" gone "$V2V"
check "priv killed: the monitor ends too" gone "$MON"
check "priv killed: the secrets are still there" test -e "$PRIVDIR/secrets/vmware_password"
eq "--cleanup removes them" "$("$WRAPPER" --cleanup 2>/dev/null)" "1 dead run cleaned up"
check "--cleanup: nothing private left" test ! -e "$PRIVDIR"
clean_after "priv killed, then --cleanup" "$T/snap.before"
eq "--cleanup: a finished state is left as it was" "$(jget "$STATE" .last_message.message)" \
    '"the privileged wrapper process ended unexpectedly; the conversion was stopped"'
eq "--cleanup again: nothing to do" "$("$WRAPPER" --cleanup 2>/dev/null)" "0 dead runs cleaned up"

# 3. Both die at once: nobody finished the state; --cleanup does, and a
# live run next to it is left alone.
start_fg
LIVE_STATE=$STATE LIVE_PRIV=$PRIV LIVE_MON=$MON LIVE_PRIVDIR=$PRIVDIR LIVE_WPID=$WPID
start_fg
kill -STOP "$MON"; kill -KILL "$PRIV"; kill -KILL "$MON"
check "both killed: virt-v2v does not run on" gone "$V2V"
eq "both killed: the state was never finished" "$(jget "$STATE" 'has("finished")')" false
eq "--cleanup: one dead run (the live one is not)" "$("$WRAPPER" --cleanup 2>/dev/null)" "1 dead run cleaned up"
eq "--cleanup: the state is closed" "$(jget "$STATE" '[.failed,.finished,.last_message.type]')" '[true,true,"error"]'
check "--cleanup: the live run keeps its secrets" test -e "$LIVE_PRIVDIR/secrets/vmware_password"
check "--cleanup: the live run goes on" test -d "/proc/$LIVE_PRIV"
kill -TERM "$LIVE_PRIV"
wait "$LIVE_WPID"
eq "the live run ends as asked" "$(jget "$LIVE_STATE" '[.failed,.finished]')" '[true,true]'

# 4. Both die after a log that named 1024 disks of 4 KiB control bytes:
# the largest state a monitor writes (25 MB: each byte is \u00XX) is
# still closed by --cleanup.
NOSNAP=1 start_fg
kill -STOP "$MON"; kill -KILL "$PRIV"; kill -KILL "$MON"
wait "$WPID" 2>/dev/null
check "big state: virt-v2v does not run on" gone "$V2V"
python3 -c '
import json, sys
p = "\x01" * 4096
s = json.load(open(sys.argv[1]))
s["disks"] = [{"path": p, "progress": 50}] * 1024
s["stage"] = p
open(sys.argv[1] + ".big", "w").write(json.dumps(s, separators=(",", ":")))
' "$STATE" && mv "$STATE.big" "$STATE"
note "big state: $(stat -c %s "$STATE") bytes"
eq "big state: --cleanup" "$("$WRAPPER" --cleanup 2>/dev/null)" "1 dead run cleaned up"
eq "big state: closed, its 1024 disks kept" \
    "$(jq -c '[.failed, .finished, .last_message.type, (.disks | length)]' "$STATE")" '[true,true,"error",1024]'
