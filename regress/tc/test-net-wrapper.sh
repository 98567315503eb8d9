#!/bin/bash
# SPDX-License-Identifier: ISC
# Network throttling through the whole wrapper, run inside a network
# namespace of this test with a net_cls hierarchy mounted under a cgroup
# root of its own (V2V_WRAPPER_CGROUP_ROOT): the run's cgroup with
# virt-v2v in it, the limit applied (where the kernel has cls_cgroup) or
# answered unavailable with the reason (where it has not), and nothing
# left afterwards: no class, no qdisc, no cgroup.  Then the hosts where
# it cannot work: no net_cls mounted, cgroup v2 only, the foreground.
. "$(dirname "$0")/../lib.sh"

if ! is_root; then
	skip "network throttling through the wrapper: needs root"
	exit 0
fi
ensure_vdsm
# net_cls here: cgroup v2 steering, which a direct child would get on a
# host with a cgroup2 hierarchy, has its own test (test-steer-wrapper).
export V2V_WRAPPER_CGROUP2_ROOT=/nonexistent
NS=v2vw-net-$$
new_env
teardown() {
	umount "$T/cg/net_cls" "$T/cg2" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	cleanup_env
}
trap teardown EXIT
ip netns add "$NS" || exit 1
ip -n "$NS" link set dev lo up
ip -n "$NS" link add name v2vn0 type veth peer name v2vn1
ip -n "$NS" link set dev v2vn0 up
ip -n "$NS" link set dev v2vn1 up
mkdir -p "$T/cg/net_cls" "$T/nocg" "$T/cg2"
mount -t cgroup -o net_cls v2vw-test "$T/cg/net_cls" || exit 1
CG=$T/cg/net_cls/v2v-conversion

IN='{"vm_name":"guest","transport_method":"ssh","ssh_key":'"$KEY"',
 "export_domain":"'"$T"'/ed"'
fake --replay "$FIX/v2v/a-plain-local-pipe.out" --hold-at "Copying disk" --go "$T/go"

# run ROOT EXTRA-JSON: the wrapper in the namespace; sets STATE, THR.
run() {
	rm -f "$T/go"
	V2V_WRAPPER_CGROUP_ROOT=$1 nsenter --net="/run/netns/$NS" "$WRAPPER" \
	    >"$T/out" 2>"$T/err" <<<"$IN$2}" &
	local w=$!
	for _ in $(seq 100); do [ -s "$T/out" ] && break; sleep 0.05; done
	STATE=$(jq -r .state_file "$T/out") THR=$(jq -r .throttling_file "$T/out")
	TAG=$(basename "$(dirname "$STATE")" | sed 's/^v2v-import-//')
	"$WAITSTATE" "$STATE" 10 started >/dev/null
	wait "$w"
}
finish() {
	touch "$T/go"
	check "$1: finished" "$WAITSTATE" "$STATE" 60 finished
	eq "$1: return_code 0" "$(jget "$STATE" .return_code)" 0
}
shaped() { tc -n "$NS" qdisc show | grep -c 'htb abc:'; }
rate_on() { tc -n "$NS" class show dev "$1" classid "abc:$2" | grep -o 'rate [^ ]*'; }

snapshot "$T/snap.before"

# 1. net_cls mounted: the run's cgroup, virt-v2v in it, then the limit.
run "$T/cg" ',"throttling":{"network":"1000000"}'
V2V=$(jget "$STATE" .pid)
check "the run's cgroup exists" test -d "$CG/$TAG"
eq "it is root's, 0755" "$(stat -c '%U %a' "$CG/$TAG")" "root 755"
eq "its cgroup.procs stays root's: no user moves tasks in or out" \
    "$(stat -c '%U %a' "$CG/$TAG/cgroup.procs")" "root 644"
check "virt-v2v ($V2V) is in it" grep -qx "$V2V" "$CG/$TAG/cgroup.procs"
if tc -n "$NS" qdisc add dev v2vn1 root handle ffff: htb 2>/dev/null &&
    ! tc -n "$NS" filter add dev v2vn1 parent ffff: protocol all prio 1 handle 1: cgroup 2>/dev/null; then
	HAVE_CLS=0
else
	HAVE_CLS=1
