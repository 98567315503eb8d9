#!/bin/bash
# SPDX-License-Identifier: ISC
# make demo: one conversion with the fake virt-v2v replaying a real
# virt-v2v 2.2 run, in a temporary directory, daemonized, showing each
# new state file until the final one.  As root the unprivileged user is
# nobody:nogroup, so that the demo creates no account on the machine.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
D=$(mktemp -d /tmp/v2vw-demo.XXXXXX)
chmod 755 "$D"
mkdir -m 755 "$D/log" "$D/run" "$D/export"
trap 'rm -rf "$D"' EXIT

cat >"$D/virt-v2v" <<EOF
#!/bin/sh
exec $TOP/regress/fake/fake-virt-v2v --delay-us 150000 \\
    --replay $TOP/regress/fixtures/v2v/ssh-rhv-plain.log \\
    --mr $TOP/regress/fixtures/v2v/ssh-rhv-plain.mr.json -- "\$@"
EOF
chmod 755 "$D/virt-v2v"
export V2V_WRAPPER_VIRT_V2V=$D/virt-v2v V2V_WRAPPER_LOG_DIR=$D/log \
    V2V_WRAPPER_RUN_DIR=$D/run
if [ "$(id -u)" -eq 0 ]; then
	export V2V_WRAPPER_USER=nobody V2V_WRAPPER_GROUP=nogroup
fi

input='{"vm_name": "guest", "transport_method": "vddk",
 "vmware_uri": "esx://root@esxi.example?no_verify=1",
 "vmware_fingerprint": "01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67",
 "vmware_password": "demo-password", "export_domain": "'"$D"'/export",
 "source_disks": ["[datastore1] guest/guest.vmdk"]}'
echo "== input"
echo "$input"
echo "== stdout of virt-v2v-wrapper"
out=$(echo "$input" | "$TOP/virt-v2v-wrapper")
echo "$out"
state=$(echo "$out" | jq -r .state_file)

echo "== the state file as it changes"
last=
while :; do
	cur=$(cat "$state" 2>/dev/null || true)
	if [ -n "$cur" ] && [ "$cur" != "$last" ]; then
		echo "$cur"
		last=$cur
	fi
	case "$cur" in *'"finished":true'*) break ;; esac
	sleep 0.1
done
echo "== final state"
echo "$last" | jq .
echo "== wrapper log"
cat "$(echo "$out" | jq -r .wrapper_log)"
