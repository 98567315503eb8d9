#!/bin/bash
# SPDX-License-Identifier: ISC
# --prune-logs[=DAYS], which the packages' daily timer runs (issue 15,
# item 5): in the site's log directory only regular files named
# v2v-import-* older than DAYS go; vdsm's logs, other names, links (and
# what they point to), directories and their contents, FIFOs stay; a
# directory others could write is refused.
. "$(dirname "$0")/../lib.sh"
T=$(mktemp -d /tmp/v2vw-prune.XXXXXX)
trap 'rm -rf "$T"' EXIT
chmod 755 "$T"
L=$T/log
mkdir -m 755 "$L" "$T/outside"
unset V2V_WRAPPER_LOG_DIR
export V2V_WRAPPER_CONF=$T/site.conf
printf 'log_dir = %s\n' "$L" >"$T/site.conf"

old() { touch -h -d "$1 days ago" "$L/$2"; }
: >"$L/v2v-import-20260101T000000-1.log"; old 31 v2v-import-20260101T000000-1.log
: >"$L/v2v-import-20260101T000000-1-wrapper.log"; old 400 v2v-import-20260101T000000-1-wrapper.log
: >"$L/v2v-import-29days.log"; old 29 v2v-import-29days.log
: >"$L/v2v-import-new.log"
: >"$L/import-5a1f-vdsm.log"; old 60 import-5a1f-vdsm.log
: >"$L/old-v2v-import-x.log"; old 60 old-v2v-import-x.log
: >"$T/outside/target.log"; touch -d '60 days ago' "$T/outside/target.log"
ln -s ../outside/target.log "$L/v2v-import-link.log"; old 60 v2v-import-link.log
mkdir "$L/v2v-import-dir"; : >"$L/v2v-import-dir/v2v-import-inner.log"
touch -d '60 days ago' "$L/v2v-import-dir/v2v-import-inner.log"; old 60 v2v-import-dir
mkfifo "$L/v2v-import-fifo"; old 60 v2v-import-fifo
# Read by a test that ends: a FIFO opened would block.
prune() { timeout 20 "$WRAPPER" "$@" >"$T/out" 2>"$T/err"; }
left() { (cd "$L" && find . -mindepth 1 | sort | tr '\n' ' '); }

prune --prune-logs
eq "default 30 days: exit 0" $? 0
eq "it says what it did, in the site's log directory" "$(cat "$T/out")" \
    "2 conversion logs older than 30 days removed from $L"
eq "only the old v2v-import-* files went" "$(left)" \
    "./import-5a1f-vdsm.log ./old-v2v-import-x.log ./v2v-import-29days.log ./v2v-import-dir ./v2v-import-dir/v2v-import-inner.log ./v2v-import-fifo ./v2v-import-link.log ./v2v-import-new.log "
check "a link's target stays" test -f "$T/outside/target.log"
prune --prune-logs=7
eq "7 days: one more" "$?:$(cat "$T/out")" "0:1 conversion log older than 7 days removed from $L"
check "the 29 days old log went" test ! -e "$L/v2v-import-29days.log"
check "today's log stays" test -f "$L/v2v-import-new.log"

# refused ARG WHAT: exit 1, one line on stderr, nothing removed.
refused() {
	local before
	before=$(left)
	prune "$1"
	eq "$2: exit 1, one line" "$?:$(wc -l <"$T/err")" "1:1"
	note "$(cat "$T/err")"
	eq "$2: nothing removed" "$(left)" "$before"
}
old 60 v2v-import-new.log
refused --prune-logs=0 "zero days"
refused --prune-logs=abc "days not a number"
refused --prune-logs= "no days"
refused --prune-logs=36501 "more than a century"
export SUDO_UID=4321
refused --prune-logs=1 "under sudo (a caller's rights are its own runs')"
unset SUDO_UID
chmod 775 "$L"
refused --prune-logs "a log directory its group can write"
chmod 755 "$L"
# vdsm's link swap: the log directory reached through a link that a
# user other than root could change.
mkdir -m 777 "$T/shared"
ln -s "$L" "$T/shared/log"
printf 'log_dir = %s\n' "$T/shared/log" >"$T/site.conf"
refused --prune-logs "a link in a directory others can write"
printf 'log_dir = %s\n' "$T/none" >"$T/site.conf"
prune --prune-logs
eq "no log directory yet: exit 0, nothing to do" "$?:$(cat "$T/out")" \
    "0:no log directory $T/none: nothing to remove"

if ! is_root; then
	skip "prune: a log directory of vdsm's or of another user needs root"
	exit 0
fi
ensure_vdsm
printf 'log_dir = %s\n' "$L" >"$T/site.conf"
chown vdsm:kvm "$L"
prune --prune-logs
eq "root, in vdsm's log directory: the old log goes" "$?:$(cat "$T/out")" \
    "0:1 conversion log older than 30 days removed from $L"
chown nobody "$L"
old 60 import-5a1f-vdsm.log; mv "$L/import-5a1f-vdsm.log" "$L/v2v-import-x.log"
refused --prune-logs "a log directory of a user other than the conversion's"
