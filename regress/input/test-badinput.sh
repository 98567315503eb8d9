#!/bin/bash
# SPDX-License-Identifier: ISC
# Bad input is refused before anything is made: exit 1, one stderr line
# naming the key and what was expected, nothing on stdout, nothing on disk.
. "$(dirname "$0")/../lib.sh"

new_env
fake --rc 0
is_root && ensure_vdsm
ED=$T/ed

# Each case: expected stderr text | input.  A valid base to vary:
L1024=$(printf 'a%.0s' $(seq 1024))
L4097=$(printf 'a%.0s' $(seq 4097))
base='"vm_name":"g","transport_method":"ssh","export_domain":"'$ED'"'
cases=(
"not valid JSON|{"
"not valid JSON|"
"expected a JSON object|[1,2]"
"vm_name: missing|{\"transport_method\":\"ssh\",\"export_domain\":\"$ED\"}"
"vm_name: expected a string|{\"vm_name\":1,\"transport_method\":\"ssh\",\"export_domain\":\"$ED\"}"
"vm_name: must not be empty|{\"vm_name\":\"\",\"transport_method\":\"ssh\",\"export_domain\":\"$ED\"}"
"vm_name: must not start with '-'|{\"vm_name\":\"-oops\",\"transport_method\":\"ssh\",\"export_domain\":\"$ED\"}"
"vm_name: contains a line break|{\"vm_name\":\"a\\nb\",\"transport_method\":\"ssh\",\"export_domain\":\"$ED\"}"
"not valid JSON|{\"vm_name\":\"a\\u0000b\",\"transport_method\":\"ssh\",\"export_domain\":\"$ED\"}"
"transport_method: missing|{\"vm_name\":\"g\",\"export_domain\":\"$ED\"}"
"transport_method: expected ssh or vddk, not \"nfs\"|{\"vm_name\":\"g\",\"transport_method\":\"nfs\",\"export_domain\":\"$ED\"}"
"vmware_uri: missing|{\"vm_name\":\"g\",\"transport_method\":\"vddk\",\"export_domain\":\"$ED\"}"
"vmware_password: missing|{\"vm_name\":\"g\",\"transport_method\":\"vddk\",\"vmware_uri\":\"esx://h\",\"vmware_fingerprint\":\"AA\",\"export_domain\":\"$ED\"}"
"no output: give rhv_url or export_domain|{\"vm_name\":\"g\",\"transport_method\":\"ssh\"}"
"rhv_password: missing|{$base,\"rhv_url\":\"https://e/api\"}"
"daemonize: expected true or false|{$base,\"daemonize\":\"no\"}"
"source_disks: expected a list of strings|{$base,\"source_disks\":\"[ds] a.vmdk\"}"
"source_disks[1]: expected a string|{$base,\"source_disks\":[\"a\",2]}"
"output_format: expected raw or qcow2, not \"vmdk\"|{$base,\"output_format\":\"vmdk\"}"
"duplicate key|{$base,\"vm_name\":\"h\"}"
"export_domain: expected host:/path or an absolute directory|{\"vm_name\":\"g\",\"transport_method\":\"ssh\",\"export_domain\":\"relative\"}"
"vmware_fingerprint: missing|{\"vm_name\":\"g\",\"transport_method\":\"vddk\",\"vmware_uri\":\"esx://h\",\"export_domain\":\"$ED\"}"
"vmware_uri: expected a string|{\"vm_name\":\"g\",\"transport_method\":\"vddk\",\"vmware_uri\":[],\"export_domain\":\"$ED\"}"
"transport_method: expected a string|{\"vm_name\":\"g\",\"transport_method\":true,\"export_domain\":\"$ED\"}"
"ssh_key: expected a string|{$base,\"ssh_key\":42}"
"ssh_key: must not be empty|{$base,\"ssh_key\":\"\"}"
"rhv_cluster: missing|{$base,\"rhv_url\":\"https://e/api\",\"rhv_password\":\"p\",\"rhv_storage\":\"s\"}"
"rhv_storage: missing|{$base,\"rhv_url\":\"https://e/api\",\"rhv_password\":\"p\",\"rhv_cluster\":\"c\"}"
"rhv_cafile: expected a string|{$base,\"rhv_url\":\"https://e/api\",\"rhv_password\":\"p\",\"rhv_cluster\":\"c\",\"rhv_storage\":\"s\",\"rhv_cafile\":1}"
"rhv_url: contains a line break|{$base,\"rhv_url\":\"https://e/api\\r\"}"
"insecure_connection: expected true or false|{$base,\"insecure_connection\":\"yes\"}"
"allocation: expected sparse or preallocated, not \"thin\"|{$base,\"allocation\":\"thin\"}"
"output_format: expected a string|{$base,\"output_format\":7}"
"network_mappings: expected a list of objects|{$base,\"network_mappings\":{}}"
"network_mappings[0]: expected an object|{$base,\"network_mappings\":[\"a:b\"]}"
"destination: missing|{$base,\"network_mappings\":[{\"source\":\"a\"}]}"
"source: expected a string|{$base,\"network_mappings\":[{\"source\":1,\"destination\":\"b\"}]}"
"network_mappings[1]: network names must not contain ':'|{$base,\"network_mappings\":[{\"source\":\"a\",\"destination\":\"b\"},{\"source\":\"x:y\",\"destination\":\"b\"}]}"
"network_mappings[0]: network names must not contain ':'|{$base,\"network_mappings\":[{\"source\":\"a\",\"destination\":\"b:c\"}]}"
"network_mappings[0]: mac_address: expected xx:xx:xx:xx:xx:xx|{$base,\"network_mappings\":[{\"source\":\"a\",\"destination\":\"b\",\"mac_address\":\"01:23:45\"}]}"
"virtio_win: expected an absolute path or a bare file name|{$base,\"virtio_win\":\"isos/virtio-win.iso\"}"
"virtio_win: expected an absolute path or a bare file name|{$base,\"virtio_win\":\"..\"}"
"virtio_win: expected a string|{$base,\"virtio_win\":true}"
"install_drivers: expected true or false|{$base,\"install_drivers\":1}"
"throttling: expected an object|{$base,\"throttling\":\"50%\"}"
"throttling: cpu: expected a whole percentage|{$base,\"throttling\":{\"cpu\":\"fast\"}}"
"throttling: network: expected bytes per second|{$base,\"throttling\":{\"network\":-1}}"
"luks_keys_vault: expected an absolute path|{$base,\"luks_keys_vault\":\"vault.json\"}"
"source_disks[0]: longer than 1023 bytes|{$base,\"source_disks\":[\"$L1024\"]}"
"vm_name: longer than 4096 bytes|{\"vm_name\":\"$L4097\",\"transport_method\":\"ssh\",\"export_domain\":\"$ED\"}"
"source_disks: more than 256 disks|{$base,\"source_disks\":[$(for i in $(seq 257); do printf '\"d\",'; done)\"d\"]}"
"not valid JSON|{$base,}"
"not valid JSON|{$base} trailing"
)

