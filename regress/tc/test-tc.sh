#!/bin/bash
# SPDX-License-Identifier: ISC
# Traffic control against the kernel, in network namespaces this test
# makes, read back with iproute2's tc (not through our own code): the
# shared qdisc and a class per run (regress/tc/tcrun does one run's tc
# work with priv/tc.c), rates changed and gone, an admin's qdisc left
# byte-identical, a down interface left alone, a pre-created class id
# skipped, 20 runs released at once from one barrier, kill -9 of one, a
# real transfer steered into a class staying under its limit, and priv's
# own glue (regress/tc/netrun runs priv/netlimit.c in a net_cls cgroup).
. "$(dirname "$0")/../lib.sh"

if ! is_root; then
	skip "traffic control: needs root for network namespaces"
	exit 0
fi
TCRUN=$TOP/regress/tc/tcrun FLOW=$TOP/regress/tc/flow
NS=v2vw-tc-$$ PEER=v2vw-tcp-$$
new_env
teardown() {
	# Ours only: the kernel has one net_cls hierarchy for all mounts.
	rmdir "$T/cg/net_cls/v2v-conversion/tc$$-"* 2>/dev/null
	umount "$T/cg/net_cls" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	ip netns del "$PEER" 2>/dev/null
	cleanup_env
}
trap teardown EXIT

# NS holds the interfaces we shape: lo; v2va0, whose peer v2va1 is in
# PEER (the transfer); v2vb0/v2vb1 with txqueuelen 0 on v2vb0; v2vc0
# with an admin's root qdisc and its peer v2vc1; v2vd0/v2vd1, down.
ip netns add "$NS" && ip netns add "$PEER" || exit 1
nsip() { ip -n "$NS" "$@"; }
nsip link set dev lo up
nsip link add name v2va0 type veth peer name v2va1 netns "$PEER"
nsip addr add 10.199.0.1/24 dev v2va0
ip -n "$PEER" addr add 10.199.0.2/24 dev v2va1
ip -n "$PEER" link set dev v2va1 up
ip -n "$PEER" link set dev lo up
for p in b c d; do nsip link add name v2v${p}0 type veth peer name v2v${p}1; done
nsip link set dev v2vb0 txqueuelen 0
for d in v2va0 v2vb0 v2vb1 v2vc0 v2vc1; do nsip link set dev "$d" up; done
# fq_codel, where the kernel has it; this machine's has tbf.
if tc -n "$NS" qdisc add dev v2vc0 root handle 1: fq_codel 2>/dev/null; then
	ADMIN=fq_codel
else
	tc -n "$NS" qdisc add dev v2vc0 root handle 1: tbf rate 1mbit burst 10k latency 50ms
	ADMIN=tbf
fi
# An ingress qdisc is beside the root, not a configured root: v2vb1 is
# shaped all the same.
tc -n "$NS" qdisc add dev v2vb1 ingress
SHAPED="lo v2va0 v2vb0 v2vb1 v2vc1"
admin_view() { tc -n "$NS" -d qdisc show dev v2vc0; tc -n "$NS" -d class show dev v2vc0; tc -n "$NS" filter show dev v2vc0; }
ADMIN_BEFORE=$(admin_view)

# root_of DEV: "KIND HANDLE" of its root qdisc.
root_of() { tc -n "$NS" qdisc show dev "$1" root | awk '{ print $2, $3; exit }'; }
# class_of DEV MINOR: rate and ceil of class abc:MINOR, or nothing.
class_of() {
	tc -n "$NS" class show dev "$1" classid "abc:$2" |
	    sed -n 's/.* rate \([^ ]*\) ceil \([^ ]*\).*/\1 \2/p'
}
nclasses() { tc -n "$NS" class show dev "$1" | grep -c '^class htb abc:'; }
# every DESC CMD...: CMD DEV for each shaped interface.
every() {
	local d=$1 dev bad=
	shift
	for dev in $SHAPED; do "$@" "$dev" || bad="$bad $dev"; done
	if [ -z "$bad" ]; then ok "$d"; else notok "$d"; note "not on:$bad"; fi
}
no_qdisc_left() {
	local dev bad=
	for dev in $SHAPED v2vd0 v2vd1; do
		[ "$(root_of "$dev")" = "htb abc:" ] && bad="$bad $dev"
	done
	if [ -z "$bad" ]; then ok "$1: no abc: qdisc left"; else
		notok "$1: no abc: qdisc left"; note "still on:$bad"; fi
}

