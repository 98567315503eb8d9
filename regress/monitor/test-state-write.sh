#!/bin/bash
# SPDX-License-Identifier: ISC
# A state write that fails (here: the run directory made read-only
# mid-run) keeps the previous file intact, is logged once, and is
# retried: the final state still arrives once the directory is writable.
. "$(dirname "$0")/../lib.sh"

is_root && ensure_vdsm
new_env
fake --replay "$FIX/v2v/a-plain-local-pipe.out" --delay-us 20000 \
    --hold-at "Copying disk" --go "$T/go"
"$WRAPPER" >"$T/out" 2>"$T/err" <<<'{"vm_name":"g","transport_method":"ssh","ssh_key":'"$KEY"',
 "daemonize":false,"export_domain":"'"$T"'/ed","source_disks":["[ds] g/g.vmdk"]}' &
WPID=$!
for _ in $(seq 100); do [ -s "$T/out" ] && break; sleep 0.05; done
STATE=$(jq -r .state_file "$T/out")
WLOG=$(jq -r .wrapper_log "$T/out")
RUNDIR=$(dirname "$STATE")
"$WAITSTATE" "$STATE" 10 started >/dev/null
# Let the stage line of the hold reach the file, then freeze it.
for _ in $(seq 50); do
	[ "$(jget "$STATE" .stage)" = '"Copying disk 1/1"' ] && break; sleep 0.05; done
BEFORE=$(cat "$STATE")
chmod 555 "$RUNDIR"
touch "$T/go"
# The first failed write is logged; wait for that line.
for _ in $(seq 100); do
	grep -q 'writing the state file' "$WLOG" && break; sleep 0.05; done
check "a failed write is logged" grep -q 'monitor.*writing the state file: Permission denied' "$WLOG"
eq "the previous state file is intact" "$(cat "$STATE")" "$BEFORE"
eq "no temporary file is left behind" "$(ls -A "$RUNDIR")" state.json
sleep 0.5
eq "logged once, not per line" "$(grep -c 'writing the state file' "$WLOG")" 1
chmod 770 "$RUNDIR"	# the ACL mask back to rwx
check "the final state arrives once writable again" "$WAITSTATE" "$STATE" 10 finished
wait "$WPID"
eq "the run succeeded" $? 0
eq "final progress" "$(jget "$STATE" '.disks[0].progress')" 100
check "recovery is logged" grep -q 'the state file is written again' "$WLOG"