# bad DESC WANT [VAR=VALUE...], the input on stdin: exit 1, nothing on
# stdout, one stderr line holding WANT, nothing left on disk.
bad() {
	local d=$1 want=$2 rc; shift 2
	env "$@" "$WRAPPER" >"$T/out" 2>"$T/err"
	rc=$?
	eq "$d: exit 1" $rc 1
	eq "$d: stdout empty" "$(wc -c <"$T/out")" 0
	eq "$d: one stderr line" "$(wc -l <"$T/err")" 1
	if grep -qF -- "$want" "$T/err"; then ok "$d: message"; else
		notok "$d: message"; note "stderr: $(cat "$T/err")"; fi
	eq "$d: nothing left on disk" "$(ls -A "$T/log" "$T/run" | grep -vc ':$\|^$')" 0
}

for c in "${cases[@]}"; do
	want=${c%%|*} input=${c#*|}
	bad "bad input (${want:0:40})" "$want" <<<"$input"
done


# The LUKS vault: its file must be private, a regular file, well formed.
V=$T/vault.json
vin="{$base,\"luks_keys_vault\":\"$V\"}"
printf '{"g": [{"device": "/dev/sda1", "key": "k"}]}' >"$V"
chmod 640 "$V"
bad "group-readable vault" "the group may access it" <<<"$vin"
chmod 604 "$V"
bad "other-readable vault" "other users may access it" <<<"$vin"
chmod 600 "$V"
ln -s "$V" "$T/vlink"
bad "symlinked vault" "is a symbolic link" <<<"{$base,\"luks_keys_vault\":\"$T/vlink\"}"
bad "vault is a directory" "luks_keys_vault" <<<"{$base,\"luks_keys_vault\":\"$T/ed\"}"
printf '{"g": [{"device": "/dev/sda1"}]}' >"$V"
bad "vault entry without a key" "luks_keys_vault: g[0]" <<<"$vin"
printf '{"g": [{"device": "/dev/sda1:x", "key": "k"}]}' >"$V"
bad "vault device with ':'" "luks_keys_vault: g[0]" <<<"$vin"
printf '{"g": [{"device": "sda1", "key": "k"}]}' >"$V"
bad "vault device not under /dev" "luks_keys_vault: g[0]" <<<"$vin"
printf '{"g": ' >"$V"
bad "vault not JSON" "luks_keys_vault" <<<"$vin"
if is_root; then
	printf '{"g": []}' >"$V"
	chown nobody "$V"
	bad "vault of another user" "not by root or the conversion user" <<<"$vin"
	chown root "$V"
	bad "no such unprivileged user" "user nosuchuser-v2vw does not exist" \
	    V2V_WRAPPER_USER=nosuchuser-v2vw <<<"{$base}"
fi

# The ISO: given but missing is an error; so is no ISO domain.
bad "missing absolute ISO" "virtio_win" <<<"{$base,\"virtio_win\":\"$T/none.iso\"}"
bad "bare ISO name without an ISO domain" "no ISO domain found" \
    V2V_WRAPPER_ISO_ROOT="$T/ed" <<<"{$base,\"virtio_win\":\"virtio-win.iso\"}"
bad "relative V2V_WRAPPER_ISO_ROOT" "V2V_WRAPPER_ISO_ROOT: expected an absolute path" \
    V2V_WRAPPER_ISO_ROOT=isos <<<"{$base}"
bad "relative V2V_WRAPPER_SSH_AGENT" "V2V_WRAPPER_SSH_AGENT: expected an absolute path" \
    V2V_WRAPPER_SSH_AGENT=ssh-agent <<<"{$base}"

# virt-v2v that does not answer its capability probe.
fake --caps-rc 1
bad "failing capability probe" "could not get virt-v2v capabilities" <<<"{$base}"
fake
chmod 644 "$T/virt-v2v"
bad "virt-v2v not executable" "not an executable file" <<<"{$base}"
chmod 755 "$T/virt-v2v"

# A password must not reach stderr through the parser's error text.
printf '%s' "{$base,\"vmware_password\":\"TOPSECRET-1\u0001\"" >"$T/in"
"$WRAPPER" <"$T/in" >"$T/out" 2>"$T/err"
check "parse error does not echo the input" test "$(grep -c TOPSECRET "$T/err")" = 0

# Too much input is an error too, not a truncated parse.
head -c $((1024 * 1024 + 1)) /dev/zero | tr '\0' ' ' | "$WRAPPER" >"$T/out" 2>"$T/err"
eq "oversize input: exit 1" $? 1
check "oversize input: message" grep -q 'more than 1048576 bytes' "$T/err"

# A file path variable must be absolute.
echo "{$base}" | V2V_WRAPPER_LOG_DIR=relative "$WRAPPER" >"$T/out" 2>"$T/err"
eq "relative V2V_WRAPPER_LOG_DIR: exit 1" $? 1
check "relative V2V_WRAPPER_LOG_DIR: message" grep -q 'V2V_WRAPPER_LOG_DIR: expected an absolute path' "$T/err"

# A missing virt-v2v is found before anything is made.
echo "{$base}" | V2V_WRAPPER_VIRT_V2V=$T/none "$WRAPPER" >"$T/out" 2>"$T/err"
eq "missing virt-v2v: exit 1" $? 1
check "missing virt-v2v: message" grep -q "virt-v2v $T/none: No such file" "$T/err"
eq "missing virt-v2v: nothing left" "$(ls -A "$T/log" "$T/run" | grep -vc ':$\|^$')" 0

# A group-writable log directory is refused.
chmod 775 "$T/log"
echo "{$base}" | "$WRAPPER" >"$T/out" 2>"$T/err"
eq "group-writable log dir: exit 1" $? 1
check "group-writable log dir: message" grep -q 'must not be writable by group or other' "$T/err"
chmod 755 "$T/log"
