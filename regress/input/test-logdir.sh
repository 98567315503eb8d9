#!/bin/bash
# SPDX-License-Identifier: ISC
# The log directory is walked without letting its owners choose where
# root creates files (issue 13, finding 1).  The attack: vdsm owns
# /var/log/vdsm and replaces import with a symbolic link to a directory
# of root's; before the fix root created vdsm-owned logs in there.  Also
# a directory of another user, an admin's link in a directory of root's
# (kept working), and the normal case.
. "$(dirname "$0")/../lib.sh"

if ! is_root; then
	skip "log directory ownership: needs root (chown, vdsm)"
	exit 0
fi
ensure_vdsm
new_env
fake
IN='{"vm_name":"g","transport_method":"vddk","vmware_uri":"esx://h","vmware_fingerprint":"AA","vmware_password":"p","export_domain":"'$T'/ed","daemonize":false}'

# run LOGDIR: the wrapper's exit status; stdout in $T/out, stderr in $T/err.
run() {
	V2V_WRAPPER_LOG_DIR=$1 "$WRAPPER" >"$T/out" 2>"$T/err" <<<"$IN"
}

# vdsm's own log tree, as on an oVirt host: /var/log/vdsm is vdsm's.
mkdir -m 755 "$T/vdsm" "$T/vdsm/import"
chown vdsm:kvm "$T/vdsm" "$T/vdsm/import"
run "$T/vdsm/import"
eq "normal case: vdsm's import directory is used" $? 0
check "normal case: the v2v log is there" \
    test -f "$T/vdsm/import/$(basename "$(jq -r .v2v_log "$T/out")")"

# The attack: import becomes a link to a directory of root's.
mkdir -m 755 "$T/rootdir"
rm -rf "$T/vdsm/import"
setpriv --reuid=vdsm --regid=kvm --clear-groups ln -s "$T/rootdir" "$T/vdsm/import"
run "$T/vdsm/import"
eq "a link vdsm planted: refused, exit 1" $? 1
eq "a link vdsm planted: one line on stderr" "$(wc -l <"$T/err")" 1
check "a link vdsm planted: it says why" \
    grep -q "import is a symbolic link in a directory that is not root's alone" "$T/err"
eq "a link vdsm planted: nothing created in root's directory" \
    "$(ls -A "$T/rootdir")" ""
eq "a link vdsm planted: nothing on stdout" "$(cat "$T/out")" ""

# The same link deeper: a link in a directory of vdsm's on the way.
mkdir -m 755 "$T/vdsm/sub"
chown vdsm:kvm "$T/vdsm/sub"
run "$T/vdsm/import/../vdsm/sub"
eq "a path through vdsm's link: refused" $? 1

# A directory of another user (not root, not the monitor's user).
mkdir -m 755 "$T/other"
chown nobody "$T/other"
run "$T/other"
eq "another user's directory: refused" $? 1
check "another user's directory: it says whose it must be" \
    grep -q "must belong to root or to the conversion's unprivileged user" "$T/err"
eq "another user's directory: nothing created" "$(ls -A "$T/other")" ""

# An admin's link in a directory of root's: followed.
mkdir -m 755 "$T/admin" "$T/bigdisk"
chown vdsm:kvm "$T/bigdisk"
ln -s "$T/bigdisk" "$T/admin/import"
run "$T/admin/import"
eq "an admin's link in a directory of root's: followed" $? 0
check "an admin's link: the logs are in its target" \
    test -f "$T/bigdisk/$(basename "$(jq -r .v2v_log "$T/out")")"

# A relative admin link, and one to a link.
ln -s ../bigdisk "$T/admin/rel"
ln -s "$T/admin/rel" "$T/admin/chain"
run "$T/admin/chain"
eq "an admin's relative link through another link: followed" $? 0

# A loop of links is refused, not followed for ever.
ln -s "$T/admin/loop2" "$T/admin/loop1"
ln -s "$T/admin/loop1" "$T/admin/loop2"
run "$T/admin/loop1"
eq "a loop of links: refused" $? 1
check "a loop of links: too many levels" grep -q "Too many levels" "$T/err"

# Group-writable: refused as before.
mkdir -m 775 "$T/gw"
run "$T/gw"
eq "a group-writable directory: refused" $? 1
check "a group-writable directory: it says so" grep -q "must not be writable by group or other" "$T/err"
