#!/bin/bash
# SPDX-License-Identifier: ISC
# The virt-v2v command line and environment, word for word, through -n
# (which creates and starts nothing).  The vectors are upstream's
# (fixtures/upstream/test_v2v_args.py and test_rhv.py), changed only
# where this wrapper deliberately differs:
#   --password-file FILE      -> -ip FILE (gone from virt-v2v 2.8)
#   --machine-readable=file:P -> file:/dev/fd/3 (never a path for root)
#   -oa from allocation, or for rhv-upload from the storage domain's
#       type, which the oVirt API client looks up (here lib.sh's
#       stand-in client, which says nfs: sparse; regress/ovirt runs the
#       real one)
# and a real conversion checks that -n shows what really runs.
. "$(dirname "$0")/../lib.sh"

is_root && ensure_vdsm
new_env
fake --argv-out "$T/argv.out"
export LIBGUESTFS_BACKEND_SETTINGS=force_tcg LIBGUESTFS_BACKEND=libvirt
export LANGUAGE=de FOO_SECRET=nope

# dry INPUT: the -n output; also checks that nothing was created.
dry() {
	"$WRAPPER" -n >"$T/dry" 2>"$T/err"
	local rc=$?
	[ $rc -eq 0 ] || note "-n failed: $(cat "$T/err")"
	[ -z "$(ls -A "$T/run" "$T/log" | grep -v ':$')" ] || notok "-n created files"
	return $rc
}
argv() { jq -c '.argv[1:]' "$T/dry"; }
envv() { jq -c '.env' "$T/dry"; }

PRIV_RE="$T/run/v2v-import-[0-9]{8}T[0-9]{6}-[0-9]+\\.private"
# The private directory of this -n run, from its -ip/-op or agent path.
privdir() { jq -r '[.argv[], .env[]] | map(select(test("\\.private/"))) | .[0]' \
    "$T/dry" | sed 's/\(\.private\).*/\1/' | sed 's/^SSH_AUTH_SOCK=//'; }

VDDK='"vm_name":"My Virtual","transport_method":"vddk","vmware_uri":"esx://root@1.2.3.4?","vmware_fingerprint":"01:23:45:67:89:AB:CD:EA:DB:EE:F0:12:34:56:78:9A:BC:DE:F0:12","vmware_password":"pw"'
RHV='"rhv_url":"https://example.my-ovirt.org/ovirt-engine/api","rhv_password":"rp","rhv_cluster":"Default","rhv_storage":"data","rhv_cafile":"/rhv/ca.pem","install_drivers":false,"output_format":"raw"'

# test_vddk_basic + test_vddk_rhv_basic
dry <<<"{$VDDK,$RHV,\"insecure_connection\":false}"
P=$(privdir)
check "the private directory is where it should be" grep -Eq "^$PRIV_RE\$" <<<"$P"
eq "vddk to rhv-upload: exact argv" "$(argv)" "$(jq -nc --arg p "$P" '[
 "-v","-x","My Virtual","--root","first","--machine-readable=file:/dev/fd/3",
 "-i","libvirt","-ic","esx://root@1.2.3.4?","-it","vddk",
 "-io","vddk-libdir=/opt/vmware-vix-disklib-distrib",
 "-io","vddk-thumbprint=01:23:45:67:89:AB:CD:EA:DB:EE:F0:12:34:56:78:9A:BC:DE:F0:12",
 "-ip",($p+"/secrets/vmware_password"),
 "--bridge","ovirtmgmt","-of","raw","-oa","sparse","-o","rhv-upload",
 "-oc","https://example.my-ovirt.org/ovirt-engine/api","-os","data",
 "-op",($p+"/secrets/rhv_password"),"-oo","rhv-cafile=/rhv/ca.pem",
 "-oo","rhv-cluster=Default","-oo","rhv-direct","-oo","rhv-verifypeer=true"]')"
eq "vddk to rhv-upload: the program" "$(jq -r '.argv[0]' "$T/dry")" "$T/virt-v2v"
if is_root; then
	eq "rhv-upload runs as vdsm" "$(jq -c '[.uid,.gid]' "$T/dry")" \
	    "[$(id -u vdsm),$(getent group kvm | cut -d: -f3)]"
fi
eq "environment: built, not inherited" "$(envv)" "$(jq -nc --arg h "$(getent passwd "$(jq -r .uid "$T/dry")" | cut -d: -f6)" '[
 "LC_ALL=C","LANG=C","PATH=/usr/sbin:/usr/bin:/sbin:/bin","HOME="+$h,
 "LIBGUESTFS_BACKEND=direct","LIBGUESTFS_BACKEND_SETTINGS=force_tcg"]')"

# test_vddk_rhv_insecure
dry <<<"{$VDDK,$RHV,\"insecure_connection\":true}"
check "insecure: rhv-verifypeer=false" grep -q '"rhv-verifypeer=false"' "$T/dry"

# test_vddk_export: the host part; virt-v2v as root (it mounts NFS)
dry <<<"{$VDDK,\"export_domain\":\"1.2.3.4:/export/domain\",\"output_format\":\"raw\"}"
eq "vddk to export domain: host part" "$(jq -c '.argv[-8:]' "$T/dry")" \
    '["--bridge","ovirtmgmt","-of","raw","-o","rhv","-os","1.2.3.4:/export/domain"]'
