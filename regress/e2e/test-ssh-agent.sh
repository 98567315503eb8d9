#!/bin/bash
# SPDX-License-Identifier: ISC
# The ssh transport with the real ssh-agent and ssh-add: the agent runs
# as the conversion user and holds the key, virt-v2v gets its socket, the
# key's file is gone at once, and nothing is left at the end.  A key that
# ssh-add refuses ends the run as failed before virt-v2v starts.
. "$(dirname "$0")/../lib.sh"

is_root && ensure_vdsm
new_env
CONV=$(id -u)
is_root && CONV=$(id -u vdsm)
# rhv-upload output, so that as root virt-v2v (and the agent) run as vdsm.
OUT='"rhv_url":"https://e.example/api","rhv_password":"p","rhv_cluster":"c","rhv_storage":"s"'
SSH='"vm_name":"ssh://root@esxi/vmfs/volumes/ds/vm/vm.vmx","transport_method":"ssh"'

fake --replay "$FIX/v2v/ssh-rhv-plain.log" --hold-at "Copying disk" --go "$T/go"
"$WRAPPER" >"$T/out" 2>"$T/err" <<<"{$SSH,\"ssh_key\":$KEY,$OUT}"
eq "daemonized start" $? 0
STATE=$(jq -r .state_file "$T/out")
PRIV=$(dirname "$STATE").private
check "started" "$WAITSTATE" "$STATE" 10 started
V2V=$(jget "$STATE" .pid)
SOCK=$(tr '\0' '\n' <"/proc/$V2V/environ" | sed -n 's/^SSH_AUTH_SOCK=//p')
eq "virt-v2v has the run's agent socket" "$SOCK" "$PRIV/agent/agent.sock"
AGENT=$(pgrep -f "ssh-agent -D -a $SOCK")
check "an ssh-agent runs for the run" test -n "$AGENT"
eq "the agent runs as the conversion user" "$(proc_field "$AGENT" Uid | cut -d' ' -f1)" "$CONV"
eq "the agent holds the key" "$(SSH_AUTH_SOCK=$SOCK ssh-add -l | awk '{print $2}')" \
    "$(ssh-keygen -lf "$T/id" | awk '{print $2}')"
check "the key file is gone once the agent has it" test ! -e "$PRIV/secrets/ssh_key"
eq "agent directory: the conversion user's, private" "$(stat -c '%u %a' "$PRIV/agent")" "$CONV 700"
KEYBODY=$(sed -n 2p "$T/id")
printf '%s\n' "$KEYBODY" >"$T/tokens"
eq "no process has the key in its argv or environment" \
    "$(cat /proc/[0-9]*/cmdline /proc/[0-9]*/environ 2>/dev/null | tr '\0' '\n' | grep -cFf "$T/tokens")" 0
touch "$T/go"
check "finished" "$WAITSTATE" "$STATE" 20 finished
eq "succeeded" "$(jget "$STATE" 'has("failed")')" false
for _ in $(seq 50); do [ -d "/proc/$AGENT" ] || break; sleep 0.1; done
check "the agent is gone" test ! -d "/proc/$AGENT"
check "its socket and the private directory are gone" test ! -e "$PRIV"
eq "no file the run left holds the key" "$(grep -rlFf "$T/tokens" "$T/log" "$T/run" | wc -l)" 0

# A key ssh-add refuses: failed, finished, why; virt-v2v never started.
"$WRAPPER" >"$T/out" 2>"$T/err" <<<"{$SSH,\"ssh_key\":\"not a key\",$OUT,\"daemonize\":false}"
eq "bad key: exit status 2" $? 2
STATE=$(jq -r .state_file "$T/out")
eq "bad key: failed and finished" "$(jget "$STATE" '[.failed,.finished]')" '[true,true]'
check "bad key: the reason" grep -q 'could not add the SSH key to the agent' <<<"$(jget "$STATE" .last_message.message)"
eq "bad key: virt-v2v never started" "$(jget "$STATE" 'has("started")')" false
check "bad key: nothing private left" test ! -e "$(dirname "$STATE").private"
check "bad key: no agent left" test -z "$(pgrep -f "ssh-agent -D -a $(dirname "$STATE").private")"

# Daemonized, the same failure still reaches the caller as a state.
"$WRAPPER" >"$T/out" 2>"$T/err" <<<"{$SSH,\"ssh_key\":\"not a key\",$OUT}"
eq "bad key, daemonized: the first process exits 0" $? 0
STATE=$(jq -r .state_file "$T/out")
eq "bad key, daemonized: failed and finished" "$(jget "$STATE" '[.failed,.finished]')" '[true,true]'
