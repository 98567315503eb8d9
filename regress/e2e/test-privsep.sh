#!/bin/bash
# SPDX-License-Identifier: ISC
# End to end as root: the real binary, a fake virt-v2v replaying a real
# capture and held mid-copy, and the kernel's view of the three processes
# while it runs (/proc), then the final state.  Daemonized and foreground.
. "$(dirname "$0")/../lib.sh"

if ! is_root; then
	skip "end-to-end privilege separation: needs root (user switch, capabilities)"
	exit 0
fi
ensure_vdsm
VDSM_UID=$(id -u vdsm) KVM_GID=$(getent group kvm | cut -d: -f3)
# CAP_KILL is bit 5, CAP_NET_ADMIN bit 12.
PRIV_CAPS=0000000000001020
ZERO_CAPS=0000000000000000

# The kernel's facts about the running processes.
check_procs() {
	local mode=$1 pids priv mon v2v
	pids=$(log_pids "$WLOG")
	priv=${pids% *} mon=${pids#* }
	v2v=$(jget "$STATE" .pid)
	if [ -z "$pids" ] || [ ! -d "/proc/$priv" ] || [ ! -d "/proc/$mon" ]; then
		if [ "$(jget "$STATE" .finished)" != true ]; then
			notok "$mode: priv ($priv) and monitor ($mon) alive while not finished"
			return
		fi
	fi
	eq "$mode: priv runs the wrapper binary" "$(readlink "/proc/$priv/exe")" "$WRAPPER"
	eq "$mode: monitor runs the wrapper binary" "$(readlink "/proc/$mon/exe")" "$WRAPPER"
	eq "$mode: monitor is priv's child" "$(proc_field "$mon" PPid)" "$priv"
	eq "$mode: virt-v2v is priv's child" "$(proc_field "$v2v" PPid)" "$priv"
	eq "$mode: monitor Uid" "$(proc_field "$mon" Uid)" "$VDSM_UID $VDSM_UID $VDSM_UID $VDSM_UID"
	eq "$mode: monitor Gid" "$(proc_field "$mon" Gid)" "$KVM_GID $KVM_GID $KVM_GID $KVM_GID"
	eq "$mode: monitor Groups" "$(proc_field "$mon" Groups)" "$KVM_GID"
	for c in CapEff CapPrm CapBnd CapAmb CapInh; do
		eq "$mode: monitor $c empty" "$(proc_field "$mon" $c)" $ZERO_CAPS
	done
	eq "$mode: monitor NoNewPrivs" "$(proc_field "$mon" NoNewPrivs)" 1
	eq "$mode: monitor under a seccomp filter" "$(proc_field "$mon" Seccomp)" 2
	eq "$mode: the conversion user cannot ptrace the monitor" \
	    "$(setpriv --reuid=vdsm --regid=kvm --clear-groups "$TOP/regress/tools/tryptrace" "$mon")" EPERM
	eq "$mode: the conversion user cannot ptrace priv" \
	    "$(setpriv --reuid=vdsm --regid=kvm --clear-groups "$TOP/regress/tools/tryptrace" "$priv")" EPERM
	eq "$mode: priv Uid 0" "$(proc_field "$priv" Uid)" "0 0 0 0"
	eq "$mode: priv CapEff" "$(proc_field "$priv" CapEff)" $PRIV_CAPS
	eq "$mode: priv CapPrm" "$(proc_field "$priv" CapPrm)" $PRIV_CAPS
	eq "$mode: priv CapBnd" "$(proc_field "$priv" CapBnd)" $PRIV_CAPS
	eq "$mode: virt-v2v runs as the conversion user" \
	    "$(proc_field "$v2v" Uid)" "$CONV_UID $CONV_UID $CONV_UID $CONV_UID"
	eq "$mode: virt-v2v is the fake" "$(readlink "/proc/$v2v/exe")" "$FAKE"
	if [ "$mode" = daemon ]; then
		check "$mode: priv is not the caller's child" \
		    test "$(proc_field "$priv" PPid)" != $$
	fi
	check_api "$mode" "$priv"
}

# rhv-upload: the oVirt cleanup client waits as the conversion user,
# with nothing of root's, for priv's orders.
check_api() {
	local mode=$1 priv=$2 api
	api=$(sed -n 's/.*oVirt API client for the cleanup, pid \([0-9]*\)$/\1/p' "$WLOG")
	[ -n "$api" ] || return 0
	eq "$mode: the API client is priv's child" "$(proc_field "$api" PPid)" "$priv"
	eq "$mode: the API client runs the client" "$(readlink "/proc/$api/exe")" \
	    "$(realpath "$V2V_WRAPPER_API")"
	eq "$mode: the API client Uid" "$(proc_field "$api" Uid)" \
	    "$CONV_UID $CONV_UID $CONV_UID $CONV_UID"
	eq "$mode: the API client Groups" "$(proc_field "$api" Groups)" "$KVM_GID"
	for c in CapEff CapPrm CapAmb CapInh; do
		eq "$mode: the API client $c empty" "$(proc_field "$api" $c)" $ZERO_CAPS
	done
	eq "$mode: the API client environment" \
	    "$(tr '\0' ' ' <"/proc/$api/environ" | sed 's/ASAN_OPTIONS=[^ ]* //; s/UBSAN_OPTIONS=[^ ]* //')" "LC_ALL=C "
	eq "$mode: the API client holds no descriptor beyond 0-2" \
	    "$(ls "/proc/$api/fd" | sort -n | tr '\n' ' ')" "0 1 2 "
}

# The descriptors a process holds (from 3 up), as link targets with the
# run's paths made generic: exactly the ones it needs.
fds_of() {
	local f
	for f in /proc/"$1"/fd/*; do
		[ "${f##*/}" -ge 3 ] && readlink "$f"
	done | sed -e "s|$T|T|g" -e 's|v2v-import-[0-9T]*-[0-9]*|RUN|g' \
	    -e "s|^${CG2:-/nonexistent}/|CG2/|" -e 's|v2v-conversion/[0-9T]*-[0-9]*$|v2v-conversion/TAG|' \
	    -e 's|socket:\[[0-9]*\]|socket|' -e 's|pipe:\[[0-9]*\]|pipe|' |
	    sort | tr '\n' ' '
}

