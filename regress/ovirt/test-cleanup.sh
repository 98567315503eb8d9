#!/bin/bash
# SPDX-License-Identifier: ISC
# What a failed or killed rhv-upload leaves in the engine, removed by the
# real oVirt API client before the final state, against the engine
# stand-in:
#  - ids from the log (no source_disks): a disk still in a transfer (the
#    transfer is cancelled, then the disk removed) and one not, both
#    virt-v2v's; a logged id of a disk that is not virt-v2v's, and one
#    in another domain, are left alone; a disk never named is untouched;
#  - ids of our own (source_disks, -oo rhv-disk-uuid), killed with
#    SIGTERM as ManageIQ cancels: removed whatever their description;
#  - a successful run asks the engine nothing after the lookup;
#  - an engine gone by then: the run still ends, with virt-v2v's error.
# While the client works the state is not finished, the password file
# exists and the password is in no process's argv or environment; after
# the run it is in no log, state or URL, and no process of the run is left.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/engine.sh"

is_root && ensure_vdsm
new_env
trap 'engine_stop; cleanup_env' EXIT
export V2V_WRAPPER_API=$TOP/virt-v2v-wrapper-api
mkdir -m 1777 "$T/box"
if ! engine_certs; then
	notok "openssl makes the test CA"
	exit 1
fi
SD=5d1a0a21-0000-4000-8000-000000000001	# iscsi1
OTHER_SD=5d1a0a21-0000-4000-8000-000000000003
D1=d15c0001-0000-4000-8000-000000000001 D2=d15c0001-0000-4000-8000-000000000002
D3=d15c0001-0000-4000-8000-000000000003 D4=d15c0001-0000-4000-8000-000000000004
D5=d15c0001-0000-4000-8000-000000000005
D6=d15c0001-0000-4000-8000-000000000006	# stays locked: a cleanup that waits
T1=7a000001-0000-4000-8000-000000000001

