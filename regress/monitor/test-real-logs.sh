#!/bin/bash
# SPDX-License-Identifier: ISC
# The logs of real virt-v2v 2.2 runs that make check-real recorded
# (regress/fixtures/real/), replayed through the whole wrapper: the
# final state has the values a reader expects from them (CASE.json,
# written by hand from the logs), so a parser change that breaks real
# output fails here, in seconds.
. "$(dirname "$0")/../lib.sh"

is_root && ensure_vdsm
new_env
R=$FIX/real
for j in "$R"/*.json; do
	c=$(basename "$j" .json)
	rc=$(jq -r '.state.return_code // 0' "$j")
	fake --replay "$R/$(jq -r .log "$j")" --mr "$R/$(jq -r .mr_log "$j")" --rc "$rc"
	"$WRAPPER" >"$T/out" 2>"$T/err" <<<'{"vm_name":"ssh://root@127.0.0.1/vmfs/volumes/v2vw-ds/v2vw-guest/v2vw-guest.vmx",
	    "transport_method":"vddk","vmware_uri":"esx://h","vmware_fingerprint":"AA",
	    "vmware_password":"p","export_domain":"'"$T"'/ed","daemonize":false}'
	STATE=$(jq -r .state_file "$T/out")
	for k in $(jq -r '.state | keys[]' "$j"); do
		eq "$c: $k" "$(jget "$STATE" ".$k")" "$(jq -c ".state.$k" "$j")"
	done
	for k in $(jq -r '.absent[]' "$j"); do
		eq "$c: no $k" "$(jget "$STATE" "has(\"$k\")")" false
	done
done
