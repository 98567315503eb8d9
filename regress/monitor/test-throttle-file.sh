#!/bin/bash
# SPDX-License-Identifier: ISC
# The throttling file as a caller (or an attacker in the kvm group)
# writes it into a running conversion's run directory: read once
# complete, removed after reading, never followed, never blocking.
. "$(dirname "$0")/../lib.sh"

is_root && ensure_vdsm
new_env
fake --replay "$FIX/v2v/a-plain-local-pipe.out" --hold-at "Copying disk" --go "$T/go"
echo '{"vm_name":"guest","transport_method":"ssh","ssh_key":'"$KEY"',"daemonize":false,
 "export_domain":"'"$T"'/ed"}' | "$WRAPPER" >"$T/out" 2>"$T/err" &
WPID=$!
for _ in $(seq 100); do [ -s "$T/out" ] && break; sleep 0.05; done
STATE=$(jq -r .state_file "$T/out")
THR=$(jq -r .throttling_file "$T/out")
"$WAITSTATE" "$STATE" 10 started >/dev/null

# A valid cpu limit: read, removed, and priv's answer recorded (a direct
# child has no systemd unit: unavailable, a warning, never a failure).
printf '{"cpu": "50%%"}' >"$THR"
check "valid file: answered" wait_msg "cpu throttling is not available"
check "valid file: removed after reading" wait_gone "$THR"
eq "valid file: a warning, not an error" "$(jget "$STATE" .last_message.type)" '"warning"'
eq "valid file: limit not recorded as applied" "$(jget "$STATE" .throttling.cpu)" null

# Bad values are named; the rest still goes to priv.
printf '{"cpu": "lots", "network": "2048"}' >"$THR"
check "bad cpu value: answered for network" wait_msg "network throttling is not available"
check "bad cpu value: logged" grep -q 'cpu: expected a whole percentage' "$(jq -r .wrapper_log "$T/out")"

# Not JSON.
printf 'cpu=50' >"$THR"
check "not JSON: warning" wait_msg "not a JSON object"

# A symlink to a file the monitor must not read or remove.
echo secret >"$T/target"
ln -s "$T/target" "$THR.tmp" && mv -T "$THR.tmp" "$THR"
check "symlink: warning" wait_msg "a symbolic link, ignored"
check "symlink: removed" wait_gone "$THR"
eq "symlink: target untouched" "$(cat "$T/target")" secret

# A FIFO must not block the monitor.
mkfifo "$T/fifo" && mv -T "$T/fifo" "$THR"
check "FIFO: warning" wait_msg "not a regular file"
check "FIFO: removed" wait_gone "$THR"

# Too big.
head -c 100000 /dev/zero | tr '\0' ' ' >"$T/big" && mv -T "$T/big" "$THR"
check "100 kB file: warning" wait_msg "larger than 65536 bytes"

# Still alive and parsing after all that.
touch "$T/go"
check "run finishes" "$WAITSTATE" "$STATE" 20 finished
wait "$WPID"
eq "run succeeded" $? 0
eq "progress 100" "$(jget "$STATE" '.disks[0].progress')" 100
