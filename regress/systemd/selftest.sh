#!/bin/bash
# SPDX-License-Identifier: ISC
# selftest.sh: does boot.sh give us a systemd that behaves as the wrapper
# expects?  Run it inside boot.sh (as root):
#
#   bash regress/systemd/boot.sh -- bash regress/systemd/selftest.sh
#
# Not named test-*.sh on purpose: regress/run.sh must not pick it up.
# Prints "ok N - ..." / "not ok N - ..." lines, then "N passed, N failed";
# exits 0 only when every check passed.
set -u
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WAITSTATE=$TOP/regress/tools/waitstate

N=0 PASS=0 FAIL=0
ok()    { N=$((N + 1)); PASS=$((PASS + 1)); echo "ok $N - $*"; }
notok() { N=$((N + 1)); FAIL=$((FAIL + 1)); echo "not ok $N - $*"; }
note()  { echo "# $*"; }
check() { local d=$1; shift; if "$@"; then ok "$d"; else notok "$d"; fi; }
finish() {
	echo "$PASS passed, $FAIL failed"
	[ "$FAIL" -eq 0 ]
	exit
}

if [ "${V2VW_SD:-}" != 1 ]; then
	notok "not running inside regress/systemd/boot.sh"
	finish
fi

U=v2vw-self-$$            # killed unit
Q=v2vw-self-$$-quota      # CPUQuota unit
B=v2vw-self-$$-bin        # host-built binary
T=v2vw-self-$$-tmp        # writes to /tmp
SCRATCH=$(mktemp -d /tmp/v2vw-self.XXXXXX)
cleanup() {
	systemctl stop "$U" "$Q" "$B" "$T" >/dev/null 2>&1
	systemctl reset-failed "$U" "$Q" "$B" "$T" >/dev/null 2>&1
	rm -rf "$SCRATCH"
}
trap cleanup EXIT

# props UNIT: systemctl show into the array P (parsed by key: systemd
# prints properties in its own order, not in the order asked for).
declare -A P
PROPS=MainPID,ActiveState,LoadState,ControlGroup,ExecMainCode,ExecMainStatus
props() {
	local k v
	P=()
	while IFS='=' read -r k v; do
		[ -n "$k" ] && P[$k]=$v
	done < <(systemctl show -p "$PROPS,Result,CPUQuotaPerSecUSec" "$1" 2>/dev/null)
}
# await UNIT KEY VALUE: poll (up to 5 s) until the unit's KEY is VALUE.
await() {
	local i
	for i in $(seq 1 50); do
		props "$1"
		[ "${P[$2]-}" = "$3" ] && return 0
		sleep 0.1
	done
	return 1
}
dump() { local k; for k in "${!P[@]}"; do note "$1: $k=${P[$k]}"; done; }

VDSM_UID=$(getent passwd vdsm | cut -d: -f3)
KVM_GID=$(getent group kvm | cut -d: -f3)
note "host vdsm uid=${VDSM_UID:-?} kvm gid=${KVM_GID:-?}, machine ${V2VW_SD_MACHINE:-?}"

# 1. the manager is up
st=$(systemctl is-system-running 2>&1)
case $st in
running|degraded) ok "systemctl is-system-running: $st" ;;
*) notok "systemctl is-system-running: $st" ;;
esac
[ "$st" = degraded ] && systemctl --failed --no-legend | sed 's/^/# failed: /'

# 2. a transient service as vdsm:kvm
check "systemd-run --unit=$U -p RemainAfterExit=yes --uid=vdsm --gid=kvm /bin/sleep 30" \
    systemd-run --quiet --unit="$U" -p RemainAfterExit=yes --uid=vdsm --gid=kvm /bin/sleep 30