# A run of tcrun: its stdin a FIFO we keep open, its stdout a file.
declare -A PID FD
run_start() {
	local id=$1 fd
	shift
	mkfifo "$T/in.$id"
	# Without the other runs' FIFOs: each must see its own EOF.
	(
		for fd in "${FD[@]}"; do eval "exec $fd>&-"; done
		exec ip netns exec "$NS" "$TCRUN" -l "$T/run" "$@" \
		    <"$T/in.$id" >"$T/out.$id" 2>>"$T/err"
	) &
	PID[$id]=$!
	exec {fd}>"$T/in.$id"
	FD[$id]=$fd
}
# run_line ID N: wait for line N of its output (or its end); print it.
run_line() {
	for _ in $(seq 1000); do
		[ "$(wc -l <"$T/out.$1")" -ge "$2" ] && break
		kill -0 "${PID[$1]}" 2>/dev/null || break
		sleep 0.01
	done
	sed -n "${2}p" "$T/out.$1"
}
run_end() {
	local fd=${FD[$1]}
	exec {fd}>&-
	wait "${PID[$1]}"
}

# 1. The classifier: where the kernel has cls_cgroup, each shaped
# interface gets one cgroup filter for all protocols; where it has not,
# the run says so (TC_ENOCLS, exit 2) and leaves nothing.
run_start cls 1000000
CLS=$(run_line cls 1)
if [ -n "$CLS" ]; then
	HAVE_CLS=1
	every "cgroup classifier, protocol all, on every shaped interface" \
	    sh -c 'tc -n "$0" filter show dev "$1" | grep -q "protocol all pref 10 cgroup"' "$NS"
	run_end cls
	eq "the classifier run ends" $? 0
else
	HAVE_CLS=0
	run_end cls
	eq "no cls_cgroup in this kernel: the run says so (TC_ENOCLS)" $? 2
	no_qdisc_left "no cls_cgroup"
	skip "cgroup classifier on every shaped interface: this kernel has no cls_cgroup"
fi
OPT=-n	# the rest works without a classifier on any kernel

# 2. One run: qdisc and class with the rate, changed, unlimited, gone.
run_start one $OPT 1000000
eq "one run takes abc:1" "$(run_line one 1)" abc:1
every "HTB root qdisc abc: on every shaped interface" \
    sh -c '[ "$(tc -n "$0" qdisc show dev "$1" root | cut -d" " -f2,3)" = "htb abc:" ]' "$NS"
check "a down interface is not shaped" test "$(root_of v2vd0)" != "htb abc:"
eq "the admin's $ADMIN root qdisc stays" "$(root_of v2vc0)" "$ADMIN 1:"
check "direct_qlen 10000 even where txqueuelen is 0" \
    sh -c 'tc -n "$0" qdisc show dev v2vb0 | grep -q "direct_qlen 10000"' "$NS"
check "no default class: unclassified traffic is not limited" \
    sh -c 'tc -n "$0" qdisc show dev v2va0 | grep -q "default 0 "' "$NS"
every "class abc:1 at 8Mbit (1000000 bytes/s)" \
    sh -c '[ "$(tc -n "$0" class show dev "$1" classid abc:1 | grep -o "rate [^ ]* ceil [^ ]*")" = "rate 8Mbit ceil 8Mbit" ]' "$NS"
check "the class's own queue: pfifo of 10000 packets, also where txqueuelen is 0" \
    sh -c 'tc -n "$0" qdisc show dev v2vb0 | grep -q "^qdisc pfifo [0-9a-f]*: parent abc:1 limit 10000p"' "$NS"
check "quantum set explicitly" \
    sh -c 'tc -n "$0" -d class show dev v2va0 classid abc:1 | grep -q "quantum 65536"' "$NS"
echo "rate 2000000" >&"${FD[one]}"
eq "a new rate is applied" "$(run_line one 2)" ok
every "class abc:1 now at 16Mbit" \
    sh -c '[ "$(tc -n "$0" class show dev "$1" classid abc:1 | grep -o "rate [^ ]*")" = "rate 16Mbit" ]' "$NS"
echo "rate 6000000000" >&"${FD[one]}"
run_line one 3 >/dev/null
eq "6 GB/s is not capped at 4 GB/s (rate64)" "$(class_of v2va0 1)" "48Gbit 48Gbit"
echo "rate 0" >&"${FD[one]}"
run_line one 4 >/dev/null
eq "unlimited: 2^40 bytes/s" "$(class_of v2va0 1)" "8796Gbit 8796Gbit"
run_end one
eq "the run ends" $? 0
no_qdisc_left "after one run"

