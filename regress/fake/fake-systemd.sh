#!/bin/bash
# SPDX-License-Identifier: ISC
# A stand-in for systemd-run and systemctl, for the fast tests: enough of
# their behaviour for the wrapper's unit path, with the unit's facts kept
# in files of a state directory.  The real ones are tested in a booted
# systemd container (regress/systemd/).
#   fake-systemd.sh DIR systemd-run [--unit=N] [--uid=U] [--gid=G] ... -- CMD...
#   fake-systemd.sh DIR systemctl show|kill|stop|reset-failed|set-property N ...
# Like systemd, a unit that exits 0 with RemainAfterExit stays loaded
# with MainPID=0, one that fails stays "failed" until reset-failed, and
# a name in use is refused.
# With V2VW_FAKE_RECORD=FILE in its environment (priv gives its children
# a built one: set it in the wrapper script that execs this), each call
# appends one line to FILE: the tool, the verb, and the kernel's view of
# this process, which is the one priv forked: its parent, uids, the
# capability sets and NoNewPrivs from /proc, and the securebits (which
# /proc does not show; regress/tools/securebits, run from here, inherits
# them).
set -u
D=$1 tool=$2
shift 2

record() {
	{
		printf 'tool=%s verb=%s pid=%s' "$tool" "$1" "$$"
		awk 'BEGIN { split("PPid Uid Gid CapInh CapPrm CapEff CapBnd CapAmb NoNewPrivs", w) }
		    { f[$1] = $2; for (i = 3; i <= NF; i++) f[$1] = f[$1] "," $i }
		    END { for (i = 1; i in w; i++) printf " %s=%s", w[i], f[w[i] ":"] }' \
		    "/proc/$$/status"
		printf ' securebits=%s\n' "$("$(dirname "$0")/../tools/securebits" | cut -d' ' -f1)"
	} >>"$V2VW_FAKE_RECORD"
}
# The parent asks for the version (cgroup v2 steering of units needs
# 243): the stand-in is no systemd that has it, and says nothing.
[ "$tool" = systemctl ] && [ "${1:-}" = --version ] && exit 1
[ -z "${V2VW_FAKE_RECORD:-}" ] || record "${1:--}"

run() {
	local unit= uid= gid= remain=no
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		case $1 in
		--unit=*) unit=${1#--unit=} ;;
		--uid=*) uid=${1#--uid=} ;;
		--gid=*) gid=${1#--gid=} ;;
		--property=RemainAfterExit=yes|-pRemainAfterExit=yes) remain=yes ;;
		esac
		shift
	done
	shift
	[ -n "$unit" ] || { echo "fake systemd-run: no --unit" >&2; exit 1; }
	if [ -e "$D/$unit.pid" ]; then
		echo "Failed to start transient service unit: Unit $unit was already loaded" >&2
		exit 1
	fi
	echo "$remain" >"$D/$unit.remain"
	# Unlike systemd, a fake run by priv (uid 0, no CAP_SETUID) cannot
	# switch users: then the unit runs as priv does.  The real switch is
	# tested against the real systemd.
	local as=(setpriv --reuid="$uid" --regid="$gid" --clear-groups --)
	"${as[@]}" true 2>/dev/null || as=()
	# The supervisor plays systemd: it waits for the process and keeps
	# its end; nothing of ours (the capture pipe) stays open in it.
	(
		"${as[@]}" "$@" &
		echo $! >"$D/$unit.pid.tmp" && mv "$D/$unit.pid.tmp" "$D/$unit.pid"
		wait $!
		echo $? >"$D/$unit.rc.tmp" && mv "$D/$unit.rc.tmp" "$D/$unit.rc"
	) </dev/null >/dev/null 2>>"$D/stderr-$unit" &
	for _ in $(seq 500); do [ -e "$D/$unit.pid" ] && break; sleep 0.01; done
}

show() {
	local unit=$1 pid rc
	if [ ! -e "$D/$unit.pid" ]; then
		printf 'MainPID=0\nExecMainPID=0\nActiveState=inactive\nLoadState=not-found\nExecMainCode=0\nExecMainStatus=0\n'
		return
	fi
	pid=$(cat "$D/$unit.pid")
	if [ ! -e "$D/$unit.rc" ]; then
		printf 'LoadState=loaded\nActiveState=active\nMainPID=%s\nExecMainPID=%s\nExecMainCode=0\nExecMainStatus=0\n' "$pid" "$pid"
		return
	fi
	rc=$(cat "$D/$unit.rc")
	echo "ExecMainPID=$pid"
	if [ "$rc" -ge 128 ]; then
		printf 'MainPID=0\nActiveState=failed\nLoadState=loaded\nExecMainCode=2\nExecMainStatus=%s\n' $((rc - 128))
	elif [ "$rc" -ne 0 ]; then
		printf 'MainPID=0\nActiveState=failed\nLoadState=loaded\nExecMainCode=1\nExecMainStatus=%s\n' "$rc"
	else
		printf 'MainPID=0\nActiveState=active\nLoadState=loaded\nExecMainCode=1\nExecMainStatus=0\n'
	fi
}

ctl() {
	local verb=$1 unit=$2 sig=TERM
	shift 2
	echo "$verb $unit $*" >>"$D/calls"
	case $verb in
	show) show "$unit" ;;
	kill)
		for a in "$@"; do case $a in --signal=*) sig=${a#--signal=} ;; esac; done
		[ -e "$D/$unit.rc" ] || kill -"$sig" "$(cat "$D/$unit.pid")" ;;
	stop)
		if [ -e "$D/$unit.pid" ] && [ ! -e "$D/$unit.rc" ]; then
			kill -TERM "$(cat "$D/$unit.pid")"
		fi ;;
	reset-failed) rm -f "$D/$unit".* ;;
	set-property)
		[ -e "$D/$unit.pid" ] || { echo "Unit $unit not loaded." >&2; exit 1; }
		echo "$*" >>"$D/$unit.props" ;;
	*) echo "fake systemctl: $verb?" >&2; exit 1 ;;
	esac
}

case $tool in
systemd-run) run "$@" ;;
systemctl) ctl "$@" ;;
esac
