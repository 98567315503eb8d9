#!/bin/bash
# SPDX-License-Identifier: ISC
# make install lays out what a distribution package installs, and the
# binary runs on EL8: no glibc symbol newer than GLIBC_2.28 (issue 15,
# items 1 and 4).
. "$(dirname "$0")/../lib.sh"
cd "$TOP" || exit 1
D=$(mktemp -d /tmp/v2vw-install.XXXXXX)
trap 'rm -rf "$D"' EXIT

make -s install DESTDIR="$D" >"$D/make.log" 2>&1
eq "make install: exit 0" $? 0
eq "the program in /usr/bin, mode 0755" "$(stat -c %a "$D/usr/bin/virt-v2v-wrapper" 2>/dev/null)" 755
eq "the earlier name is a link to it" "$(readlink "$D/usr/bin/virt-v2v-wrapper.py")" virt-v2v-wrapper
check "the installed program runs" sh -c "'$D/usr/bin/virt-v2v-wrapper.py' --version | grep -q '^virt-v2v-wrapper '"
eq "the manual in section 8, mode 0644" "$(stat -c %a "$D/usr/share/man/man8/virt-v2v-wrapper.8" 2>/dev/null)" 644
eq "the oVirt API client beside it, in libexec, mode 0755" \
    "$(stat -c %a "$D/usr/libexec/virt-v2v-wrapper/virt-v2v-wrapper-api" 2>/dev/null)" 755
check "libcurl is in the client only" sh -c "! ldd '$D/usr/bin/virt-v2v-wrapper' | grep -q libcurl &&
    ldd '$D/usr/libexec/virt-v2v-wrapper/virt-v2v-wrapper-api' | grep -q libcurl"
eq "the site settings in /etc, root's, mode 0644" \
    "$(stat -c '%U %a' "$D/etc/virt-v2v-wrapper.conf" 2>/dev/null)" "$(id -un) 644"
# api_found PREFIX: the program there finds its client from its own place
# (PREFIX/bin -> PREFIX/libexec), and names that place when it is gone.
api_found() {
	local in='{"vm_name":"v","transport_method":"vddk","vmware_uri":"esx://r@h?",
	  "vmware_fingerprint":"01:02","vmware_password":"p","rhv_url":"https://e/ovirt-engine/api",
	  "rhv_password":"p","rhv_cluster":"c","rhv_storage":"s","allocation":"sparse"}'
	local api=$1/libexec/virt-v2v-wrapper/virt-v2v-wrapper-api
	(
		is_root && ensure_vdsm
		new_env >/dev/null
		fake --rc 0
		unset V2V_WRAPPER_API
		"$1/bin/virt-v2v-wrapper" -n <<<"$in" >/dev/null 2>"$D/n.err"
		echo "found $?"
		mv "$api" "$api.away"
		"$1/bin/virt-v2v-wrapper" -n <<<"$in" >/dev/null 2>"$D/n.err"
		echo "gone $? $(cat "$D/n.err")"
		mv "$api.away" "$api"
	) >"$D/api.out"
	eq "PREFIX: the program finds its client there" "$(sed -n 's/^found //p' "$D/api.out")" 0
	eq "PREFIX: and says where it looked when it is gone" \
	    "$(sed -n 's/^gone //p' "$D/api.out")" \
	    "1 virt-v2v-wrapper: $api: the oVirt API client is missing or not executable"
}

U=$D/usr/lib/systemd/system
eq "the log pruning units, mode 0644" \
    "$(stat -c %a "$U/virt-v2v-wrapper-prune-logs.service" "$U/virt-v2v-wrapper-prune-logs.timer" 2>/dev/null | tr '\n' ' ')" "644 644 "
eq "the service runs the installed program" \
    "$(grep '^ExecStart=' "$U/virt-v2v-wrapper-prune-logs.service")" \
    "ExecStart=/usr/bin/virt-v2v-wrapper --prune-logs=30"
eq "the timer is enabled by the preset" \
    "$(grep -v '^#' "$D/usr/lib/systemd/system-preset/50-virt-v2v-wrapper.preset")" \
    "enable virt-v2v-wrapper-prune-logs.timer"
eq "the tmpfiles.d entry: the run directory, root's 0755, no age" \
    "$(grep -v '^#' "$D/usr/lib/tmpfiles.d/virt-v2v-wrapper.conf")" \
    "d /run/virt-v2v-wrapper 0755 root root -"
eq "nothing else is installed" "$(cd "$D" && find etc usr -type f -o -type l | sort | tr '\n' ' ')" \
    "etc/virt-v2v-wrapper.conf usr/bin/virt-v2v-wrapper usr/bin/virt-v2v-wrapper.py usr/lib/systemd/system-preset/50-virt-v2v-wrapper.preset usr/lib/systemd/system/virt-v2v-wrapper-prune-logs.service usr/lib/systemd/system/virt-v2v-wrapper-prune-logs.timer usr/lib/tmpfiles.d/virt-v2v-wrapper.conf usr/libexec/virt-v2v-wrapper/virt-v2v-wrapper-api usr/share/man/man8/virt-v2v-wrapper.8 usr/share/man/man8/virt-v2v-wrapper.py.8 "
# Under another PREFIX the service names the program there, and systemd
# finds both units well-formed (the program they name exists).
if command -v systemd-analyze >/dev/null; then
	make -s install DESTDIR= PREFIX="$D/v" SYSCONFDIR="$D/v/etc" >/dev/null 2>&1
	eq "PREFIX: the service runs the program there" \
	    "$(grep '^ExecStart=' "$D/v/lib/systemd/system/virt-v2v-wrapper-prune-logs.service")" \
	    "ExecStart=$D/v/bin/virt-v2v-wrapper --prune-logs=30"
	(cd "$D/v/lib/systemd/system" && systemd-analyze verify --man=no \
	    virt-v2v-wrapper-prune-logs.service virt-v2v-wrapper-prune-logs.timer) >"$D/verify.log" 2>&1
	eq "systemd-analyze verify: both units are well-formed" "$?:$(cat "$D/verify.log")" "0:"
	api_found "$D/v"
else
	skip "systemd units: no systemd-analyze"
fi

# glibc 2.28 (EL8).  A build on a newer glibc binds a few symbols to its
# own versions whatever the source does (crt1's __libc_start_main; the
# stat family became functions in 2.33); they exist in 2.28 under older
# versions, and an EL8 build binds those.  Anything else newer is an
# interface EL8 lacks (execveat and sigabbrev_np were).
if ! command -v objdump >/dev/null; then
	skip "glibc symbol versions: no objdump"
	exit 0
fi
for b in "$WRAPPER" "$TOP/virt-v2v-wrapper-api"; do
	NEW=$(objdump -T "$b" | sed -n 's/.*(GLIBC_\([0-9.]*\)) *\([^ ]*\)$/\1 \2/p' |
	    awk '{ split($1, v, "."); if (v[1] > 2 || (v[1] == 2 && v[2] > 28)) print $2 "@" $1 }' |
	    grep -vE '^(__libc_start_main|stat|fstat|lstat|fstatat|mknod|mknodat)@' | sort -u | tr '\n' ' ')
	eq "${b##*/}: no glibc interface newer than 2.28 (EL8)" "$NEW" ""
	note "${b##*/}: glibc versions used: $(objdump -T "$b" | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -n 3 | tr '\n' ' ')"
done
