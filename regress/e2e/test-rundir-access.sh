#!/bin/bash
# SPDX-License-Identifier: ISC
# Who may touch a run's files (issue 13, findings 2 and 3).  The attacks
# of a kvm member (qemu runs in kvm on oVirt hosts) on a run directory
# that was root:kvm 2775 and a secrets directory that was root:kvm 0710:
# replace or delete the state file, plant a throttling file, put a
# directory where the state file goes, learn the secrets' sizes.  Also
# the account that started the run: root with umask 077 (its throttling
# file used to be unreadable by the monitor and silently lost), and an
# account that ran the wrapper through sudo, which may read its state
# and write its throttling file while no other account may.
. "$(dirname "$0")/../lib.sh"

if ! is_root; then
	skip "run directory access: needs root (users, ACLs, mount namespace)"
	exit 0
fi
ensure_vdsm
for u in v2vtkvm v2vtcaller v2vtother; do
	getent passwd $u >/dev/null || useradd -r -M -s /usr/sbin/nologin $u
done
usermod -a -G kvm v2vtkvm
new_env
IN='"vm_name":"g","transport_method":"vddk","vmware_uri":"esx://h","vmware_fingerprint":"AA","vmware_password":"pw-'$RANDOM'","daemonize":false'

as() { local u=$1; shift; setpriv --reuid="$u" --regid="$(id -g "$u")" --init-groups "$@"; }
# refused CMD...: CMD fails (its complaint is not shown).
refused() { ! "$@" 2>/dev/null; }

# --- a root caller, attacked by a kvm member ---
fake --replay "$FIX/v2v/a-plain-local-pipe.out" --hold-at "Copying disk" --go "$T/go"
(umask 077; echo "{$IN,\"export_domain\":\"$T/ed\"}" | "$WRAPPER" >"$T/out" 2>"$T/err") &
WPID=$!
for _ in $(seq 100); do [ -s "$T/out" ] && break; sleep 0.05; done
STATE=$(jq -r .state_file "$T/out")
THR=$(jq -r .throttling_file "$T/out")
RUNDIR=$(dirname "$STATE")
WLOG=$(jq -r .wrapper_log "$T/out")
"$WAITSTATE" "$STATE" 10 started >/dev/null

check "kvm member: may not create a throttling file" refused as v2vtkvm sh -c "echo '{\"cpu\":\"10%\"}' >'$THR'"
check "kvm member: may not delete the state file" refused as v2vtkvm rm -f "$STATE"
check "kvm member: may not replace the state file" refused as v2vtkvm sh -c "echo x >'$RUNDIR/.x' && mv '$RUNDIR/.x' '$STATE'"
check "kvm member: may not read the state file" refused as v2vtkvm cat "$STATE"
check "kvm member: may not put a directory beside it" refused as v2vtkvm mkdir "$RUNDIR/d"
check "kvm member: may not list the secrets" refused as v2vtkvm ls "$RUNDIR.private/secrets"
check "kvm member: may not stat a secret (its size is the password's)" \
    refused as v2vtkvm stat "$RUNDIR.private/secrets/vmware_password"
# An export domain: virt-v2v runs as root, so the secrets are root's
# alone, and the monitor's user (vdsm) may not read them.
eq "export domain: the secret is root's" "$(stat -c '%U %a' "$RUNDIR.private/secrets/vmware_password")" "root 400"
check "vdsm may not read a secret of root's virt-v2v" refused as vdsm cat "$RUNDIR.private/secrets/vmware_password"
check "vdsm may not list the secrets" refused as vdsm ls "$RUNDIR.private/secrets"
check "another account: may not read the state" refused as v2vtcaller cat "$STATE"
eq "run directory: root's, no group, no other" "$(stat -c '%U:%G' "$RUNDIR") $(getfacl -cp "$RUNDIR" 2>/dev/null | grep -E '^(group|other)::' | tr '\n' ' ')" \
    "root:root group::--- other::--- "

# root with umask 077: the throttling file reaches the monitor anyway.
(umask 077; printf '{"cpu": "50%%"}' >"$THR")
check "root's throttling file under umask 077: answered" wait_msg "cpu throttling is not available"
check "root's throttling file under umask 077: consumed" wait_gone "$THR"
check "no permission error in the wrapper log" refused grep -q "Permission denied" "$WLOG"
touch "$T/go"
wait "$WPID"
eq "root caller: the run succeeded" $? 0

# --- rhv output: virt-v2v runs as vdsm and reads its secrets by name ---
fake --replay "$FIX/v2v/a-plain-local-pipe.out" --hold-at "Copying disk" --go "$T/go2"
echo "{$IN,\"rhv_url\":\"https://engine.example/ovirt-engine/api\",\"rhv_password\":\"r\",\"rhv_cluster\":\"c\",\"rhv_storage\":\"s\"}" |
    "$WRAPPER" >"$T/out2" 2>"$T/err2" &