fi
tc -n "$NS" qdisc del dev v2vn1 root 2>/dev/null
if [ $HAVE_CLS = 1 ]; then
	check "the input's limit applied" until_state .throttling.network '"1000000"'
	MINOR=$(($(cat "$CG/$TAG/net_cls.classid") & 0xffff))
	eq "net_cls.classid names our class" "$(($(cat "$CG/$TAG/net_cls.classid") >> 16))" $((0xabc))
	eq "the class has the rate on v2vn0" "$(rate_on v2vn0 "$(printf %x $MINOR)")" "rate 8Mbit"
	eq "and on lo" "$(rate_on lo "$(printf %x $MINOR)")" "rate 8Mbit"
	printf '{"network": "2000000"}' >"$THR"
	check "a new limit from the throttling file" until_state .throttling.network '"2000000"'
	eq "the class has the new rate" "$(rate_on v2vn0 "$(printf %x $MINOR)")" "rate 16Mbit"
else
	check "no cls_cgroup: answered with the reason" \
	    wait_msg "network throttling is not available for this run: the kernel has no cgroup classifier (cls_cgroup)"
	eq "a warning, not an error" "$(jget "$STATE" .last_message.type)" '"warning"'
	eq "the limit is not shown as applied" "$(jget "$STATE" .throttling.network)" null
	eq "nothing is left shaped in the namespace" "$(shaped)" 0
	eq "no classid was written" "$(cat "$CG/$TAG/net_cls.classid")" 0
	skip "the limit in a class and its change: this kernel has no cls_cgroup"
fi
finish "net_cls run"
check "the run's cgroup is gone" test ! -e "$CG/$TAG"
check "v2v-conversion stays (the hierarchy's root is 0555)" test -d "$CG"
eq "no qdisc left in the namespace" "$(shaped)" 0
eq "no class left on v2vn0" "$(tc -n "$NS" class show dev v2vn0)" ""
no_procs_left "net_cls run"

# kill -9 of priv: its cgroup stays until the next start or --cleanup.
run "$T/cg" ',"throttling":{"network":"1000000"}'
read -r PRIV _ <<<"$(log_pids "$(jq -r .wrapper_log "$T/out")")"
V2V=$(jget "$STATE" .pid)
kill -9 "$PRIV"
for _ in $(seq 100); do kill -0 "$V2V" 2>/dev/null || break; sleep 0.05; done
check "kill -9 of priv: virt-v2v ends too" sh -c "! kill -0 $V2V 2>/dev/null"
check "kill -9 of priv: its cgroup is left" test -d "$CG/$TAG"
# A kvm member may put a FIFO where the dead run's state was.
mv "$STATE" "$STATE.real" && mkfifo -m 644 "$STATE"
V2V_WRAPPER_CGROUP_ROOT=$T/cg timeout 20 "$WRAPPER" --cleanup >"$T/cleanup.out" 2>&1
eq "--cleanup cleans the dead run, a FIFO as its state does not hang it" \
    "$(tail -n 1 "$T/cleanup.out")" "1 dead run cleaned up"
rm -f "$STATE" && mv "$STATE.real" "$STATE"
check "--cleanup removed its cgroup" test ! -e "$CG/$TAG"
eq "no qdisc left after the cleanup" "$(shaped)" 0
no_procs_left "kill -9 of priv"

