#!/bin/bash
# Bad input is refused before anything is made: exit 1, one stderr line
# naming the key and what was expected, nothing on stdout, nothing on disk.
. "$(dirname "$0")/../lib.sh"

new_env
fake --rc 0
is_root && ensure_vdsm
ED=$T/ed

# Each case: expected stderr text | input.  A valid base to vary:
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
)

for c in "${cases[@]}"; do
	want=${c%%|*} input=${c#*|}
	printf '%s' "$input" | "$WRAPPER" >"$T/out" 2>"$T/err"
	rc=$?
	d="bad input (${want:0:40})"
	eq "$d: exit 1" $rc 1
	eq "$d: stdout empty" "$(wc -c <"$T/out")" 0
	eq "$d: one stderr line" "$(wc -l <"$T/err")" 1
	if grep -qF -- "$want" "$T/err"; then ok "$d: message"; else
		notok "$d: message"; note "stderr: $(cat "$T/err")"; fi
	eq "$d: nothing left on disk" "$(ls -A "$T/log" "$T/run" | grep -vc ':$\|^$')" 0
done

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