# 3. systemctl show parses
props "$U"
missing=
for k in ${PROPS//,/ }; do [ -n "${P[$k]+set}" ] || missing+=" $k"; done
pid=${P[MainPID]-}
if [ -z "$missing" ] && [ "${pid:-0}" -gt 0 ] 2>/dev/null &&
    [ "${P[ActiveState]}" = active ] && [ "${P[LoadState]}" = loaded ] &&
    [ "${P[ControlGroup]}" = "/system.slice/$U.service" ]; then
	ok "systemctl show -p $PROPS: MainPID=$pid active loaded ControlGroup=${P[ControlGroup]}"
else
	notok "systemctl show -p $PROPS${missing:+ (missing:$missing)}"
	dump "$U"
fi

# 4. MainPID is valid in our /proc and runs as vdsm:kvm
cmd=$(tr '\0' ' ' <"/proc/${pid:-0}/cmdline" 2>/dev/null)
check "/proc/$pid exists and is the unit's process (${cmd:-none})" \
    [ "$cmd" = "/bin/sleep 30 " ]
uids=$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/${pid:-0}/status" 2>/dev/null)
gids=$(awk '/^Gid:/ { print $2, $3, $4, $5 }' "/proc/${pid:-0}/status" 2>/dev/null)
check "MainPID runs as vdsm:kvm ($VDSM_UID:$KVM_GID; Uid: ${uids:-?}; Gid: ${gids:-?})" \
    [ "$uids/$gids" = "$VDSM_UID $VDSM_UID $VDSM_UID $VDSM_UID/$KVM_GID $KVM_GID $KVM_GID $KVM_GID" ]
cg=$(awk -F: '$2 == "name=systemd" { print $3 }' "/proc/${pid:-0}/cgroup" 2>/dev/null)
check "MainPID's cgroup is the unit's ControlGroup (${cg:-none})" \
    [ "$cg" = "/system.slice/$U.service" ]

# 5. SIGKILL from outside: killed status, unit still loaded
if [ "${pid:-0}" -gt 0 ] 2>/dev/null && kill -KILL "$pid"; then
	await "$U" ExecMainCode 2
	if [ "${P[ExecMainCode]-}" = 2 ] && [ "${P[ExecMainStatus]-}" = 9 ] &&
	    [ "${P[LoadState]-}" = loaded ]; then
		ok "kill -KILL MainPID: ExecMainCode=2 ExecMainStatus=9, still loaded (${P[ActiveState]}/${P[Result]})"
	else
		notok "kill -KILL MainPID: unit state afterwards"
		dump "$U"
	fi
else
	notok "kill -KILL MainPID ${pid:-none}"
fi

# 6. set-property --runtime CPUQuota reaches cgroup v1 cpu.cfs_quota_us
if systemd-run --quiet --unit="$Q" --uid=vdsm --gid=kvm /bin/sleep 30; then
	props "$Q"
	qpid=${P[MainPID]-0} qcg=${P[ControlGroup]-}
	if systemctl set-property --runtime "$Q" CPUQuota=50%; then
		f=/sys/fs/cgroup/cpu$qcg/cpu.cfs_quota_us
		q=$(cat "$f" 2>/dev/null)
		check "set-property --runtime $Q CPUQuota=50%: $f = ${q:-missing}" \
		    [ "$q" = 50000 ]
		check "MainPID $qpid is in that cpu cgroup" \
		    grep -qx "$qpid" "/sys/fs/cgroup/cpu$qcg/cgroup.procs"
		props "$Q"
		check "CPUQuotaPerSecUSec=${P[CPUQuotaPerSecUSec]-}" \
		    [ "${P[CPUQuotaPerSecUSec]-}" = 500ms ]
	else
		notok "systemctl set-property --runtime $Q CPUQuota=50%"
	fi
else
	notok "systemd-run --unit=$Q /bin/sleep 30"
fi

# 7. stop + reset-failed remove both units
systemctl stop "$U" "$Q" >/dev/null 2>&1
systemctl reset-failed "$U" "$Q" >/dev/null 2>&1   # 1 for units already gone
props "$U"; lu=${P[LoadState]-}
props "$Q"; lq=${P[LoadState]-}
check "stop + reset-failed: LoadState $lu / $lq (want not-found)" \
    [ "$lu/$lq" = not-found/not-found ]
check "the quota unit's cpu cgroup is gone" \
    [ ! -e "/sys/fs/cgroup/cpu/system.slice/$Q.service" ]

# 8. a unit runs a binary from the build tree (binds + host /usr)
if [ -x "$WAITSTATE" ]; then
	out=$(systemd-run --quiet --wait --pipe --unit="$B" --uid=vdsm --gid=kvm \
	    "$WAITSTATE" 2>&1 </dev/null)
	rc=$?
	props "$B"
	if [ "$rc" = 2 ] && [ "${P[ExecMainCode]-}" = 1 ] &&
	    [ "${P[ExecMainStatus]-}" = 2 ] && [[ $out == usage:* ]]; then
		ok "unit runs $WAITSTATE: usage exit 2 (ExecMainCode=1 ExecMainStatus=2)"
	else
		notok "unit runs $WAITSTATE: rc=$rc output: $out"
		dump "$B"
	fi
	systemctl reset-failed "$B" >/dev/null 2>&1
else
	notok "$WAITSTATE not built (run make first)"
fi

# 9. /tmp is shared with units
chmod 0777 "$SCRATCH"
systemd-run --quiet --wait --unit="$T" --uid=vdsm --gid=kvm \
    /bin/sh -c "echo from-unit >$SCRATCH/f"
check "a unit's write to $SCRATCH is seen on the host, owned by vdsm:kvm" \
    [ "$(cat "$SCRATCH/f" 2>/dev/null) $(stat -c %u:%g "$SCRATCH/f" 2>/dev/null)" = "from-unit $VDSM_UID:$KVM_GID" ]

finish
