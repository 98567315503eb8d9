#!/bin/bash
# SPDX-License-Identifier: ISC
# virtio_win and install_drivers against an ISO domain tree made here:
# the best ISO by priority and numeric version, a bare name looked up in
# the domain, nothing found as a warning, and --checks.
. "$(dirname "$0")/../lib.sh"

is_root && ensure_vdsm
new_env
fake
ISO=$T/iso
D=$ISO/nfs.example:_iso/3b1f0c4e-0000-4000-8000-000000000001
mkdir -p "$D/dom_md" "$D/images/11111111-1111-1111-1111-111111111111"
printf 'CLASS=Iso\nDESCRIPTION=iso\n' >"$D/dom_md/metadata"
I=$D/images/11111111-1111-1111-1111-111111111111
touch "$I/virtio-win-0.1.240.iso" "$I/RHV-toolsSetup_4.9_1.iso" \
    "$I/RHV-toolsSetup_4.10_1.iso" "$I/oVirt-toolsSetup_4.4-1.iso"
export V2V_WRAPPER_ISO_ROOT=$ISO
BASE='"vm_name":"g","transport_method":"vddk","vmware_uri":"esx://h","vmware_fingerprint":"AA","vmware_password":"p","export_domain":"'$T'/ed"'

virtio() { "$WRAPPER" -n 2>"$T/err" | jq -r '.env[] | select(startswith("VIRTIO_WIN="))'; }

eq "install_drivers: the best ISO (4.10 is newer than 4.9)" \
    "$(virtio <<<"{$BASE,\"install_drivers\":true}")" "VIRTIO_WIN=$I/RHV-toolsSetup_4.10_1.iso"
eq "a bare virtio_win name is found in the ISO domain" \
    "$(virtio <<<"{$BASE,\"virtio_win\":\"virtio-win-0.1.240.iso\"}")" "VIRTIO_WIN=$I/virtio-win-0.1.240.iso"
eq "no drivers asked for: no VIRTIO_WIN" "$(virtio <<<"{$BASE}")" ""
eq "install_drivers false: no VIRTIO_WIN" "$(virtio <<<"{$BASE,\"install_drivers\":false}")" ""

eq "--checks" "$("$WRAPPER" --checks | tr '\n' ' ')" "rhv-guest-tools rhv-version "
"$WRAPPER" --check-rhv-guest-tools >"$T/out" 2>/dev/null
eq "--check-rhv-guest-tools with an ISO: exit 0" $? 0
eq "--check-rhv-guest-tools prints the ISO" "$(cat "$T/out")" "$I/RHV-toolsSetup_4.10_1.iso"
V2V_WRAPPER_ISO_ROOT=$T/ed "$WRAPPER" --check-rhv-guest-tools >/dev/null 2>&1
eq "--check-rhv-guest-tools without an ISO domain: exit 1" $? 1

# Nothing to install from: a warning in the state, not a failure.
rm -f "$I"/*.iso
"$WRAPPER" >"$T/out" 2>"$T/err" <<<"{$BASE,\"install_drivers\":true,\"daemonize\":false}"
eq "no ISO found: the run succeeds" $? 0
STATE=$(jq -r .state_file "$T/out")
eq "no ISO found: a warning in last_message" "$(jget "$STATE" .last_message.type)" '"warning"'
check "no ISO found: it says so" grep -qi 'iso' <<<"$(jget "$STATE" .last_message.message)"
check "no ISO found: finished" test "$(jget "$STATE" .finished)" = true
