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
check "the program looks for the client where it is installed" \
    grep -qaF /usr/libexec/virt-v2v-wrapper/virt-v2v-wrapper-api "$D/usr/bin/virt-v2v-wrapper"
check "libcurl is in the client only" sh -c "! ldd '$D/usr/bin/virt-v2v-wrapper' | grep -q libcurl &&
    ldd '$D/usr/libexec/virt-v2v-wrapper/virt-v2v-wrapper-api' | grep -q libcurl"
# Another PREFIX, as make would do it (-n: a real one would rebuild the
# tree's program for another path while the other tests use it).
make -n install DESTDIR="$D/p" PREFIX=/opt/v2vw >"$D/prefix.log" 2>&1
check "PREFIX is honoured: the program" \
    grep -q "install -m 0755 virt-v2v-wrapper $D/p/opt/v2vw/bin/virt-v2v-wrapper\$" "$D/prefix.log"
check "PREFIX is honoured: the client, and the program knows where" sh -c "
    grep -q 'install -m 0755 virt-v2v-wrapper-api $D/p/opt/v2vw/libexec/virt-v2v-wrapper/virt-v2v-wrapper-api\$' '$D/prefix.log' &&
    grep -qF -- \"-DDEFAULT_API='\\\"/opt/v2vw/libexec/virt-v2v-wrapper/virt-v2v-wrapper-api\\\"'\" '$D/prefix.log'"
eq "the site settings in /etc, root's, mode 0644" \
    "$(stat -c '%U %a' "$D/etc/virt-v2v-wrapper.conf" 2>/dev/null)" "$(id -un) 644"
eq "nothing else is installed" "$(cd "$D" && find etc usr -type f -o -type l | sort | tr '\n' ' ')" \
    "etc/virt-v2v-wrapper.conf usr/bin/virt-v2v-wrapper usr/bin/virt-v2v-wrapper.py usr/libexec/virt-v2v-wrapper/virt-v2v-wrapper-api usr/share/man/man8/virt-v2v-wrapper.8 usr/share/man/man8/virt-v2v-wrapper.py.8 "

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