# 3. A class id someone holds on one of the interfaces is skipped, on
# every interface, and theirs is left alone.
tc -n "$NS" qdisc add dev v2vb1 root handle abc: htb
tc -n "$NS" class add dev v2vb1 parent abc: classid abc:1 htb rate 1mbit
run_start pre $OPT 1000000
eq "abc:1 taken on v2vb1: the run takes abc:2" "$(run_line pre 1)" abc:2
eq "abc:1 was not left on lo" "$(class_of lo 1)" ""
eq "abc:1 was not left on v2va0" "$(class_of v2va0 1)" ""
run_end pre
eq "the pre-created class stays" "$(class_of v2vb1 1)" "1Mbit 1Mbit"
eq "and so does the qdisc that holds it" "$(root_of v2vb1)" "htb abc:"
eq "the qdisc went where nothing is left" "$(root_of v2va0)" "noqueue 0:"
tc -n "$NS" qdisc del dev v2vb1 root

# 4. Twenty runs released at once from one barrier.
mkfifo "$T/barrier"
exec {B}<>"$T/barrier"
for i in $(seq 20); do run_start "r$i" $OPT -b "$T/barrier" $((100000 * i)); done
printf '%020d' 0 >&"$B"
for i in $(seq 20); do run_line "r$i" 1; done >"$T/classes"
eq "20 runs: 20 classes" "$(grep -c '^abc:' "$T/classes")" 20
eq "20 runs: 20 distinct classes" "$(sort -u "$T/classes" | grep -c '^abc:')" 20
every "20 classes on every shaped interface" sh -c '[ "$(tc -n "$0" class show dev "$1" | grep -c "^class htb abc:")" = 20 ]' "$NS"
eq "run 7's class has run 7's rate" "$(class_of v2va0 "$(sed 's/abc://' "$T/out.r7")")" "5600Kbit 5600Kbit"
DEAD=$(sed 's/abc://' "$T/out.r7")
kill -9 "${PID[r7]}"
wait "${PID[r7]}" 2>/dev/null
every "kill -9 of one run: the qdisc stays" sh -c '[ "$(tc -n "$0" qdisc show dev "$1" root | cut -d" " -f2,3)" = "htb abc:" ]' "$NS"
every "kill -9 of one run: every class stays" sh -c '[ "$(tc -n "$0" class show dev "$1" | grep -c "^class htb abc:")" = 20 ]' "$NS"
rc=0
for i in $(seq 20); do [ "$i" = 7 ] || run_end "r$i" || rc=1; done
eq "the other 19 end well" $rc 0
every "only the dead run's class is left" sh -c '[ "$(tc -n "$0" class show dev "$2" | grep -o "^class htb abc:[0-9a-f]*")" = "class htb abc:$1" ]' "$NS" "$DEAD"
ip netns exec "$NS" "$TCRUN" -l "$T/run" -r "$DEAD" 2>>"$T/err"
eq "the cleanup of the dead run ends well" $? 0
no_qdisc_left "after the dead run's cleanup"

# 5. A real transfer over v2va0, steered into the class by SO_PRIORITY
# (HTB's own lookup of skb->priority; cls_cgroup does the same for
# virt-v2v's sockets): under the limit x 1.1 over at least 5 seconds,
# at least half of it reached, overlimits counted.  Traffic outside
# the class is not limited.
LIMIT=2000000
flow() {	# flow PRIO SECONDS: bytes/s the receiver measured
	local out=$T/flow.$1
	: >"$out"
	ip netns exec "$PEER" "$FLOW" recv 5001 >"$out" &
	local r=$!
	until_listening "$out"
	ip netns exec "$NS" "$FLOW" send 10.199.0.2 5001 "$1" "$2"
	wait "$r"
	awk 'NR == 2 { printf "%d %.1f\n", $1 / $2, $2 }' "$out"
}
run_start flow $OPT "$LIMIT"
MINOR=$(run_line flow 1 | sed 's/abc://')
read -r RATE SECS <<<"$(flow $((0xabc0000 + 0x$MINOR)) 6)"
note "classified transfer: $RATE bytes/s over $SECS s, limit $LIMIT"
check "it lasted at least 5 s" awk "BEGIN { exit !($SECS >= 5) }"
check "it stayed under the limit x 1.1" test "$RATE" -le $((LIMIT * 11 / 10))
check "it reached at least half the limit" test "$RATE" -ge $((LIMIT / 2))
OVER=$(tc -n "$NS" -s class show dev v2va0 classid "abc:$MINOR" | sed -n 's/.*overlimits \([0-9]*\).*/\1/p')
check "the class counted overlimits ($OVER)" test "${OVER:-0}" -gt 0
read -r RATE SECS <<<"$(flow 0 2)"
note "unclassified transfer: $RATE bytes/s"
check "unclassified traffic is not limited" test "$RATE" -gt $((LIMIT * 3))
run_end flow
no_qdisc_left "after the transfer"