# What runs killed at any moment leave: every class of abc: that no live
# run's cgroup names goes at the next start or --cleanup, and the qdisc
# with the last; a class a live run's cgroup names stays.
TCRUN=$TOP/regress/tc/tcrun
coproc LIVE { ip netns exec "$NS" "$TCRUN" -n -l "$T/run" 1000000 2>/dev/null; }
read -r LIVECLS <&"${LIVE[0]}"
mkdir "$CG/live-$$"
echo $((0xabc0000 + 0x${LIVECLS#abc:})) >"$CG/live-$$/net_cls.classid"
# Its stdin a FIFO we hold open: it holds its class until killed.
mkfifo "$T/ofifo"
exec {OF}<>"$T/ofifo"
ip netns exec "$NS" "$TCRUN" -n -l "$T/run" 2000000 <"$T/ofifo" >"$T/orphan" 2>/dev/null &
ORPHAN=$!
for _ in $(seq 500); do [ -s "$T/orphan" ] && break; sleep 0.01; done
kill -9 $ORPHAN; wait $ORPHAN 2>/dev/null; exec {OF}>&-
ORPHANCLS=$(cat "$T/orphan")
check "an orphan class ($ORPHANCLS) is left by a killed run" \
    test -n "$(tc -n "$NS" class show dev v2vn0 classid "$ORPHANCLS")"
V2V_WRAPPER_CGROUP_ROOT=$T/cg nsenter --net="/run/netns/$NS" "$WRAPPER" --cleanup >/dev/null 2>&1
eq "--cleanup removed the orphan class" "$(tc -n "$NS" class show dev v2vn0 classid "$ORPHANCLS")" ""
check "and kept the live run's ($LIVECLS)" test -n "$(tc -n "$NS" class show dev v2vn0 classid "$LIVECLS")"
eq "the host lock is root's, 0600, a regular file" "$(stat -c '%U %a %F' "$T/run/.tc-lock")" "root 600 regular empty file"
check "another user cannot open it (so cannot hold it)" \
    sh -c "! setpriv --reuid=65534 --regid=65534 --clear-groups flock -n '$T/run/.tc-lock' true 2>/dev/null"
setpriv --reuid=65534 --regid=65534 --clear-groups flock -x "$T/run" sleep 30 &
HOLDER=$!
sleep 0.2
SECONDS=0
ip netns exec "$NS" "$TCRUN" -n -l "$T/run" 3000000 >"$T/third" </dev/null 2>/dev/null
check "a flock on the run directory by another user blocks nobody (${SECONDS} s)" test -s "$T/third" -a $SECONDS -lt 5
pkill -P $HOLDER; kill $HOLDER 2>/dev/null; wait $HOLDER 2>/dev/null
exec {LIVE[1]}>&-
wait $LIVE_PID
rmdir "$CG/live-$$"
V2V_WRAPPER_CGROUP_ROOT=$T/cg nsenter --net="/run/netns/$NS" "$WRAPPER" --cleanup >/dev/null 2>&1
eq "nothing of abc: is left" "$(shaped)" 0

# 2. A run that needs no network limit still leaves nothing.
run "$T/cg" ''
check "no limit asked: the cgroup is there for one" test -d "$CG/$TAG"
eq "no limit asked: the host is not shaped" "$(shaped)" 0
finish "no limit"
check "no limit: the cgroup is gone" test ! -e "$CG/$TAG"

# 3. Hosts where it cannot work: named in last_message, the run goes on.
run "$T/nocg" ',"throttling":{"network":"1000000"}'
check "no net_cls mounted: the reason" wait_msg "no net_cls cgroup (v1) hierarchy is mounted"
finish "no net_cls"
if mount -t cgroup2 none "$T/cg2" 2>/dev/null; then
	run "$T/cg2" ',"throttling":{"network":"1000000"}'
	check "cgroup v2 only: the reason" wait_msg "the host has cgroup v2 only"
	check "cgroup v2 only: no net_cls directory made" test ! -e "$T/cg2/net_cls"
	finish "cgroup v2"
	umount "$T/cg2"
else
	skip "cgroup v2 only: cannot mount cgroup2 here"
fi
FG='{"vm_name":"guest","transport_method":"ssh","ssh_key":'"$KEY"',"daemonize":false,
 "export_domain":"'"$T"'/ed","throttling":{"network":"1000000"}}'
touch "$T/go"
V2V_WRAPPER_CGROUP_ROOT=$T/cg nsenter --net="/run/netns/$NS" "$WRAPPER" >"$T/out" 2>"$T/err" <<<"$FG"
eq "foreground: the run succeeds" $? 0
STATE=$(jq -r .state_file "$T/out")
case "$(jget "$STATE" .last_message.message)" in
*"network throttling is not available for this run: the wrapper runs in the foreground"*) ok "foreground: the reason" ;;
*) notok "foreground: the reason"; note "$(jget "$STATE" .last_message)" ;;
esac
TAG=$(basename "$(dirname "$STATE")" | sed 's/^v2v-import-//')
check "foreground: no cgroup made" test ! -e "$CG/$TAG"
eq "nothing shaped at all" "$(shaped)" 0

# Another test run may share the kernel's one net_cls hierarchy.
rmdir "$CG" 2>/dev/null
umount "$T/cg/net_cls"
clean_after "network throttling runs" "$T/snap.before"
