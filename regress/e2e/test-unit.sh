#!/bin/bash
# SPDX-License-Identifier: ISC
# The daemonized path through a systemd unit, against stand-ins of
# systemd-run and systemctl (regress/fake/fake-systemd.sh): the unit's
# name and argv, MainPID as the state's pid, the end read from systemd's
# answer, CPU limits through set-property, kill by pid, SIGTERM, and the
# unit removed afterwards.  The real systemd: regress/systemd/.
. "$(dirname "$0")/../lib.sh"

is_root && ensure_vdsm
new_env
fake_systemd
IN='{"vm_name":"g","transport_method":"vddk","vmware_uri":"esx://h","vmware_fingerprint":"AA",
 "vmware_password":"p","export_domain":"'$T'/ed","source_disks":["[ds] g/g.vmdk"]'

# start EXTRA-JSON: a daemonized run; sets STATE, WLOG, PRIV, UNIT.
start() {
	"$WRAPPER" >"$T/out" 2>"$T/err" <<<"$IN$1}"
	eq "started daemonized" $? 0
	STATE=$(jq -r .state_file "$T/out") WLOG=$(jq -r .wrapper_log "$T/out")
	read -r PRIV _ <<<"$(log_pids "$WLOG")"
	UNIT=virt-v2v-$(basename "$(dirname "$STATE")" | sed 's/^v2v-import-//').service
}

fake --replay "$FIX/v2v/a-plain-local-pipe.out" --hold-at "Copying disk" --go "$T/go"
start ',"throttling":{"cpu":"150%"}'
check "unit run: started" "$WAITSTATE" "$STATE" 10 started
V2V=$(jget "$STATE" .pid)
eq "the state's pid is the unit's MainPID" "$V2V" "$(cat "$T/sd/$UNIT.pid")"
eq "it is virt-v2v (the fake), exec'd by the helper" "$(readlink "/proc/$V2V/exe")" "$FAKE"
check "it is not priv's child" test "$(proc_field "$V2V" PPid)" != "$PRIV"
eq "its stdout is the v2v log" "$(readlink "/proc/$V2V/fd/1")" "$(jq -r .v2v_log "$T/out")"
eq "its descriptor 3 is the machine-readable log" "$(readlink "/proc/$V2V/fd/3")" \
    "$(jq -r .v2v_log "$T/out" | sed 's/\.log$/-mr.log/')"
eq "its environment is the built one" "$(tr '\0' '\n' <"/proc/$V2V/environ" | sort | tr '\n' ' ')" \
    "$(printf '%s\n' LC_ALL=C LANG=C PATH=/usr/sbin:/usr/bin:/sbin:/bin "HOME=$(getent passwd root | cut -d: -f6)" \
    LIBGUESTFS_BACKEND=direct PWD=/ | sort | tr '\n' ' ')"
check "no systemd warning in last_message" test "$(jget "$STATE" .last_message)" = null
for _ in $(seq 50); do [ "$(jget "$STATE" .throttling.cpu)" = '"150%"' ] && break; sleep 0.1; done
eq "the input's CPU limit applied through the unit" "$(jget "$STATE" .throttling.cpu)" '"150%"'
check "as CPUQuota, at runtime" grep -q -- '--runtime CPUQuota=150%' "$T/sd/$UNIT.props"
printf '{"cpu": "unlimited"}' >"$(jq -r .throttling_file "$T/out")"
for _ in $(seq 50); do [ "$(jget "$STATE" .throttling.cpu)" = '"unlimited"' ] && break; sleep 0.1; done
eq "unlimited clears the quota" "$(jget "$STATE" .throttling.cpu)" '"unlimited"'
check "as an empty CPUQuota" grep -qx -- '--runtime CPUQuota=' "$T/sd/$UNIT.props"
touch "$T/go"
check "unit run: finished" "$WAITSTATE" "$STATE" 20 finished
eq "unit run: return_code 0" "$(jget "$STATE" .return_code)" 0
eq "unit run: no failed" "$(jget "$STATE" 'has("failed")')" false
eq "unit run: progress" "$(jget "$STATE" '.disks[0].progress')" 100
check "the unit was stopped and reset" grep -q "^reset-failed $UNIT" "$T/sd/calls"
check "its name is free again" test ! -e "$T/sd/$UNIT.pid"
check "the systemd-run argv named the unit" grep -q "unit $UNIT started" "$WLOG"

# The caller kills the pid: -9, failed, within the run's own time.
rm -f "$T/go"
start ''
"$WAITSTATE" "$STATE" 10 started >/dev/null
MS=$(kill_and_time KILL "$(jget "$STATE" .pid)" "$STATE")
check "kill -9: finished within 2 s of virt-v2v's exit (${MS:-never} ms)" \
    test -n "$MS" -a "${MS:-99999}" -le 2000
eq "kill -9: return_code -9" "$(jget "$STATE" .return_code)" -9
eq "kill -9: failed" "$(jget "$STATE" .failed)" true
check "kill -9: unit removed" test ! -e "$T/sd/$UNIT.pid"

# SIGTERM to priv: the unit is killed through systemctl.
start ''
"$WAITSTATE" "$STATE" 10 started >/dev/null
kill -TERM "$PRIV"
check "SIGTERM: finished" "$WAITSTATE" "$STATE" 20 finished
eq "SIGTERM: the reason" "$(jget "$STATE" .last_message.message)" \
    '"the conversion was stopped: the wrapper received SIGTERM"'
check "SIGTERM: through systemctl kill" grep -q "^kill $UNIT --signal=15" "$T/sd/calls"
eq "SIGTERM: virt-v2v's own status (it exits 1 on TERM)" "$(jget "$STATE" .return_code)" 1

# systemd-run refuses (a name in use): failed before any start.
start_refused() {
	touch "$T/sd/virt-v2v-refuse.pid"
}
printf '#!/bin/sh\necho "Failed to start transient service unit: Access denied" >&2\nexit 1\n' >"$T/systemd-run"
start ''
check "systemd-run fails: finished" "$WAITSTATE" "$STATE" 10 finished
eq "systemd-run fails: not started" "$(jget "$STATE" 'has("started")')" false
check "systemd-run fails: its words in last_message" \
    grep -q 'could not be started: systemd-run failed: Failed to start transient service unit: Access denied' \
    <<<"$(jget "$STATE" .last_message.message)"
check "systemd-run fails: nothing private left" test ! -e "$(dirname "$STATE").private"