check_fds() {
	local mode=$1 pids priv mon
	pids=$(log_pids "$WLOG")
	priv=${pids% *} mon=${pids#* }
	local want="T/log/RUN-wrapper.log T/run T/run/RUN T/run/RUN.private T/run/RUN.private/lock T/run/RUN.private/secrets socket "
	# A daemonized run steered on cgroup v2: its cgroup and the parent.
	grep -q "network limits: cgroup v2" "$WLOG" &&
	    want="CG2/v2v-conversion CG2/v2v-conversion/TAG $want"
	# rhv-upload: the orders of the disk cleanup client, until given.
	grep -q "oVirt API client for the cleanup" "$WLOG" &&
	    want="${want% socket } pipe socket "
	eq "$mode: priv holds only what it needs" "$(fds_of "$priv")" "$want"
	eq "$mode: the monitor holds only what it needs" "$(fds_of "$mon")" \
	    "T/log/RUN-mr.log T/log/RUN-wrapper.log T/log/RUN.log T/run/RUN anon_inode:inotify socket "
	eq "$mode: the monitor's stdin, stdout and stderr are /dev/null" \
	    "$(readlink "/proc/$mon/fd/0") $(readlink "/proc/$mon/fd/1") $(readlink "/proc/$mon/fd/2")" \
	    "/dev/null /dev/null /dev/null"
}

# The final state, byte for byte where it is known.
check_final() {
	local mode=$1
	check "$mode: finished" "$WAITSTATE" "$STATE" 20 finished
	eq "$mode: final keys in contract order" "$(jget "$STATE" 'keys_unsorted')" \
	    "$WANT_KEYS"
	eq "$mode: disks" "$(jget "$STATE" .disks)" '[{"path":"[ds1] guest/guest.vmdk","progress":100}]'
	eq "$mode: return_code" "$(jget "$STATE" .return_code)" 0
	eq "$mode: no failed key" "$(jget "$STATE" 'has("failed")')" false
	check "$mode: no trailing newline" test "$(tail -c 1 "$STATE" | od -An -c | tr -d ' ')" = '}'
	check "$mode: secrets, lock and agent are gone" test ! -e "$RUNDIR.private"
	eq "$mode: run dir holds only the state" "$(ls -A "$RUNDIR")" state.json
}

# Secrets: random tokens, looked for with grep -f so that no argv of
# ours carries them.
TOKENS=$(mktemp /tmp/v2vw-tokens.XXXXXX)
VMW_TOKEN=vmw-$RANDOM$RANDOM-$$ RHV_TOKEN=rhv-$RANDOM$RANDOM-$$
LUKS_TOKEN=luks-$RANDOM$RANDOM-$$
printf '%s\n%s\n%s\n' "$VMW_TOKEN" "$RHV_TOKEN" "$LUKS_TOKEN" >"$TOKENS"

check_secrets_running() {
	local mode=$1 f
	if [ "$mode" = daemon ]; then
		f=$RUNDIR.private/secrets/vmware_password
		eq "$mode: secret file owner and mode" "$(stat -c '%U %a' "$f")" "vdsm 400"
		eq "$mode: secret file holds the bare value" "$(od -An -c "$f" | tr -d ' \n')" \
		    "$(printf %s "$VMW_TOKEN" | od -An -c | tr -d ' \n')"
		eq "$mode: secrets directory" "$(stat -c '%U:%G %a' "$RUNDIR.private/secrets")" "root:root 710"
		eq "$mode: secrets directory ACL" "$(getfacl -cp "$RUNDIR.private/secrets" | grep '^user:[a-z]' | tr '\n' ' ')" "user:vdsm:--x "
		eq "$mode: private directory" "$(stat -c '%U:%G %a' "$RUNDIR.private")" "root:root 711"
		eq "$mode: LUKS key file" "$(stat -c '%U %a %s' "$RUNDIR.private/secrets/luks_key_0")" \
		    "vdsm 400 ${#LUKS_TOKEN}"
		check "$mode: virt-v2v got --key for it" grep -qzx \
		    "/dev/sda1:file:$RUNDIR.private/secrets/luks_key_0" "/proc/$(jget "$STATE" .pid)/cmdline"
	fi
	eq "$mode: no process has a secret in its argv or environment" \
	    "$(cat /proc/[0-9]*/cmdline /proc/[0-9]*/environ 2>/dev/null | tr '\0' '\n' | grep -cFf "$TOKENS")" 0
}

check_secrets_gone() {
	local mode=$1
	eq "$mode: no file the run left holds a secret" \
	    "$(grep -rlFf "$TOKENS" "$T/log" "$T/run" | wc -l)" 0
}

# run_case MODE INPUT: start, inspect while held, release, check the end.
run_case() {
	local mode=$1 input=$2 out=$T/stdout.$1 rc
	fake --replay "$FIX/v2v/a-plain-local-pipe.out" --hold-at "Copying disk" \
	    --go "$T/go.$mode"
	if [ "$mode" = daemon ]; then
		echo "$input" | "$WRAPPER" >"$out" 2>"$T/stderr.$mode"
		eq "daemon: first process exits 0" $? 0
	else
		echo "$input" | "$WRAPPER" >"$out" 2>"$T/stderr.$mode" &
		WPID=$!
	fi
	# The stdout line comes first; wait for it without sleeping blind.
	for _ in $(seq 100); do [ -s "$out" ] && break; sleep 0.05; done
	eq "$mode: stdout is one line" "$(wc -l <"$out")" 1
	eq "$mode: stdout keys" "$(jq -c keys_unsorted "$out")" \
	    '["v2v_log","wrapper_log","state_file","throttling_file"]'
	STATE=$(jq -r .state_file "$out") WLOG=$(jq -r .wrapper_log "$out")
	RUNDIR=$(dirname "$STATE")
	check "$mode: state file exists when stdout is printed" test -f "$STATE"
	check "$mode: started" "$WAITSTATE" "$STATE" 10 started
	if [ "$mode" = daemon ] && [ ! -d /run/systemd/system ]; then
		eq "daemon without systemd: a warning says what that means" \
		    "$(jget "$STATE" .last_message)" \
		    '{"message":"no running systemd: virt-v2v runs as a direct child and cpu throttling is unavailable","type":"warning"}'
	fi
	check "$mode: virt-v2v log is the conversion user's" \
	    test "$(stat -c %u "$(jq -r .v2v_log "$out")")" = "$CONV_UID"
	eq "$mode: run dir owner and mode" "$(stat -c '%U:%G %a' "$RUNDIR")" "root:root 770"
	eq "$mode: run dir ACL: the monitor's user" "$(getfacl -cp "$RUNDIR" | grep '^user:vdsm:')" "user:vdsm:rwx"
	eq "$mode: wrapper log mode" "$(stat -c '%U %a' "$WLOG")" "root 644"
	check_procs "$mode"
	check_fds "$mode"
	check_secrets_running "$mode"
	touch "$T/go.$mode"
	check_final "$mode"
	check_secrets_gone "$mode"
	if [ "$mode" = foreground ]; then
		wait "$WPID"; rc=$?
		eq "foreground: exit status 0" $rc 0
	fi
	check "$mode: wrapper log names priv and monitor" test -n "$(log_pids "$WLOG")"
	eq "$mode: every wrapper log line has time, process (the API client's too) and level" \
	    "$(grep -cvE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{3}Z (parent|priv|monitor|api)\[[0-9]+\] (debug|info|warning|fatal): ' "$WLOG")" 0
	check "$mode: lines of priv and of the monitor are in the log" \
	    grep -q ' monitor\[.*final state written' "$WLOG"
}

new_env
# The real oVirt API client: it waits for orders, and here gets none.
export V2V_WRAPPER_API=$TOP/virt-v2v-wrapper-api
printf '{"guest": [{"device": "/dev/sda1", "key": "%s"}]}' "$LUKS_TOKEN" >"$T/vault"
chmod 600 "$T/vault"
# rhv-upload: virt-v2v runs as vdsm.
CONV_UID=$VDSM_UID
K='"started","pid","stage","disks","disk_count","throttling","warnings"'
# No systemd here: the daemon says so in last_message (a warning).
if [ -d /run/systemd/system ]; then
	WANT_KEYS="[$K,\"return_code\",\"finished\"]"
else
	WANT_KEYS="[$K,\"last_message\",\"return_code\",\"finished\"]"
fi
run_case daemon '{"vm_name":"guest","transport_method":"vddk",
 "vmware_uri":"esx://root@192.0.2.1?no_verify=1","vmware_password":"'"$VMW_TOKEN"'",
 "vmware_fingerprint":"01:02","rhv_url":"https://engine.example/ovirt-engine/api",
 "rhv_password":"'"$RHV_TOKEN"'","rhv_cluster":"Default","rhv_storage":"data","allocation":"sparse",
 "luks_keys_vault":"'"$T"'/vault","source_disks":["[ds1] guest/guest.vmdk"]}'
# export domain: virt-v2v runs as root, the monitor still as vdsm.
CONV_UID=0
WANT_KEYS="[$K,\"return_code\",\"finished\"]"
run_case foreground '{"vm_name":"guest","transport_method":"ssh","ssh_key":'"$KEY"',"daemonize":false,
 "export_domain":"'"$T"'/ed","source_disks":["[ds1] guest/guest.vmdk"]}'
rm -f "$TOKENS"
