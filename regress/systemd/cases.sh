#!/bin/bash
# SPDX-License-Identifier: ISC
# The daemonized path against a real systemd: run by boot.sh, with
# systemctl and systemd-run talking to the container's systemd 252.  No
# stand-in of systemd is in use; virt-v2v is still the fake, replaying a
# real capture.  Cases: start and pid, normal exit, non-zero exit, kill
# by pid, SIGTERM to the wrapper, the monitor killed, CPU limits.
. "$(dirname "$0")/../lib.sh"

[ "${V2VW_SD:-}" = 1 ] || { notok "cases.sh runs inside regress/systemd/boot.sh"; exit 1; }
eq "no systemd stand-in is configured" \
    "${V2V_WRAPPER_SYSTEMD_RUN:-unset}:${V2V_WRAPPER_SYSTEMCTL:-unset}" unset:unset
check "systemd runs" test -d /run/systemd/system
new_env
IN='{"vm_name":"g","transport_method":"vddk","vmware_uri":"esx://h","vmware_fingerprint":"AA",
 "vmware_password":"p","rhv_url":"https://e.example/api","rhv_password":"r","rhv_cluster":"c",
 "rhv_storage":"s","source_disks":["[ds] g/g.vmdk"]'

start() {	# start EXTRA-JSON: sets STATE, UNIT, PRIV, MON, V2V
	snapshot "$T/snap.before"
	"$WRAPPER" >"$T/out" 2>"$T/err" <<<"$IN$1}"
	STATE=$(jq -r .state_file "$T/out")
	UNIT=virt-v2v-$(basename "$(dirname "$STATE")" | sed 's/^v2v-import-//').service
	read -r PRIV MON <<<"$(log_pids "$(jq -r .wrapper_log "$T/out")")"
	"$WAITSTATE" "$STATE" 10 started >/dev/null
	V2V=$(jget "$STATE" .pid)
}
prop() { systemctl show -p "$2" --value "$1"; }
cgroup_of() { sed -n "s/^[0-9]*:$2:\(.*\)/\1/p" "/proc/$1/cgroup"; }
wait_prop() {	# wait_prop UNIT PROP VALUE: up to 10 s
	for _ in $(seq 100); do [ "$(prop "$1" "$2")" = "$3" ] && return 0; sleep 0.1; done
	return 1
}
wait_json() {	# wait_json FILTER VALUE: up to 10 s
	for _ in $(seq 100); do [ "$(jget "$STATE" "$1")" = "$2" ] && return 0; sleep 0.1; done
	return 1
}

