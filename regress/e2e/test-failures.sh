#!/bin/bash
# SPDX-License-Identifier: ISC
# How runs end when they do not succeed: virt-v2v's own failure, a
# signal that kills it, an exec that fails, the caller killing the pid,
# and SIGTERM to the wrapper.  Each ends in the state file, never a hang.
. "$(dirname "$0")/../lib.sh"

is_root && ensure_vdsm
new_env
IN='{"vm_name":"guest","transport_method":"ssh","ssh_key":'"$KEY"',"daemonize":false,
 "export_domain":"'"$T"'/ed","source_disks":["[ds1] guest/guest.vmdk"]}'

# start_fg: run the wrapper in the foreground in the background of the
# test; sets WPID, STATE.
start_fg() {
	snapshot "$T/snap.before"
	rm -f "$T/out"	# the last run's line must not be read as this one's
	echo "$IN" | "$WRAPPER" >"$T/out" 2>"$T/err" &
	WPID=$!
	for _ in $(seq 100); do [ -s "$T/out" ] && break; sleep 0.05; done
	STATE=$(jq -r .state_file "$T/out")
}

finish_fg() {
	local d=$1 want=$2 rc
	"$WAITSTATE" "$STATE" 20 finished >/dev/null
	wait "$WPID"; rc=$?
	eq "$d: exit status" $rc "$want"
	clean_after "$d" "$T/snap.before"
}

# 1. virt-v2v fails on its own: exit 1 and an error in the mr file.
fake --replay "$FIX/v2v/ssh-badkey.log" --mr "$FIX/v2v/ssh-badkey.mr.json" --rc 1
start_fg
finish_fg "exit 1" 2
eq "exit 1: return_code" "$(jget "$STATE" .return_code)" 1
eq "exit 1: failed" "$(jget "$STATE" .failed)" true
eq "exit 1: finished" "$(jget "$STATE" .finished)" true
eq "exit 1: last_message is virt-v2v's error" "$(jget "$STATE" .last_message.type)" '"error"'
check "exit 1: last_message carries the text" \
    grep -q 'virt-v2v error: could not copy the VMX file' <<<"$(jget "$STATE" .last_message.message)"

# 2. virt-v2v killed by a signal it does not catch: -N.
fake --replay "$FIX/v2v/a-plain-local-pipe.out" --kill 9
start_fg
finish_fg "SIGKILL" 2
eq "SIGKILL: return_code -9" "$(jget "$STATE" .return_code)" -9
eq "SIGKILL: message" "$(jget "$STATE" .last_message.message)" '"virt-v2v was killed by SIGKILL"'

# 3. exec fails after the probe passed: a virt-v2v that answers the
# probe and then takes away its own execute bit.
cat >"$T/virt-v2v" <<EOF
#!/bin/sh
chmod a-x "\$0"
exec $FAKE -- "\$@"
EOF
chmod 755 "$T/virt-v2v"
start_fg
finish_fg "exec failure" 2
eq "exec failure: no started" "$(jget "$STATE" 'has("started")')" false
eq "exec failure: no return_code" "$(jget "$STATE" 'has("return_code")')" false
eq "exec failure: failed" "$(jget "$STATE" .failed)" true
check "exec failure: message says why" \
    grep -q 'could not be started: Permission denied' <<<"$(jget "$STATE" .last_message.message)"

# A virt-v2v that cannot run at all is found by the probe, before
# anything is made.
printf '#!/nonexistent/interpreter\n' >"$T/virt-v2v"
chmod 755 "$T/virt-v2v"
n=$(ls "$T/run" | wc -l)
echo "$IN" | "$WRAPPER" >"$T/out" 2>"$T/err"
eq "unrunnable virt-v2v: exit 1" $? 1
check "unrunnable virt-v2v: message" grep -q 'could not get virt-v2v capabilities' "$T/err"
eq "unrunnable virt-v2v: nothing new in the run directory" "$(ls "$T/run" | wc -l)" "$n"

# 4. the caller kills virt-v2v by the pid in the state file (TERM: it
# exits 1 like virt-v2v does).
fake --replay "$FIX/v2v/a-plain-local-pipe.out" --hold-at "Copying disk" --go "$T/never"
start_fg
"$WAITSTATE" "$STATE" 10 started >/dev/null
MS=$(kill_and_time TERM "$(jget "$STATE" .pid)" "$STATE")
check "kill by pid: finished within 2 s of virt-v2v's exit (${MS:-never} ms)" \
    test -n "$MS" -a "${MS:-99999}" -le 2000
finish_fg "kill by pid" 2
eq "kill by pid: return_code 1" "$(jget "$STATE" .return_code)" 1
eq "kill by pid: failed" "$(jget "$STATE" .failed)" true

# 5. SIGTERM to the wrapper (priv): virt-v2v stopped, reason recorded.
fake --replay "$FIX/v2v/a-plain-local-pipe.out" --hold-at "Copying disk" --go "$T/never"
start_fg
"$WAITSTATE" "$STATE" 10 started >/dev/null
V2V=$(jget "$STATE" .pid)
kill -TERM "$WPID"
finish_fg "SIGTERM to the wrapper" 2
eq "SIGTERM: failed" "$(jget "$STATE" .failed)" true
eq "SIGTERM: message" "$(jget "$STATE" .last_message.message)" \
    '"the conversion was stopped: the wrapper received SIGTERM"'
check "SIGTERM: virt-v2v is gone" test ! -d "/proc/$V2V"
check "SIGTERM: no secrets or lock left" test ! -e "$(dirname "$STATE").private"

# 6. SIGHUP and SIGPIPE are ignored by priv and the monitor.
fake --replay "$FIX/v2v/a-plain-local-pipe.out" --hold-at "Copying disk" --go "$T/go6"
start_fg
"$WAITSTATE" "$STATE" 10 started >/dev/null
read -r PRIV MON <<<"$(log_pids "$(jq -r .wrapper_log "$T/out")")"
kill -HUP "$PRIV" "$MON"; kill -PIPE "$PRIV" "$MON"
touch "$T/go6"
finish_fg "SIGHUP and SIGPIPE" 0
eq "SIGHUP and SIGPIPE: the run succeeded" "$(jget "$STATE" '[.return_code, has("failed")]')" '[0,false]'