WPID=$!
for _ in $(seq 100); do [ -s "$T/out2" ] && break; sleep 0.05; done
STATE=$(jq -r .state_file "$T/out2")
SEC=$(dirname "$STATE").private/secrets
"$WAITSTATE" "$STATE" 10 started >/dev/null
eq "rhv: the secret is the conversion user's" "$(stat -c '%U %a' "$SEC/vmware_password")" "vdsm 400"
check "rhv: the conversion user reads its secret by name" as vdsm sh -c "cat '$SEC/vmware_password' >/dev/null"
check "rhv: the conversion user may not list the secrets" refused as vdsm ls "$SEC"
check "rhv: a kvm member may not stat a secret (its size is the password's)" \
    refused as v2vtkvm stat "$SEC/rhv_password"
eq "rhv: secrets/ is root's, no group, no other" "$(stat -c '%U:%G' "$SEC") $(getfacl -cp "$SEC" 2>/dev/null | grep -E '^(user:vdsm|group:|other:)' | tr '\n' ' ')" \
    "root:root user:vdsm:--x group::--- other::--- "
touch "$T/go2"
wait "$WPID"
eq "rhv: the run succeeded" $? 0

# --- an account that ran the wrapper through sudo ---
# Under sudo the V2V_WRAPPER_* variables are ignored: the run uses the
# real paths, in a mount namespace of this test's own (tmpfs over /run
# and /var/log, virt-v2v added to /usr/bin through an overlay).
CALLER=$(id -u v2vtcaller)
mkdir -m 700 "$T/ns" "$T/ns/up" "$T/ns/work"
cat >"$T/ns/run.sh" <<EOS
set -u
mount -t tmpfs -o mode=755 tmpfs /run
mount -t tmpfs -o mode=755 tmpfs /var/log
mkdir -p /var/log/vdsm/import
chown vdsm:kvm /var/log/vdsm /var/log/vdsm/import
mount -t overlay overlay -o lowerdir=/usr/bin,upperdir=$T/ns/up,workdir=$T/ns/work /usr/bin
cp "$T/virt-v2v" /usr/bin/virt-v2v
echo '{$IN,"export_domain":"$T/ed"}' | SUDO_UID=$CALLER V2V_WRAPPER_LOG_DIR=$T/log \
    "$WRAPPER" >"$T/sout" 2>"$T/serr" &
for _ in \$(seq 100); do [ -s "$T/sout" ] && break; sleep 0.05; done
S=\$(jq -r .state_file "$T/sout")
"$WAITSTATE" "\$S" 10 started >/dev/null
as() { local u=\$1; shift; setpriv --reuid="\$u" --regid="\$(id -g "\$u")" --init-groups "\$@"; }
echo "statefile \$S"
as v2vtcaller jq -c .started "\$S" && echo caller-read-ok
as v2vtother cat "\$S" >/dev/null 2>&1 || echo other-read-refused
as v2vtother sh -c "echo '{}' >\$(dirname "\$S")/throttle.json" 2>/dev/null || echo other-write-refused
as v2vtcaller sh -c "umask 077; printf '{\"cpu\": \"25%%\"}' >\$(dirname "\$S")/throttle.json" && echo caller-wrote
for _ in \$(seq 200); do grep -q 'cpu throttling is not available' "\$S" && break; sleep 0.05; done
grep -q 'cpu throttling is not available' "\$S" && echo caller-limit-answered
touch "$T/go"
wait
jq -c .finished "\$S"
EOS
fake --replay "$FIX/v2v/a-plain-local-pipe.out" --hold-at "Copying disk" --go "$T/go"
rm -f "$T/go"
unshare -m --propagation private bash "$T/ns/run.sh" >"$T/ns/out" 2>&1
OUT=$(cat "$T/ns/out")
check "sudo: V2V_WRAPPER_LOG_DIR ignored, with a warning" grep -q "ignoring V2V_WRAPPER_LOG_DIR: the wrapper runs under sudo" "$T/serr"
check "sudo: the real run directory was used" grep -q "statefile /run/virt-v2v-wrapper/v2v-import-" <<<"$OUT"
check "sudo caller: reads its run's state" grep -qx caller-read-ok <<<"$OUT"
check "sudo caller: writes its throttling file (umask 077)" grep -qx caller-wrote <<<"$OUT"
check "sudo caller: its limit was read and answered" grep -qx caller-limit-answered <<<"$OUT"
check "another account: may not read that state" grep -qx other-read-refused <<<"$OUT"
check "another account: may not write that throttling file" grep -qx other-write-refused <<<"$OUT"
check "sudo: the run finished" grep -qx true <<<"$OUT"
note "$OUT"
