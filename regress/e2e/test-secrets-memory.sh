#!/bin/bash
# SPDX-License-Identifier: ISC
# No secret of the input stays in the memory of the wrapper's own
# processes while virt-v2v runs (issue 13, finding 6): the readable
# mappings of priv (the parent that became it) and of the monitor are
# searched for the VMware and oVirt passwords, a LUKS key and a piece of
# the ssh key.  virt-v2v, nbdkit and ssh-agent hold secrets by design
# and are not searched.
. "$(dirname "$0")/../lib.sh"

if ! is_root; then
	skip "memory of the wrapper's processes: needs root (/proc/PID/mem)"
	exit 0
fi
if [ "${SANITIZE:-}" = 1 ]; then
	skip "memory of the wrapper's processes: ASan's shadow memory is terabytes (the plain build is searched)"
	exit 0
fi
ensure_vdsm
new_env
MEMSCAN=$TOP/regress/tools/memscan
VMW=vmw-$RANDOM$RANDOM-$$ RHV=rhv-$RANDOM$RANDOM-$$ LUKS=luks-$RANDOM$RANDOM-$$
printf '{"g": [{"device": "/dev/sda1", "key": "%s"}]}' "$LUKS" >"$T/vault"
chmod 600 "$T/vault"
# A piece from the middle of the private key's base64 body.
SSHPIECE=$(sed -n 3p "$T/id" | cut -c5-44)

# scan_run NAME INPUT TOKENS...: hold the run, search priv and monitor.
scan_run() {
	local name=$1 input=$2 out=$T/out.$1 pids p; shift 2
	printf '%s\n' "$@" >"$T/tokens.$name"
	fake --replay "$FIX/v2v/a-plain-local-pipe.out" --hold-at "Copying disk" --go "$T/go.$name"
	echo "$input" | "$WRAPPER" >"$out" 2>"$T/err.$name" &
	for _ in $(seq 100); do [ -s "$out" ] && break; sleep 0.05; done
	"$WAITSTATE" "$(jq -r .state_file "$out")" 10 started >/dev/null
	pids=$(log_pids "$(jq -r .wrapper_log "$out")")
	eq "$name: priv and monitor found" "$(wc -w <<<"$pids")" 2
	for p in $pids; do
		"$MEMSCAN" "$p" "$T/tokens.$name" >"$T/scan.$name.$p"
		eq "$name: no secret in the memory of $(tr '\0' ' ' </proc/$p/cmdline | cut -c1-40) (pid $p)" \
		    "$(grep "^found" "$T/scan.$name.$p")" ""
	done
	touch "$T/go.$name"
	wait
}

scan_run vddk '{"vm_name":"g","transport_method":"vddk","vmware_uri":"esx://h",
 "vmware_fingerprint":"AA","vmware_password":"'"$VMW"'","daemonize":false,
 "rhv_url":"https://engine.example/ovirt-engine/api","rhv_password":"'"$RHV"'",
 "rhv_cluster":"c","rhv_storage":"s","luks_keys_vault":"'"$T"'/vault"}' \
    "$VMW" "$RHV" "$LUKS"
scan_run ssh '{"vm_name":"g","transport_method":"ssh","ssh_key":'"$KEY"',
 "daemonize":false,"export_domain":"'"$T"'/ed"}' "$SSHPIECE"
# The scanner finds what is there.
bash -c 'sleep 3; :' holder "$VMW" & P=$!
sleep 0.3
check "the scanner finds a password in a process that holds it" \
    sh -c "! '$MEMSCAN' $P '$T/tokens.vddk' >/dev/null"
wait