# 1. start, pid, cgroup, CPU limits, normal exit
fake --replay "$FIX/v2v/ssh-rhv-plain.log" --hold-at "Copying disk" --go "$T/go"
start ',"throttling":{"cpu":"30%"}'
eq "the unit is loaded" "$(prop "$UNIT" LoadState)" loaded
CG=$(prop "$UNIT" ControlGroup)
eq "its MainPID is the state's pid" "$(prop "$UNIT" MainPID)" "$V2V"
eq "its ControlGroup holds the state's pid" "$(cgroup_of "$V2V" name=systemd)" "$CG"
eq "virt-v2v runs as vdsm" "$(proc_field "$V2V" Uid | cut -d' ' -f1)" "$(id -u vdsm)"
eq "virt-v2v is the fake, exec'd by the helper" "$(readlink "/proc/$V2V/exe")" "$FAKE"
NCG=/sys/fs/cgroup/net_cls/v2v-conversion/${UNIT#virt-v2v-}
NCG=${NCG%.service}
if [ -e /sys/fs/cgroup/net_cls/net_cls.classid ]; then
	check "priv moved the unit's process into the run's net_cls cgroup before virt-v2v ran" \
	    grep -qx "$V2V" "$NCG/cgroup.procs"
else
	skip "the run's net_cls cgroup: no net_cls hierarchy in the container"
fi
check "the input's CPU limit" wait_json .throttling.cpu '"30%"'
eq "... in the unit's cgroup" "$(cat "/sys/fs/cgroup/cpu$CG/cpu.cfs_quota_us")" 30000
printf '{"cpu": "50%%"}' >"$(jq -r .throttling_file "$T/out")"
check "a new CPU limit from the throttling file" wait_json .throttling.cpu '"50%"'
eq "... in the unit's cgroup" "$(cat "/sys/fs/cgroup/cpu$CG/cpu.cfs_quota_us")" 50000
printf '{"cpu": "unlimited"}' >"$(jq -r .throttling_file "$T/out")"
check "unlimited" wait_json .throttling.cpu '"unlimited"'
eq "... clears the quota" "$(prop "$UNIT" CPUQuotaPerSecUSec)" infinity
check "... and no cgroup limits the CPU" test ! -e "/sys/fs/cgroup/cpu$CG/cpu.cfs_quota_us" -o \
    "$(cat "/sys/fs/cgroup/cpu$CG/cpu.cfs_quota_us" 2>/dev/null)" = -1
touch "$T/go"
check "normal exit: finished" "$WAITSTATE" "$STATE" 20 finished
eq "normal exit: return_code 0, not failed" "$(jget "$STATE" '[.return_code, has("failed")]')" '[0,false]'
eq "normal exit: progress" "$(jget "$STATE" '.disks[0].progress')" 100
check "normal exit: the unit is gone" wait_prop "$UNIT" LoadState not-found
check "normal exit: the run's net_cls cgroup is gone" test ! -e "$NCG"
clean_after "normal exit" "$T/snap.before"

# 2. non-zero exit
fake --replay "$FIX/v2v/ssh-badkey.log" --mr "$FIX/v2v/ssh-badkey.mr.json" --rc 1
start ''
check "exit 1: finished" "$WAITSTATE" "$STATE" 20 finished
eq "exit 1: return_code 1, failed" "$(jget "$STATE" '[.return_code,.failed]')" '[1,true]'
check "exit 1: virt-v2v's error" grep -q 'virt-v2v error' <<<"$(jget "$STATE" .last_message.message)"
check "exit 1: the failed unit is reset" wait_prop "$UNIT" LoadState not-found
clean_after "exit 1" "$T/snap.before"

# 3. kill by pid
fake --replay "$FIX/v2v/ssh-rhv-plain.log" --hold-at "Copying disk" --go "$T/never"
start ''
MS=$(kill_and_time KILL "$V2V" "$STATE")
check "kill -9: finished within 2 s of virt-v2v's exit (${MS:-never} ms)" \
    test -n "$MS" -a "${MS:-99999}" -le 2000
eq "kill -9: return_code -9, failed" "$(jget "$STATE" '[.return_code,.failed]')" '[-9,true]'
check "kill -9: the unit is gone" wait_prop "$UNIT" LoadState not-found
clean_after "kill -9" "$T/snap.before"

# 4. SIGTERM to the wrapper
start ''
kill -TERM "$PRIV"
check "SIGTERM: finished" "$WAITSTATE" "$STATE" 20 finished
eq "SIGTERM: failed, why" "$(jget "$STATE" '[.failed,.last_message.message]')" \
    '[true,"the conversion was stopped: the wrapper received SIGTERM"]'
check "SIGTERM: the unit is gone" wait_prop "$UNIT" LoadState not-found
check "SIGTERM: virt-v2v is gone" test ! -d "/proc/$V2V"
clean_after "SIGTERM" "$T/snap.before"

# 5. the monitor killed
start ''
kill -KILL "$MON"
check "monitor killed: finished" "$WAITSTATE" "$STATE" 40 finished
eq "monitor killed: failed, why" "$(jget "$STATE" '[.failed,.last_message.message]')" \
    '[true,"the monitor process ended unexpectedly; the conversion was stopped"]'
check "monitor killed: the unit is gone" wait_prop "$UNIT" LoadState not-found
check "monitor killed: nothing private left" test ! -e "$(dirname "$STATE").private"
clean_after "monitor killed" "$T/snap.before"

# 6. priv killed: the conversion unit is bound to the wrapper's scope, so
# systemd stops virt-v2v once the wrapper's processes are gone.
fake --replay "$FIX/v2v/ssh-rhv-plain.log" --hold-at "Copying disk" --go "$T/never"
start ''
SCOPE=virt-v2v-wrapper-${UNIT#virt-v2v-}
SCOPE=${SCOPE%.service}.scope
eq "priv and the monitor are in the wrapper's scope" \
    "$(cgroup_of "$PRIV" name=systemd) $(cgroup_of "$MON" name=systemd)" \
    "/system.slice/$SCOPE /system.slice/$SCOPE"
eq "the conversion unit is bound to it" "$(prop "$UNIT" BindsTo)" "$SCOPE"
kill -KILL "$PRIV"
check "priv killed: the monitor records it" "$WAITSTATE" "$STATE" 10 finished
eq "priv killed: failed" "$(jget "$STATE" .failed)" true
stopped() {	# the unit no longer has a main process
	for _ in $(seq 100); do [ "$(prop "$UNIT" MainPID)" = 0 ] && return 0; sleep 0.1; done
	return 1
}
check "priv killed: systemd stops the conversion" stopped
for _ in $(seq 100); do [ -d "/proc/$V2V" ] || break; sleep 0.1; done
check "priv killed: virt-v2v does not run on" test ! -d "/proc/$V2V"
eq "--cleanup then removes the rest" "$("$WRAPPER" --cleanup 2>/dev/null)" "1 dead run cleaned up"
check "--cleanup: nothing private left" test ! -e "$(dirname "$STATE").private"
clean_after "priv killed, then --cleanup" "$T/snap.before"
