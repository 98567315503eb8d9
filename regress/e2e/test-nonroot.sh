#!/bin/bash
# SPDX-License-Identifier: ISC
# The same run by a caller that is not root: no user switch, no
# capabilities, the process split kept.  As root the test becomes the
# vdsm user for the run (setpriv); as anyone else it runs as itself.
. "$(dirname "$0")/../lib.sh"

new_env
AS=()
if is_root; then
	ensure_vdsm
	chown -R vdsm:kvm "$T"
	AS=(setpriv --reuid=vdsm --regid=kvm --clear-groups --)
	if ! "${AS[@]}" test -x "$WRAPPER"; then
		skip "non-root run: vdsm cannot reach $WRAPPER (a parent directory is private)"
		exit 0
	fi
fi
USER_UID=$(stat -c %u "$T")

fake --replay "$FIX/v2v/a-plain-local-pipe.out" --hold-at "Copying disk" --go "$T/go"
echo '{"vm_name":"guest","transport_method":"ssh","ssh_key":'"$KEY"',"daemonize":false,
 "export_domain":"'"$T"'/ed","source_disks":["[ds1] guest/guest.vmdk"]}' |
    "${AS[@]}" env HOME="$T" V2V_WRAPPER_LOG_DIR="$T/log" V2V_WRAPPER_RUN_DIR="$T/run" \
    V2V_WRAPPER_VIRT_V2V="$T/virt-v2v" "$WRAPPER" >"$T/out" 2>"$T/err" &
WPID=$!
for _ in $(seq 100); do [ -s "$T/out" ] && break; sleep 0.05; done
STATE=$(jq -r .state_file "$T/out")
check "non-root: started" "$WAITSTATE" "$STATE" 10 started
read -r PRIV MON <<<"$(log_pids "$(jq -r .wrapper_log "$T/out")")"
V2V=$(jget "$STATE" .pid)
for p in "$PRIV" "$MON" "$V2V"; do
	eq "non-root: pid $p runs as the caller" "$(proc_field "$p" Uid | cut -d' ' -f1)" "$USER_UID"
done
eq "non-root: priv has no capabilities" "$(proc_field "$PRIV" CapEff)" 0000000000000000
eq "non-root: monitor NoNewPrivs" "$(proc_field "$MON" NoNewPrivs)" 1
eq "non-root: monitor is priv's child" "$(proc_field "$MON" PPid)" "$PRIV"
eq "non-root: run dir mode" "$(stat -c %a "$(dirname "$STATE")")" 755
touch "$T/go"
check "non-root: finished" "$WAITSTATE" "$STATE" 20 finished
wait "$WPID"
eq "non-root: exit status" $? 0
eq "non-root: return_code" "$(jget "$STATE" .return_code)" 0
eq "non-root: progress" "$(jget "$STATE" '.disks[0].progress')" 100
