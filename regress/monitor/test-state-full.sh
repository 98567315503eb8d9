#!/bin/bash
# SPDX-License-Identifier: ISC
# The state directory full (a small tmpfs): a write that fails keeps the
# previous state file, is logged once, and the final state arrives once
# there is room again.
. "$(dirname "$0")/../lib.sh"

if ! is_root; then
	skip "full state directory: needs root (mounts a tmpfs)"
	exit 0
fi
ensure_vdsm
new_env
mount -t tmpfs -o size=256k,mode=0755 v2vw-full "$T/run" || { notok "mount a tmpfs"; exit 1; }
trap 'umount -l "$T/run"; cleanup_env' EXIT
fake --replay "$FIX/v2v/a-plain-local-pipe.out" --delay-us 20000 \
    --hold-at "Copying disk" --go "$T/go"
"$WRAPPER" >"$T/out" 2>"$T/err" <<<'{"vm_name":"g","transport_method":"vddk","vmware_uri":"esx://h",
 "vmware_fingerprint":"AA","vmware_password":"p","daemonize":false,"export_domain":"'"$T"'/ed",
 "source_disks":["[ds] g/g.vmdk"]}' &
WPID=$!
for _ in $(seq 100); do [ -s "$T/out" ] && break; sleep 0.05; done
STATE=$(jq -r .state_file "$T/out")
WLOG=$(jq -r .wrapper_log "$T/out")
"$WAITSTATE" "$STATE" 10 started >/dev/null
for _ in $(seq 50); do
	[ "$(jget "$STATE" .stage)" = '"Copying disk 1/1"' ] && break; sleep 0.05; done
BEFORE=$(cat "$STATE")
# Fill what is left of the tmpfs.
dd if=/dev/zero of="$T/run/filler" bs=4k 2>/dev/null
touch "$T/go"
for _ in $(seq 100); do grep -q 'writing the state file' "$WLOG" && break; sleep 0.05; done
check "a failed write is logged" grep -q 'writing the state file: No space left on device' "$WLOG"
eq "the previous state file is intact" "$(cat "$STATE")" "$BEFORE"
rm -f "$T/run/filler"
check "the final state arrives once there is room" "$WAITSTATE" "$STATE" 10 finished
wait "$WPID"
eq "the run succeeded" $? 0
eq "logged once" "$(grep -c 'writing the state file:' "$WLOG")" 1
eq "no temporary file is left" "$(ls -A "$(dirname "$STATE")")" state.json
