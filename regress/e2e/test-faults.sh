#!/bin/bash
# SPDX-License-Identifier: ISC
# Faults of virt-v2v's output and of the host during a run: hostile
# bytes (a 10 MB line, NUL bytes, invalid UTF-8), a virt-v2v that says
# nothing, the log directory removed mid-run.  Each ends in a valid,
# finished state, never a crash or a hang.
. "$(dirname "$0")/../lib.sh"

is_root && ensure_vdsm
new_env
IN='{"vm_name":"g","transport_method":"vddk","vmware_uri":"esx://h","vmware_fingerprint":"AA",
 "vmware_password":"p","export_domain":"'$T'/ed","daemonize":false,"source_disks":["[ds] g/g.vmdk"]}'

run() {
	"$WRAPPER" >"$T/out" 2>"$T/err" <<<"$IN"
	RC=$?
	STATE=$(jq -r .state_file "$T/out")
}

# Hostile bytes: a 10 MB line, NUL bytes, invalid UTF-8 in a stage and
# in a warning, then a normal copy.
{
	printf '[   1.0] Inspecting \xff\xfe the \x00 source\n'
	head -c 10000000 /dev/zero | tr '\0' 'A'
	printf '\nvirt-v2v: warning: bad \xc3\x28 byte\n'
	printf '[   2.0] Copying disk 1/1\n\xe2\x96\x90  50%% [***]\r'
	printf '\xe2\x96\x88 100%% [****]\n[   3.0] Finishing off\n'
} >"$T/hostile.out"
fake --replay "$T/hostile.out"
run
eq "hostile output: exit 0" "$RC" 0
valid_json() { jq -e . "$1" >/dev/null; }
check "hostile output: the state is valid JSON" valid_json "$STATE"
check "hostile output: it is valid UTF-8" iconv -f UTF-8 -t UTF-8 "$STATE" -o /dev/null
eq "hostile output: the bad warning, with U+FFFD" "$(jget "$STATE" '.warnings[0]')" '"bad �( byte"'
eq "hostile output: progress after the 10 MB line" "$(jget "$STATE" '.disks[0].progress')" 100
eq "hostile output: finished, not failed" "$(jget "$STATE" '[.finished, has("failed")]')" '[true,false]'

# A virt-v2v that prints nothing and exits 0.
printf '' >"$T/empty.out"
fake --replay "$T/empty.out"
run
eq "silent virt-v2v: exit 0" "$RC" 0
eq "silent virt-v2v: started, return_code 0, finished" \
    "$(jget "$STATE" '[.started,.return_code,.finished]')" '[true,0,true]'
eq "silent virt-v2v: no stage" "$(jget "$STATE" 'has("stage")')" false

# The log directory removed mid-run: the processes hold their files.
fake --replay "$FIX/v2v/a-plain-local-pipe.out" --hold-at "Copying disk" --go "$T/go"
rm -f "$T/out"	# the last run's line must not be read as this one's
"$WRAPPER" >"$T/out" 2>"$T/err" <<<"$IN" &
WPID=$!
for _ in $(seq 100); do [ -s "$T/out" ] && break; sleep 0.05; done
STATE=$(jq -r .state_file "$T/out")
"$WAITSTATE" "$STATE" 10 started >/dev/null
rm -rf "$T/log"
touch "$T/go"
check "log directory removed: finished" "$WAITSTATE" "$STATE" 20 finished
wait "$WPID"
eq "log directory removed: the run still succeeded" $? 0
eq "log directory removed: progress" "$(jget "$STATE" '.disks[0].progress')" 100
mkdir -m 755 "$T/log"
