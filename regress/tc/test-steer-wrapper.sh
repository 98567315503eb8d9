#!/bin/bash
# SPDX-License-Identifier: ISC
# Network limits on cgroup v2 through the whole wrapper (issue 14): a
# daemonized run inside a network namespace of this test, whose
# "virt-v2v" starts a TCP sender (no SO_PRIORITY: the run's BPF program
# sets skb->priority) to a receiver in a second namespace over a veth.
# The receiver measures: the input's limit holds the sender, a new limit
# from the throttling file changes the rate, "unlimited" lifts it, a
# sender outside the run's cgroup is not limited meanwhile; after the
# run no qdisc, class, cgroup or class file of the run is left.
. "$(dirname "$0")/../lib.sh"

if ! is_root; then
	skip "cgroup v2 steering through the wrapper: needs root"
	exit 0
fi
CG2=$(findmnt -n -t cgroup2 -o TARGET | head -n 1)
if [ -z "$CG2" ]; then
	skip "cgroup v2 steering through the wrapper: no cgroup2 hierarchy mounted"
	exit 0
fi
ensure_vdsm
FLOW=$TOP/regress/tc/flow
NS=v2vw-st-$$ PEER=v2vw-stp-$$
new_env
teardown() {
	ip netns del "$NS" 2>/dev/null
	ip netns del "$PEER" 2>/dev/null
	cleanup_env
}
trap teardown EXIT
ip netns add "$NS" && ip netns add "$PEER" || exit 1
ip -n "$NS" link set dev lo up
ip -n "$NS" link add name v2vs0 type veth peer name v2vs1 netns "$PEER"
ip -n "$NS" addr add 10.198.0.1/24 dev v2vs0
ip -n "$NS" link set dev v2vs0 up
ip -n "$PEER" addr add 10.198.0.2/24 dev v2vs1
ip -n "$PEER" link set dev v2vs1 up
ip -n "$PEER" link set dev lo up

# virt-v2v: a sender for each go.N file the test touches, then the
# replay held until go.
cat >"$T/virt-v2v" <<EOS
#!/bin/sh
case "\$*" in --machine-readable) exec "$FAKE" -- "\$@" ;; esac
for n in 1 2 3; do
	while [ ! -e "$T/send.\$n" ]; do sleep 0.05; done
	"$FLOW" send 10.198.0.2 500\$n 0 \$(cat "$T/send.\$n") 2>/dev/null
	touch "$T/sent.\$n"
done &
exec "$FAKE" --replay "$FIX/v2v/a-plain-local-pipe.out" --hold-at "Copying disk" --go "$T/go" -- "\$@"
EOS
chmod 755 "$T/virt-v2v"

# measure N SECONDS: the receiver's bytes/s of transfer N.
measure() {
	local out=$T/recv.$1
	ip netns exec "$PEER" "$FLOW" recv 500$1 >"$out" &
	local r=$!
	until_listening "$out"
	echo "$2" >"$T/send.$1.tmp" && mv "$T/send.$1.tmp" "$T/send.$1"
	wait "$r"
	awk '!/listening/ { printf "%d %.1f\n", $1 / $2, $2 }' "$out"
}

nsenter --net="/run/netns/$NS" "$WRAPPER" >"$T/out" 2>"$T/err" <<<'{"vm_name":"g",
 "transport_method":"ssh","ssh_key":'"$KEY"',"export_domain":"'"$T"'/ed",
 "throttling":{"network":"1000000"}}'
eq "daemonized: the first process exits 0" $? 0
STATE=$(jq -r .state_file "$T/out") THR=$(jq -r .throttling_file "$T/out")
TAG=$(basename "$(dirname "$STATE")" | sed 's/^v2v-import-//')
"$WAITSTATE" "$STATE" 10 started >/dev/null
check "the input's limit is applied" until_state .throttling.network '"1000000"'
CGD=$CG2/v2v-conversion/$TAG
check "the run's cgroup is on cgroup v2" test -d "$CGD"
check "virt-v2v is in it" grep -qx "$(jget "$STATE" .pid)" "$CGD/cgroup.procs"
check "the log says which mechanism shapes the run" \
    grep -q "network limits: cgroup v2" "$(jq -r .wrapper_log "$T/out")"
MINOR=$(cat "$T/run/v2v-import-$TAG.private/netclass")
eq "the class is named for the sweep" "$MINOR" 1
eq "the class has the rate" "$(tc -n "$NS" class show dev v2vs0 classid abc:1 | grep -o 'rate [^ ]*')" "rate 8Mbit"

read -r RATE SECS <<<"$(measure 1 6)"
note "limit 1000000 B/s: $RATE B/s over $SECS s"
check "limited: at most 1.1x the limit" within "$RATE" 0 1100000
check "limited: at least 0.5x the limit" within "$RATE" 500000 1100000
check "limited: over at least 5 s" within "$SECS" 5 60
check "the class saw overlimits" test "$(tc -n "$NS" -s class show dev v2vs0 classid abc:1 | grep -o 'overlimits [0-9]*' | awk '{print $2}')" -gt 0

# A sender outside the run's cgroup meanwhile: not limited.
ip netns exec "$PEER" "$FLOW" recv 5009 >"$T/recv.9" &
R=$!
until_listening "$T/recv.9"
ip netns exec "$NS" "$FLOW" send 10.198.0.2 5009 0 2 2>/dev/null
wait "$R"
OUT=$(awk '!/listening/ { printf "%d", $1 / $2 }' "$T/recv.9")
note "outside the run's cgroup: $OUT B/s"
check "a sender outside the run's cgroup is not limited (> 10x)" within "$OUT" 10000000 1e15

printf '{"network": "2000000"}' >"$THR"
check "a new limit from the throttling file" until_state .throttling.network '"2000000"'
read -r RATE SECS <<<"$(measure 2 6)"
note "limit 2000000 B/s: $RATE B/s over $SECS s"
check "the new limit: 1.0x to 2.2x the first" within "$RATE" 1000000 2200000

printf '{"network": "unlimited"}' >"$THR"
check "unlimited" until_state .throttling.network '"unlimited"'
read -r RATE SECS <<<"$(measure 3 2)"
note "unlimited: $RATE B/s over $SECS s"
check "unlimited lifts it (> 10x the first limit)" within "$RATE" 10000000 1e15

touch "$T/go"
check "the run finishes" "$WAITSTATE" "$STATE" 30 finished
eq "return_code 0" "$(jget "$STATE" .return_code)" 0
for _ in $(seq 100); do [ -e "$CGD" ] || break; sleep 0.05; done
check "the run's cgroup is gone" test ! -e "$CGD"
eq "no qdisc of ours is left" "$(tc -n "$NS" qdisc show | grep -c 'htb abc:')" 0
check "the private directory, its class file with it, is gone" test ! -e "$T/run/v2v-import-$TAG.private"