# A real capture of virt-v2v 2.2 -v -x (ssh input) cut after its setup,
# with the lines rhv-upload prints there added (as 2.x prints them:
# reference/upstream-behaviour.md), a part of the copy, and an error.
failed_log() {
	local L=$FIX/v2v/ssh-rhv-vx.log i
	sed -n '1,3817p' "$L"
	# The guest's or the source's words before the destination: more
	# ids than the list holds, all to be ignored.
	for i in $(seq 70); do
		printf "disk.id = '%08x-0000-4000-8000-00000000cccc'\n" "$i"
	done
	sed -n '3818p' "$L"
	[ $# -gt 0 ] && printf "disk.id = '%s'\n" "$@"
	sed -n '3819,4100p' "$L"
	echo "virt-v2v: error: nbdcopy command failed to copy the input disk to the target"
}

# failed_mr: virt-v2v's machine-readable log of that failure.
failed_mr() {
	printf '%s\n' '{ "message": "Setting up the destination: -o rhv-upload -os iscsi1", "timestamp": "2026-11-28T01:04:00.469040891+00:00", "type": "message" }' \
	    '{ "message": "nbdcopy command failed to copy the input disk to the target", "timestamp": "2026-11-28T01:04:00.665601953+00:00", "type": "error" }' \
	    >"$T/failed.mr"
}

# fake_upload OPTS...: virt-v2v that, as rhv-upload does, makes one disk
# in the engine for each -oo rhv-disk-uuid=ID (in iscsi1, locked, with a
# description that is not virt-v2v's), then acts as the fake with OPTS.
fake_upload() {
	{
		echo '#!/bin/bash'
		echo 'ids=()'
		echo 'for a in "$@"; do case $a in rhv-disk-uuid=*) ids+=("${a#*=}");; esac; done'
		echo 'if [ ${#ids[@]} -gt 0 ]; then'
		printf '\tprintf "%%s\\n" "${ids[@]}" | jq -R '"'"'{id: ., description: "made by rhv-upload", domain: "%s", status: "ok"}'"'"' | jq -s . >%q && mv %q %q\n' \
		    "$SD" "$T/box/new" "$T/box/new" "$T/box/inbox"
		echo 'fi'
		printf 'exec %q' "$FAKE"
		printf ' %q' "$@"
		echo ' -- "$@"'
	} >"$T/virt-v2v"
	chmod 755 "$T/virt-v2v"
}

# world [FILTER]: the engine's disks, then FILTER (jq) over the world.
world() {
	engine_world "$T/world.json"
	jq --arg sd "$SD" --arg osd "$OTHER_SD" --arg d1 "$D1" --arg d2 "$D2" \
	    --arg d3 "$D3" --arg d4 "$D4" --arg d5 "$D5" --arg t1 "$T1" \
	    --arg d6 "$D6" '
	  .disks = [
	    {id: $d1, description: "Uploaded by virt-v2v", domain: $sd, status: "locked"},
	    {id: $d2, description: "Uploaded by virt-v2v", domain: $sd, status: "ok"},
	    {id: $d3, description: "production database", domain: $sd, status: "ok"},
	    {id: $d4, description: "Uploaded by virt-v2v", domain: $osd, status: "ok"},
	    {id: $d5, description: "Uploaded by virt-v2v", domain: $sd, status: "ok"}] |
	  .transfers = [{id: $t1, disk: $d1}] | '"${1:-.}" "$T/world.json" >"$T/w" &&
	    mv "$T/w" "$T/world.json"
}

# The requests of the cleanup: everything after the lookup's revocation.
cleanup_recs() { awk 'seen { print } /sso-logout/ && !seen { seen = 1 }' "$REC"; }
removed() { jq -c '.removed // [] | sort' "$W"; }
left() { jq -c '[.disks[].id] | sort' "$W"; }

# no_secret NAME: the password is nowhere it must not be.
no_secret() {
	check "$1: the password is in no log, state or run file" \
	    bash -c '! grep -rqF -- "$1" "$2/log" "$2/run"' _ "$ENGINE_PW" "$T"
	check "$1: the password is in no URL the engine saw" \
	    bash -c '! grep -qF -- "$(jq -rn --arg p "$1" '"'"'$p|@uri'"'"')" "$2"' _ "$ENGINE_PW" "$REC"
	eq "$1: while the client worked, never in argv or environment" \
	    "$(jq -s '[.[] | select(.pw_in_proc)] | length' "$REC")" 0
	check "$1: the secrets are gone" bash -c '! ls -d "$1"/run/*.private/secrets 2>/dev/null | grep -q .' _ "$T"
}

# run_daemon INPUT: start it, as ManageIQ does; sets OUT, STATE, WLOG.
run_daemon() {
	OUT=$("$WRAPPER" 2>"$T/err" <<<"$1")
	STATE=$(jq -r .state_file <<<"$OUT")
	WLOG=$(jq -r .wrapper_log <<<"$OUT")
}

fresh() {
	find "$T/run" "$T/log" "$T/box" -mindepth 1 -delete
	rm -f "$T/go"
	engine_stop
	world "$@"
	engine_start "$T/world.json" || notok "the engine stand-in starts"
}

# --- ids from the log, a failed run ---
fresh
failed_log "$D1" "$D2" "$D3" "$D4" "$D1" >"$T/failed.log"
failed_mr
fake_upload --replay "$T/failed.log" --mr "$T/failed.mr" --rc 1
run_daemon "$(rhv_input iscsi1 '{"daemonize":true}')"
"$WAITSTATE" "$STATE" 60 finished >/dev/null ||
    notok "logged ids: the state says finished within 60 s"
eq "logged ids: failed" "$(jq -c '[.failed, .return_code]' "$STATE")" '[true,1]'
eq "logged ids: last_message is virt-v2v's error" "$(jq -r .last_message.message "$STATE")" \
    "virt-v2v error: nbdcopy command failed to copy the input disk to the target"
eq "logged ids: virt-v2v's two disks are removed" "$(removed)" \
    "$(jq -nc --arg a "$D1" --arg b "$D2" '[$a,$b] | sort')"
eq "logged ids: the transfer of the one still uploading was cancelled" \
    "$(jq -c '.cancelled' "$W")" "[\"$T1\"]"
eq "logged ids: left alone: another's disk, one in another domain, one never named" \
    "$(left)" "$(jq -nc --arg a "$D3" --arg b "$D4" --arg c "$D5" '[$a,$b,$c] | sort')"
cancel_at=$(jq -s "[.[] | select(.path | endswith(\"/$T1/cancel\")) | .time] | .[0]" "$REC")
delete_at=$(jq -s "[.[] | select(.method == \"DELETE\" and (.path | endswith(\"/$D1\"))) | .time] | .[0]" "$REC")
check "logged ids: the transfer is cancelled before its disk is removed" \
    within "$delete_at" "$cancel_at" 1e12
eq "logged ids: nothing of D3, D4, D5 was deleted" \
    "$(cleanup_recs | jq -s "[.[] | select(.method == \"DELETE\" and (.path | test(\"$D3|$D4|$D5\")))] | length")" 0
eq "logged ids: no request said finished was written yet" \
    "$(cleanup_recs | jq -s '[.[] | select(.finished)] | length')" 0
eq "logged ids: the password file was there for every request" \
    "$(cleanup_recs | jq -s '[.[] | select(.pwfile | not)] | length')" 0
check "logged ids: the cleanup asked with the token" \
    test "$(cleanup_recs | jq -s '[.[] | select(.path | contains("/api/")) | .bearer] | all')" = true
eq "logged ids: the cleanup's token was revoked" "$(jq .revoked "$W")" 2
check "logged ids: the ids of before the destination were not taken" \
    grep -q "(4 disk ids from the log)" "$WLOG"
check "logged ids: the wrapper log says what was removed" \
    grep -q "cleanup: disk $D2 removed" "$WLOG"
check "logged ids: and what was left alone, and why" \
    grep -q "disk $D3 named in the log is not one virt-v2v uploaded to iscsi1: left alone" "$WLOG"
no_secret "logged ids"
API_PID=$(sed -n 's/.*oVirt API client for the cleanup, pid \([0-9]*\)$/\1/p' "$WLOG")
check "logged ids: the API client is gone" test -n "$API_PID" -a ! -e "/proc/$API_PID"

# --- ids of our own, killed as ManageIQ cancels ---
fresh
failed_log >"$T/failed.log"
fake_upload --replay "$T/failed.log" --hold-at "Copying disk" --go "$T/go" --rc 0
run_daemon "$(rhv_input iscsi1 '{"daemonize":true,"allocation":"preallocated",
  "source_disks":["[ds1] vm1/vm1.vmdk","[ds1] vm1/vm1_1.vmdk"]}')"
"$WAITSTATE" "$STATE" 30 pid >/dev/null
for _ in $(seq 200); do
	grep -q '"stage":"Copying disk' "$STATE" && break
	sleep 0.05
done
IDS=$(tr '\0' '\n' <"/proc/$(jq .pid "$STATE")/cmdline" |
    sed -n 's/^rhv-disk-uuid=//p' | sort | jq -Rsc 'split("\n") | map(select(. != ""))')
eq "own ids: one -oo rhv-disk-uuid a source disk" "$(jq length <<<"$IDS")" 2
kill -TERM "$(jq .pid "$STATE")"
"$WAITSTATE" "$STATE" 60 finished >/dev/null ||
    notok "own ids: the state says finished within 60 s"
eq "own ids: failed" "$(jq -c .failed "$STATE")" true
eq "own ids: both removed, though their description is not virt-v2v's" \
    "$(removed)" "$IDS"
eq "own ids: the other disks are left" "$(left)" \
    "$(jq -nc --arg a "$D1" --arg b "$D2" --arg c "$D3" --arg d "$D4" --arg e "$D5" '[$a,$b,$c,$d,$e] | sort')"
no_secret "own ids"

# --- cancelled while the disks go: the state names the API client ---
# virt-v2v's pid is free once it ended, and a caller that cancels kills
# the state's pid (TERM, then KILL a minute later unless finished).
fresh '.disks += [{id: $d6, description: "Uploaded by virt-v2v", domain: $sd, status: "locked"}]'
failed_log "$D2" "$D6" >"$T/failed.log"
failed_mr
fake_upload --replay "$T/failed.log" --mr "$T/failed.mr" --rc 1
run_daemon "$(rhv_input iscsi1 '{"daemonize":true}')"
API_PID=$(sed -n 's/.*oVirt API client for the cleanup, pid \([0-9]*\)$/\1/p' "$WLOG")
"$WAITSTATE" "$STATE" 60 pid "${API_PID:-0}" >/dev/null ||
    notok "cancelled: the state's pid becomes the API client's ($API_PID)"
eq "cancelled: that pid is the cleanup client" \
    "$(tr '\0' ' ' <"/proc/$API_PID/cmdline" | awk '{ print $2 }')" cleanup
eq "cancelled: running as the conversion user" "$(stat -c %U "/proc/$API_PID")" \
    "$(if is_root; then echo vdsm; else id -un; fi)"
eq "cancelled: not finished while it works" "$(jq -c .finished "$STATE")" null
# Cancelled once D2 is gone and D6, locked, is what it waits for.
for _ in $(seq 300); do
	grep -q "cleanup: disk $D2 removed" "$WLOG" && break
	sleep 0.05
done
kill -TERM "$(jq .pid "$STATE")"
"$WAITSTATE" "$STATE" 30 finished >/dev/null ||
    notok "cancelled: the state says finished within 30 s of the TERM"
eq "cancelled: failed, with virt-v2v's error" \
    "$(jq -c '[.failed, .last_message.message]' "$STATE")" \
    '[true,"virt-v2v error: nbdcopy command failed to copy the input disk to the target"]'
check "cancelled: the client says it stopped, and what is left" \
    grep -q "cleanup: stopped on SIGTERM; disks left: 1" "$WLOG"
check "cancelled: it names the disk left" \
    grep -q "cleanup: disk $D6 left (stopped on SIGTERM)" "$WLOG"
eq "cancelled: the disk it could remove is removed, the locked one left" \
    "$(removed)" "[\"$D2\"]"
eq "cancelled: its token was still revoked" "$(jq .revoked "$W")" 2
check "cancelled: the API client is gone" test ! -e "/proc/$API_PID"
no_secret "cancelled"

# --- cancelled while it asks a slow engine about logged ids ---
# 20 ids at a second a look: the cancel must not wait for them all (the
# caller's KILL a minute later would leave the token valid).
fresh '.disk_get_delay = 1'
failed_mr
failed_log $(for i in $(seq 20); do printf 'e1e1e1e1-0000-4000-8000-%012d ' "$i"; done) >"$T/failed.log"
fake_upload --replay "$T/failed.log" --mr "$T/failed.mr" --rc 1
run_daemon "$(rhv_input iscsi1 '{"daemonize":true}')"
API_PID=$(sed -n 's/.*oVirt API client for the cleanup, pid \([0-9]*\)$/\1/p' "$WLOG")
"$WAITSTATE" "$STATE" 60 pid "${API_PID:-0}" >/dev/null ||
    notok "slow engine: the state's pid becomes the API client's"
kill -TERM "$API_PID"
"$WAITSTATE" "$STATE" 8 finished >/dev/null ||
    notok "slow engine: finished within 8 s of the TERM, not 20 looks later"
check "slow engine: the client stopped on the TERM" \
    grep -q "cleanup: stopped on SIGTERM" "$WLOG"
check "slow engine: ids not looked at are named as left" \
    grep -q "cleanup: disk e1e1e1e1-0000-4000-8000-000000000020 left (stopped on SIGTERM)" "$WLOG"
eq "slow engine: its token was still revoked" "$(jq .revoked "$W")" 2
no_secret "slow engine"

# --- the client dies early: the password stays for virt-v2v ---
fresh
fake_upload --replay "$FIX/v2v/ssh-rhv-vx.log" --hold-at "Copying disk" --go "$T/go" --rc 0
run_daemon "$(rhv_input iscsi1 '{"daemonize":true,"allocation":"sparse"}')"
"$WAITSTATE" "$STATE" 30 pid >/dev/null
API_PID=$(sed -n 's/.*oVirt API client for the cleanup, pid \([0-9]*\)$/\1/p' "$WLOG")
kill -KILL "$API_PID"
for _ in $(seq 200); do
	grep -q "the oVirt API client ended early" "$WLOG" && break
	sleep 0.05
done
check "client killed: priv says so" grep -q "the oVirt API client ended early" "$WLOG"
check "client killed: the password is there while virt-v2v runs" \
    bash -c 'ls "$1"/run/*.private/secrets/rhv_password >/dev/null 2>&1' _ "$T"
touch "$T/go"
"$WAITSTATE" "$STATE" 60 finished >/dev/null ||
    notok "client killed: the state says finished within 60 s"
eq "client killed: the run succeeds" "$(jq -c '[.failed, .return_code]' "$STATE")" '[null,0]'
no_secret "client killed"

# --- a successful run ---
fresh
fake_upload --replay "$FIX/v2v/ssh-rhv-vx.log" --rc 0
run_daemon "$(rhv_input iscsi1 '{"daemonize":true,"source_disks":["[ds1] vm1/vm1.vmdk"]}')"
"$WAITSTATE" "$STATE" 60 finished >/dev/null ||
    notok "success: the state says finished within 60 s"
eq "success: return_code 0" "$(jq -c '[.failed, .return_code]' "$STATE")" '[null,0]'
eq "success: after the lookup, the engine was asked nothing" "$(cleanup_recs | wc -l)" 0
eq "success: nothing removed" "$(removed)" '[]'
no_secret "success"

# --- the engine is gone by the time of the cleanup ---
fresh
failed_log "$D1" >"$T/failed.log"
fake_upload --replay "$T/failed.log" --mr "$T/failed.mr" --hold-at "Copying disk" --go "$T/go" --rc 1
rm -f "$T/go"
run_daemon "$(rhv_input iscsi1 '{"daemonize":true,"allocation":"sparse"}')"
"$WAITSTATE" "$STATE" 30 pid >/dev/null
engine_stop
touch "$T/go"
"$WAITSTATE" "$STATE" 60 finished >/dev/null ||
    notok "engine gone: the state says finished within 60 s"
eq "engine gone: last_message is still virt-v2v's error" \
    "$(jq -r .last_message.message "$STATE")" \
    "virt-v2v error: nbdcopy command failed to copy the input disk to the target"
check "engine gone: the wrapper log says the cleanup did not complete" \
    grep -q "removing the failed upload's disks did not complete" "$WLOG"
check "engine gone: the password file is gone" \
    bash -c '! ls "$1"/run/*.private/secrets/rhv_password 2>/dev/null | grep -q .' _ "$T"
