#!/bin/bash
# SPDX-License-Identifier: ISC
# /etc/virt-v2v-wrapper.conf (here V2V_WRAPPER_CONF): the site's log
# directory, user and group; the environment over it; a file that others
# could change, a link, or a wrong line is refused with one line and
# nothing created (issue 15, item 5).
. "$(dirname "$0")/../lib.sh"

new_env
fake
IN='{"vm_name":"g","transport_method":"vddk","vmware_uri":"esx://h","vmware_fingerprint":"AA","vmware_password":"p","export_domain":"'$T'/ed","daemonize":false}'
unset V2V_WRAPPER_LOG_DIR
export V2V_WRAPPER_CONF=$T/site.conf
mkdir -m 755 "$T/sitelog"

# run: the wrapper's exit status; stdout in $T/out, stderr in $T/err.
run() { "$WRAPPER" >"$T/out" 2>"$T/err" <<<"$IN"; }
# refused WHAT MESSAGE: exit 1, that one line, nothing made.
refused() {
	run
	eq "$1: exit 1" $? 1
	eq "$1: one line on stderr" "$(wc -l <"$T/err")" 1
	check "$1: it says \"$2\"" grep -qF -- "$2" "$T/err"
	eq "$1: no log made" "$(find "$T/sitelog" "$T/log" -mindepth 1 | wc -l)" 0
}
conf() { printf '%s\n' "$@" >"$T/site.conf"; chmod 644 "$T/site.conf"; }

conf "log_dir = /nonexistent" "bogus = 1"
refused "an unknown key" "site.conf:2: unknown key \"bogus\""
conf "log_dir relative"
refused "a line without =" "site.conf:1: expected \"key = value\""
conf "log_dir = relative/dir"
refused "a relative log_dir" "log_dir: expected an absolute path"
conf "user = vd sm"
refused "a user name with a blank" "user: expected a user or group name"
conf "log_dir = $T/sitelog"
chmod 664 "$T/site.conf"
refused "a file its group can write" "writable by group or others (mode 0664)"
chmod 646 "$T/site.conf"
refused "a file others can write" "writable by group or others (mode 0646)"
chmod 644 "$T/site.conf"
mv "$T/site.conf" "$T/real.conf"
ln -s real.conf "$T/site.conf"
refused "a symbolic link" "site.conf: a symbolic link"
rm "$T/site.conf"
mv "$T/real.conf" "$T/site.conf"

if ! is_root; then
	skip "site settings: runs as vdsm and a file of another owner need root"
	exit 0
fi
ensure_vdsm
# A conversion user of the site's own, not the default vdsm.
SITEUSER=v2vwsite
getent passwd $SITEUSER >/dev/null ||
	useradd -r -M -g kvm -d /nonexistent -s /usr/sbin/nologin $SITEUSER
trap 'cleanup_env; userdel $SITEUSER 2>/dev/null' EXIT
# Not root, the wrapper runs everything as its caller: names matter as root.
conf "user = nosuchuser-v2vw   # a comment"
refused "a user that does not exist" "nosuchuser-v2vw"
conf "log_dir = $T/sitelog"
chown vdsm "$T/site.conf"
refused "a file of vdsm's" "owned by uid $(id -u vdsm), not by root"
chown root "$T/site.conf"

conf "# the site's" "  log_dir =   $T/sitelog  " "" "user=$SITEUSER" "group = kvm"
run
eq "the site's log directory: exit 0" $? 0
eq "the v2v log is in it" "$(dirname "$(jq -r .v2v_log "$T/out")")" "$T/sitelog"
check "and is there" test -f "$(jq -r .v2v_log "$T/out")"
check "the monitor ran as the site's user" grep -q "monitor running as $(id -u $SITEUSER):$(getent group kvm | cut -d: -f3)\$" \
    "$(jq -r .wrapper_log "$T/out")"

V2V_WRAPPER_LOG_DIR=$T/log run
eq "the environment over the file: exit 0" $? 0
eq "the environment's log directory wins" "$(dirname "$(jq -r .v2v_log "$T/out")")" "$T/log"

# Under sudo the environment is ignored, the file is not; the default
# path is /etc's, so this checks the fallback without touching /etc.
rm "$T/site.conf"
V2V_WRAPPER_LOG_DIR=$T/log run
eq "no file: the defaults and the environment, exit 0" $? 0
