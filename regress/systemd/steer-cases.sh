#!/bin/bash
# SPDX-License-Identifier: ISC
# cgroup v2 steering of a unit against a real systemd 252 on the unified
# hierarchy (issue 14, items 2 and 6): run by boot.sh with
# V2VW_SD_UNIFIED=1, in the container's own network namespace.  The
# daemonized conversion is a unit started with IPEgressFilterPath= on our
# pinned program; its virt-v2v sends TCP (no SO_PRIORITY) to a receiver
# on the container's loopback.  The receiver measures the limit, a new
# one, and with systemd's IP accounting on the same unit (the two
# programs coexist); a sender outside the unit is not limited; the pin,
# the class and the qdisc are gone afterwards.
. "$(dirname "$0")/../lib.sh"

[ "${V2VW_SD:-}" = 1 ] || { notok "steer-cases.sh runs inside regress/systemd/boot.sh"; exit 1; }
check "systemd runs" test -d /run/systemd/system
eq "the container is on cgroup v2" "$(stat -f -c %T /sys/fs/cgroup)" cgroup2fs
eq "the BPF file system is bound in" "$(stat -f -c %T /sys/fs/bpf)" bpf_fs
ip link set dev lo up
new_env
FLOW=$TOP/regress/tc/flow
cat >"$T/virt-v2v" <<EOS
#!/bin/sh
case "\$*" in --machine-readable) exec "$FAKE" -- "\$@" ;; esac
for n in 1 2 3; do
	while [ ! -e "$T/send.\$n" ]; do sleep 0.05; done
	"$FLOW" send 127.0.0.1 510\$n 0 \$(cat "$T/send.\$n") 2>/dev/null
done &
exec "$FAKE" --replay "$FIX/v2v/a-plain-local-pipe.out" --hold-at "Copying disk" --go "$T/go" -- "\$@"
EOS
chmod 755 "$T/virt-v2v"
measure() {	# measure N SECONDS: bytes/s of the unit's transfer N
	local out=$T/recv.$1 r
	"$FLOW" recv 510$1 >"$out" & r=$!
	until_listening "$out"
	echo "$2" >"$T/send.$1.tmp" && mv "$T/send.$1.tmp" "$T/send.$1"
	wait "$r"
	awk '!/listening/ { printf "%d %.1f\n", $1 / $2, $2 }' "$out"
}

"$WRAPPER" >"$T/out" 2>"$T/err" <<<'{"vm_name":"g","transport_method":"ssh",
 "ssh_key":'"$KEY"',"export_domain":"'"$T"'/ed","throttling":{"network":"1000000"}}'
eq "daemonized: the first process exits 0" $? 0
STATE=$(jq -r .state_file "$T/out") THR=$(jq -r .throttling_file "$T/out")
TAG=$(basename "$(dirname "$STATE")" | sed 's/^v2v-import-//')
UNIT=virt-v2v-$TAG.service
"$WAITSTATE" "$STATE" 10 started >/dev/null
eq "the unit names our pinned program" "$(systemctl show -p IPEgressFilterPath --value "$UNIT")" \
    "/sys/fs/bpf/virt-v2v-wrapper/$TAG"
check "the program is pinned" test -e "/sys/fs/bpf/virt-v2v-wrapper/$TAG"
check "the input's limit is applied" until_state .throttling.network '"1000000"'
read -r RATE SECS <<<"$(measure 1 6)"
note "unit, limit 1000000 B/s: $RATE B/s over $SECS s"
check "the unit's sender is held to the limit (0.5x to 1.1x)" within "$RATE" 500000 1100000
check "over at least 5 s" within "$SECS" 5 60

# systemd's IP accounting on the same unit: both programs on its cgroup.
systemctl set-property --runtime "$UNIT" IPAccounting=yes
printf '{"network": "2000000"}' >"$THR"
check "a new limit from the throttling file" until_state .throttling.network '"2000000"'
read -r RATE SECS <<<"$(measure 2 6)"
note "unit, limit 2000000 B/s, IP accounting on: $RATE B/s over $SECS s"
check "the new limit holds beside IP accounting (1.0x to 2.2x the first)" within "$RATE" 1000000 2200000
EGRESS=$(systemctl show -p IPEgressBytes --value "$UNIT")
note "IPEgressBytes: $EGRESS"
check "systemd's IP accounting counts the unit's traffic" within "${EGRESS:-0}" 1000000 1e15

# Outside the unit: not limited.
"$FLOW" recv 5109 >"$T/recv.9" & R=$!
until_listening "$T/recv.9"
"$FLOW" send 127.0.0.1 5109 0 2 2>/dev/null
wait "$R"
OUT=$(awk '!/listening/ { printf "%d", $1 / $2 }' "$T/recv.9")
note "outside the unit: $OUT B/s"
check "a sender outside the unit is not limited (> 10x)" within "$OUT" 10000000 1e15

printf '{"network": "unlimited"}' >"$THR"
check "unlimited" until_state .throttling.network '"unlimited"'
read -r RATE SECS <<<"$(measure 3 2)"
note "unit, unlimited: $RATE B/s"
check "unlimited lifts it (> 10x)" within "$RATE" 10000000 1e15

# CPU on cgroup v2 here: the host keeps the cpu controller on its v1
# hierarchy, so the unified one inside has none and CPUQuota= cannot act.
if grep -qw cpu /sys/fs/cgroup/cgroup.controllers; then
	printf '{"cpu": "30%%"}' >"$THR"
	check "a cpu limit on cgroup v2" until_state .throttling.cpu '"30%"'
	CG=$(systemctl show -p ControlGroup --value "$UNIT")
	eq "... in the unit's cpu.max" "$(cut -d' ' -f1 "/sys/fs/cgroup$CG/cpu.max")" 30000
else
	skip "CPUQuota on cgroup v2: the host binds the cpu controller to cgroup v1, the container's unified hierarchy has none ($(cat /sys/fs/cgroup/cgroup.controllers))"
fi

touch "$T/go"
check "the run finishes" "$WAITSTATE" "$STATE" 30 finished
eq "return_code 0" "$(jget "$STATE" .return_code)" 0
for _ in $(seq 100); do [ -e "/sys/fs/bpf/virt-v2v-wrapper/$TAG" ] || break; sleep 0.05; done
check "the pin is gone" test ! -e "/sys/fs/bpf/virt-v2v-wrapper/$TAG"
eq "no qdisc of ours is left" "$(tc qdisc show | grep -c 'htb abc:')" 0