is_root && eq "export domain runs as root" "$(jq -c '[.uid,.gid]' "$T/dry")" "[0,0]"

# allocation, only when given
dry <<<"{$VDDK,\"export_domain\":\"h:/e\",\"output_format\":\"qcow2\",\"allocation\":\"preallocated\"}"
eq "allocation: -oa before -o" "$(jq -c '.argv[-10:]' "$T/dry")" \
    '["--bridge","ovirtmgmt","-of","qcow2","-oa","preallocated","-o","rhv","-os","h:/e"]'

# test_network_mappings, with mac-option (the fake's default capabilities)
NETS='"network_mappings":[{"source":"src_net_1","destination":"dst_net_1"},
 {"source":"src net 2","destination":"dst net 2"},
 {"source":"src net 3","destination":"dst net 3","mac_address":"01:23:45:67:89:AB"}]'
dry <<<"{$VDDK,\"export_domain\":\"h:/e\",$NETS}"
eq "network mappings with --mac" "$(jq -c '[.argv | to_entries[] | select(.value=="--bridge" or .value=="--mac") | [.value, $a[.key+1]]] | .[:3]' --argjson a "$(jq -c .argv "$T/dry")" "$T/dry")" \
    '[["--bridge","src_net_1:dst_net_1"],["--bridge","src net 2:dst net 2"],["--mac","01:23:45:67:89:AB:bridge:dst net 3"]]'
printf 'virt-v2v\nvirt-v2v-2.0\ninput:vmx\n' >"$T/caps"
fake --caps "$T/caps"
dry <<<"{$VDDK,\"export_domain\":\"h:/e\",$NETS}"
check "without mac-option, every mapping is --bridge" grep -q '"src net 3:dst net 3"' "$T/dry"
fake --argv-out "$T/argv.out"

# test_luks: keys of this VM only, each in its own secret file
printf '{"My Virtual": [{"device": "/dev/sda1", "key": "k1"}, {"device": "/dev/sda2", "key": "k2"}],
 "other": [{"device": "/dev/sdb1", "key": "k3"}]}' >"$T/vault"
chmod 600 "$T/vault"
dry <<<"{$VDDK,\"export_domain\":\"h:/e\",\"luks_keys_vault\":\"$T/vault\"}"
P=$(privdir)
eq "LUKS keys" "$(jq -c '[.argv | to_entries[] | select(.value=="--key") | $a[.key+1]]' --argjson a "$(jq -c .argv "$T/dry")" "$T/dry")" \
    "[\"/dev/sda1:file:$P/secrets/luks_key_0\",\"/dev/sda2:file:$P/secrets/luks_key_1\"]"
check "no key value in the -n output" test "$(grep -c '"k[123]"\|:k[123]' "$T/dry")" = 0

# ssh: the agent's socket, no -ip
dry <<<"{\"vm_name\":\"ssh://root@h/vmfs/volumes/ds/vm/vm.vmx\",\"transport_method\":\"ssh\",\"export_domain\":\"h:/e\"}"
eq "ssh input" "$(jq -c '.argv[7:11]' "$T/dry")" '["-i","vmx","-it","ssh"]'
check "ssh: SSH_AUTH_SOCK is the run's agent" grep -Eq "\"SSH_AUTH_SOCK=$PRIV_RE/agent/agent.sock\"" "$T/dry"

# Kubevirt: no output key, not daemonized
dry <<<"{$VDDK,\"daemonize\":false}"
eq "Kubevirt output" "$(jq -c '.argv[-6:]' "$T/dry")" \
    '["-o","json","-os","/data/vm","-oo","json-disks-pattern=disk%{DiskNo}/disk.img"]'

# virtio_win: an absolute ISO reaches virt-v2v as VIRTIO_WIN
touch "$T/virtio-win-0.1.240.iso"
dry <<<"{$VDDK,\"export_domain\":\"h:/e\",\"virtio_win\":\"$T/virtio-win-0.1.240.iso\"}"
check "VIRTIO_WIN" grep -q "\"VIRTIO_WIN=$T/virtio-win-0.1.240.iso\"" "$T/dry"

# What -n shows is what runs: a real (fake) conversion records its argv.
IN="{$VDDK,\"export_domain\":\"$T/ed\",\"daemonize\":false,$NETS}"
dry <<<"$IN"
"$WRAPPER" <<<"$IN" >"$T/out" 2>"$T/err"
eq "the conversion ran" $? 0
TAG_DRY=$(privdir | sed 's/.*v2v-import-\(.*\)\.private/\1/')
TAG_RUN=$(jq -r .state_file "$T/out" | sed 's/.*v2v-import-\(.*\)\/state.json/\1/')
eq "-n argv is the argv that ran (but for the tag)" \
    "$(sed -n 's/^argv //p' "$T/argv.out" | sed "s/$TAG_RUN/TAG/g")" \
    "$(jq -r '.argv[1:][]' "$T/dry" | sed "s/$TAG_DRY/TAG/g")"
# The fake is a /bin/sh script, and sh adds PWD (virt-v2v runs in /).
eq "-n env is the env that ran (and virt-v2v runs in /)" \
    "$(sed -n 's/^env //p' "$T/argv.out" | sort)" \
    "$( (jq -r '.env[]' "$T/dry"; echo PWD=/) | sort)"