# 6. priv's glue: the first limit shapes and writes the classid of the
# run's cgroup, later ones change the rate, the end removes the class,
# the qdisc and the cgroup; "unlimited" first touches nothing.
NETRUN=$TOP/regress/tc/netrun
mkdir -p "$T/cg/net_cls"
mount -t cgroup -o net_cls v2vw-test "$T/cg/net_cls" || exit 1
CGD=$T/cg/net_cls/v2v-conversion
mkdir -p "$CGD"
# glue_start ID BYTES [OPT]: netrun in cgroup CGD/ID, like run_start.
glue_start() {
	local id=$1 bytes=$2 fd
	shift 2
	mkdir "$CGD/tc$$-$id"
	mkfifo "$T/in.$id"
	(
		for fd in "${FD[@]}"; do eval "exec $fd>&-"; done
		exec ip netns exec "$NS" "$NETRUN" "$@" -l "$T/run" -c "$CGD/tc$$-$id" \
		    "$bytes" <"$T/in.$id" >"$T/out.$id" 2>>"$T/err"
	) &
	PID[$id]=$!
	exec {fd}>"$T/in.$id"
	FD[$id]=$fd
}
glue_start cls0 1000000
if [ $HAVE_CLS = 1 ]; then
	check "priv's glue, classifier: applied" grep -q '^applied abc:' <<<"$(run_line cls0 1)"
else
	eq "priv's glue, no cls_cgroup: unavailable, LIMIT_WHY_NOCLS" "$(run_line cls0 1)" "unavailable 7"
	eq "priv's glue, no cls_cgroup: no classid written" "$(cat "$CGD/tc$$-cls0/net_cls.classid")" 0
	echo "limit 2000000" >&"${FD[cls0]}"
	eq "priv's glue, no cls_cgroup: the answer stands, no new try" "$(run_line cls0 2)" "unavailable 7"
fi
run_end cls0
no_qdisc_left "priv's glue, classifier"
check "priv's glue: the run's cgroup is removed" test ! -e "$CGD/tc$$-cls0"

glue_start g 0 $OPT
eq "priv's glue: unlimited first is applied" "$(run_line g 1)" "applied abc:0"
eq "priv's glue: and touches nothing" "$(tc -n "$NS" qdisc show | grep -c 'htb abc:')" 0
check "priv's glue: the process is in its cgroup" grep -qx "${PID[g]}" "$CGD/tc$$-g/cgroup.procs"
echo "limit 1000000" >&"${FD[g]}"
G=$(run_line g 2)
eq "priv's glue: the first limit" "$G" "applied abc:1"
eq "priv's glue: the cgroup's classid names the class" "$(cat "$CGD/tc$$-g/net_cls.classid")" $((0xabc0001))
eq "priv's glue: the class has the rate" "$(class_of v2va0 1)" "8Mbit 8Mbit"
echo "limit 3000000" >&"${FD[g]}"
eq "priv's glue: a new limit" "$(run_line g 3)" "applied abc:1"
eq "priv's glue: the class has the new rate" "$(class_of lo 1)" "24Mbit 24Mbit"
echo "limit 0" >&"${FD[g]}"
run_line g 4 >/dev/null
eq "priv's glue: unlimited keeps the class at 2^40" "$(class_of v2vb0 1)" "8796Gbit 8796Gbit"
run_end g
eq "priv's glue: the run ends" $? 0
no_qdisc_left "priv's glue"
check "priv's glue: the run's cgroup is removed" test ! -e "$CGD/tc$$-g"
rmdir "$CGD" 2>/dev/null	# unless another run uses it

eq "the admin's qdisc is byte-identical afterwards" "$(admin_view)" "$ADMIN_BEFORE"
# Only the info lines: the classes taken, the qdiscs removed, the admin's
# interface left alone.
eq "no tc warning from any run" "$(grep -v -e 'tc: class abc:[0-9a-f]* on [^ ]*$' \
    -e 'tc: removed the shared qdisc abc: from ' -e 'tc: v2vc0 keeps its configured qdisc' "$T/err")" ""
