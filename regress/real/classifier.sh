#!/bin/bash
# SPDX-License-Identifier: ISC
# The cgroup classifier for real: this host's kernel may lack cls_cgroup,
# Debian's own kernel has it.  libguestfs boots that kernel in its
# appliance (TCG, about 15 s); inside, priv's network glue
# (regress/tc/netrun, the code priv runs) puts a net_cls cgroup's
# traffic into its class, and a sender in that cgroup, with no
# SO_PRIORITY, stays under the limit.  Part of make check-real.
. "$(dirname "$0")/../lib.sh"
export LIBGUESTFS_BACKEND=direct
export LIBGUESTFS_BACKEND_SETTINGS=${LIBGUESTFS_BACKEND_SETTINGS-force_tcg}

if ! is_root || ! command -v guestfish >/dev/null; then
	skip "cls_cgroup in a real kernel: needs root and libguestfs (make check-real installs it)"
	exit 0
fi
W=$(mktemp -d /tmp/v2vw-cls.XXXXXX)
trap 'rm -rf "$W"' EXIT
{
	# A scratch disk as the root the upload commands need; the
	# appliance sees it at /sysroot.
	echo 'add-drive-scratch 268435456'
	echo run
	echo 'mkfs ext2 /dev/sda'
	echo 'mount /dev/sda /'
	echo 'mkdir-p /v2vw/lib'
	for b in "$TOP/regress/tc/netrun" "$TOP/regress/tc/flow" \
	    "$TOP/virt-v2v-wrapper" "$TOP/regress/fake/fake-virt-v2v"; do
		echo "upload $b /v2vw/${b##*/}"
		echo "chmod 0755 /v2vw/${b##*/}"
		for l in $(ldd "$b" | awk '$3 ~ /^\// { print $3 }'); do
			echo "upload $l /v2vw/lib/${l##*/}"
		done
	done
	echo "upload $FIX/v2v/a-plain-local-pipe.out /v2vw/fixture.out"
	echo "upload $TOP/regress/real/inside-lib.sh /v2vw/inside-lib.sh"
	echo "upload $TOP/regress/real/inside-classifier.sh /v2vw/inside.sh"
	echo "upload $TOP/regress/real/inside-wrapper.sh /v2vw/wrapper.sh"
	echo 'debug sh "sh /sysroot/v2vw/inside.sh; sh /sysroot/v2vw/wrapper.sh"'
} >"$W/script"
timeout 600 guestfish -f "$W/script" >"$W/out" 2>&1
val() { sed -n "s/^$1=//p" "$W/out" | tail -n 1; }
if [ "$(val done)" != 1 ]; then
	notok "the appliance ran the classifier case"
	sed 's/^/# /' "$W/out" | tail -n 20
	exit 1
fi
ok "the appliance ran the classifier case (kernel $(val kernel))"
eq "cls_cgroup and sch_htb load" "$(val modules)" ok
eq "priv's glue: the first limit is applied" "$(val answer)" "applied abc:1"
eq "the run's cgroup has our class id" "$(val classid)" $((0xabc0001))
check "a cgroup filter for all protocols on lo" grep -q "protocol all pref 10 cgroup" <<<"$(val filter)"
check "class abc:1 at 16Mbit" grep -q "class htb abc:1 root .*rate 16Mbit ceil 16Mbit" <<<"$(val class)"
read -r BYTES SECS <<<"$(val classified)"
RATE=$(awk -v b="$BYTES" -v s="$SECS" 'BEGIN { if (s > 0) printf "%d", b / s; else print 0 }')
note "classified by cls_cgroup alone: $BYTES bytes in $SECS s = $RATE B/s, limit 2000000"
check "the cgroup's sender ran at least 5 s" awk "BEGIN { exit !(${SECS:-0} >= 5) }"
check "and stayed under the limit x 1.1" test "$RATE" -le 2200000
check "and reached at least half of it" test "$RATE" -ge 1000000
check "the class counted overlimits ($(val overlimits))" test "$(val overlimits)" -gt 0 2>/dev/null
read -r BYTES SECS <<<"$(val unclassified)"
RATE=$(awk -v b="$BYTES" -v s="$SECS" 'BEGIN { if (s > 0) printf "%d", b / s; else print 0 }')
note "outside the cgroup: $RATE B/s"
check "a sender outside the cgroup is not limited" test "$RATE" -gt 6000000
eq "after the run: no abc: qdisc on lo" "$(val after_qdisc | grep -c 'htb abc:')" 0
eq "after the run: the cgroup is gone" "$(val after_cgroup)" gone
eq "no warning from priv's glue" "$(val netrun_err | sed -e 's/virt-v2v-wrapper: tc: class abc:1 on lo//' \
    -e 's/virt-v2v-wrapper: tc: removed the shared qdisc abc: from lo//' -e 's/ //g')" ""

# The whole wrapper there: the input's network limit on a direct child.
if [ "$(val wdone)" != 1 ]; then
	notok "the appliance ran the wrapper case"
	sed 's/^/# /' "$W/out" | tail -n 20
	exit 1
fi
eq "wrapper: started daemonized" "$(val w_wrapper_rc)" 0
[ "$(val w_wrapper_rc)" = 0 ] || note "its stderr: $(val w_err)"
check "wrapper: the input's limit is in the state" grep -q '"network":"2000000"' <<<"$(val w_state1)"
grep -q '"network":"2000000"' <<<"$(val w_state1)" ||
    note "state: $(val w_state1); wrapper log: $(val w_log)"
eq "wrapper: virt-v2v is in the run's cgroup" "$(val w_v2v_in_cgroup)" 1
eq "wrapper: the cgroup's classid names abc:1" "$(val w_classid)" $((0xabc0001))
check "wrapper: class abc:1 at 16Mbit" grep -q "class htb abc:1 root .*rate 16Mbit" <<<"$(val w_class)"
read -r BYTES SECS <<<"$(val w_classified)"
RATE=$(awk -v b="$BYTES" -v s="$SECS" 'BEGIN { if (s > 0) printf "%d", b / s; else print 0 }')
note "wrapper: a sender in the run's cgroup: $BYTES bytes in $SECS s = $RATE B/s, limit 2000000"
check "wrapper: it stayed under the limit x 1.1 over at least 5 s" \
    awk "BEGIN { exit !(${SECS:-0} >= 5 && $RATE <= 2200000 && $RATE >= 1000000) }"
check "wrapper: a new limit from the throttling file (32Mbit)" grep -q "class htb abc:1 root .*rate 32Mbit" <<<"$(val w_class2)"
check "wrapper: finished, return_code 0" grep -q '"return_code":0,"finished":true' <<<"$(val w_state2)"
eq "wrapper: no abc: qdisc after the run" "$(val w_after_qdisc | grep -c 'htb abc:')" 0
eq "wrapper: no run cgroup after the run" "$(val w_after_cgroup | tr -d ' ')" ""
eq "wrapper: no warning in its log" "$(val w_wlog | grep -v 'no running systemd' | tr -d ' ')" ""
