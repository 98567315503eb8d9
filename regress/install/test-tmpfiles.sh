#!/bin/bash
# SPDX-License-Identifier: ISC
# The tmpfiles.d entry that the packages install (issue 15, item 5)
# makes the run directory exactly as the wrapper makes it when it is
# missing (owner, mode, no ACL), a run works in it, and applying the
# entry again (at boot, on upgrade, systemd-tmpfiles --clean) leaves a
# running conversion's directories and their ACLs alone.
. "$(dirname "$0")/../lib.sh"

if ! is_root; then
	skip "tmpfiles.d: making root's run directory needs root"
	exit 0
fi
if ! command -v systemd-tmpfiles >/dev/null; then
	skip "tmpfiles.d: no systemd-tmpfiles"
	exit 0
fi
ensure_vdsm
new_env
CONF=$TOP/systemd/virt-v2v-wrapper.tmpfiles
R=$T/root
mkdir -m 755 "$R"
systemd-tmpfiles --create --root="$R" "$CONF" >"$T/tmpfiles.log" 2>&1
eq "systemd-tmpfiles --create: exit 0" "$?:$(cat "$T/tmpfiles.log")" "0:"
BASE=$R/run/virt-v2v-wrapper
# The wrapper's own, under the umask it runs with.
fake
IN='{"vm_name":"g","transport_method":"vddk","vmware_uri":"esx://h","vmware_fingerprint":"AA","vmware_password":"p","export_domain":"'$T'/ed","daemonize":false}'
V2V_WRAPPER_RUN_DIR=$T/self "$WRAPPER" >"$T/out" 2>"$T/err" <<<"$IN"
eq "a run makes the run directory itself: exit 0" $? 0
attrs() { echo "$(stat -c '%U:%G %a' "$1") acl:$(getfacl -cps "$1" 2>/dev/null)"; }
eq "the entry's directory is the wrapper's own" "$(attrs "$BASE")" "$(attrs "$T/self")"
eq "both are root's, 0755, no ACL" "$(attrs "$BASE")" "root:root 755 acl:"

# A run held at its copy, in the entry's directory.
fake --replay "$FIX/v2v/a-plain-local-pipe.out" --hold-at "Copying disk" --go "$T/go"
V2V_WRAPPER_RUN_DIR=$BASE "$WRAPPER" >"$T/out" 2>"$T/err" <<<"$IN" &
WPID=$!
for _ in $(seq 200); do [ -s "$T/out" ] && break; sleep 0.05; done
STATE=$(jq -r .state_file "$T/out")
check "the run's state is in the entry's directory" test "$(dirname "$(dirname "$STATE")")" = "$BASE"
"$WAITSTATE" "$STATE" 10 started >/dev/null
RUND=$(dirname "$STATE")
check "the run's directory has its ACL (the monitor's user)" grep -q "user:vdsm:rwx" <(getfacl -cp "$RUND" 2>/dev/null)
before="$(attrs "$RUND") $(getfacl -cp "$RUND" 2>/dev/null | tr '\n' ' ') $(attrs "$RUND.private")"
systemd-tmpfiles --create --clean --root="$R" "$CONF" >"$T/tmpfiles.log" 2>&1
eq "the entry again, with --clean: exit 0" "$?:$(cat "$T/tmpfiles.log")" "0:"
check "the running conversion's state stays" test -f "$STATE"
eq "its directories keep their owner, mode and ACL" \
    "$(attrs "$RUND") $(getfacl -cp "$RUND" 2>/dev/null | tr '\n' ' ') $(attrs "$RUND.private")" "$before"
touch "$T/go"
wait $WPID
eq "the run in the entry's directory succeeded" $? 0
eq "it finished, not failed" "$(jget "$STATE" '[.finished, (.failed // false)]')" "[true,false]"
