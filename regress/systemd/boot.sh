#!/bin/bash
# SPDX-License-Identifier: ISC
# boot.sh: run a command against a real systemd (Debian 12, systemd 252).
#
#   regress/systemd/boot.sh [--bind DIR]... [--] CMD [ARG...]
#   regress/systemd/boot.sh --prepare     (install + build the cache only)
#
# Test machines here have no systemd as PID 1 (cgroup v1, "hybrid" layout),
# but the wrapper's systemd code paths (systemd-run --uid/--gid, show,
# set-property --runtime, stop, reset-failed) deserve a real manager.  So:
#
#   1. a minimal Debian 12 rootfs is built once with debootstrap and cached
#      in /var/cache/v2vw-systemd/rootfs (flock, version stamp);
#   2. it is booted with systemd-nspawn as PID 1 of a container whose
#      cgroups live under child cgroups of our own, overlay-volatile (the
#      cache is never written), private network, the host's /usr read-only
#      (host-built binaries run in units unchanged), and the --bind DIRs
#      (default /work), /tmp and the project directory at the same paths;
#   3. the v1 controllers are made writable inside and PID 1 re-executed,
#      so CPUQuota= and friends reach cpu.cfs_quota_us etc.;
#   4. group kvm and user vdsm are created inside with the host's ids;
#   5. CMD runs on the HOST filesystem, in a private mount namespace and in
#      the container's PID and cgroup namespaces, where plain systemctl and
#      systemd-run talk to the container's systemd, MainPID is valid in
#      /proc and ControlGroup resolves under /sys/fs/cgroup/<hierarchy>.
#
# Units started by systemd-run run inside the container: their binaries and
# paths must be in /usr or a bound directory.
#
# Exit status: CMD's; 125 when the setup failed (one "setup failed" line on
# stderr says why); 129/130/143 when interrupted by HUP/INT/TERM.
# CMD sees V2VW_SD=1, V2VW_SD_MACHINE and V2VW_SD_LEADER (host pid of the
# container's PID 1).
#
# Knobs: V2VW_SD_UNIFIED=1 boots the container's systemd on cgroup v2
# (the unified hierarchy), lets it call bpf() and binds the host's BPF
# file system at /sys/fs/bpf (mounted first if it is not: it stays);
# V2VW_SD_CACHE (default /var/cache/v2vw-systemd), V2VW_SD_MIRROR,
# V2VW_SD_BOOT_TIMEOUT (60 s), V2VW_SD_HALT_TIMEOUT (5 s), V2VW_SD_QUIET=1
# (no progress lines), V2VW_SD_LOG=FILE (keep the container console log).
# Needs root on Debian 12; installs systemd-container and debootstrap.
set -u
shopt -s nullglob

PROG=boot.sh
SELF=$(realpath "${BASH_SOURCE[0]}")
TOP=$(cd "$(dirname "$SELF")/../.." && pwd)

# Recipe version of the cached rootfs: bump it whenever build_rootfs()
# changes, and the next run rebuilds.
ROOTFS_RECIPE="v2vw-systemd rootfs 2: bookworm minbase +systemd,dbus; masks, tmpfiles guards"

note() { [ "${V2VW_SD_QUIET:-0}" = 1 ] || echo "$PROG: $*" >&2; }
warn() { echo "$PROG: warning: $*" >&2; }
fail() { echo "$PROG: setup failed: $*" >&2; exit 125; }
now_ms() { date +%s%3N; }
secs() { local d=$(( $(now_ms) - $1 )); printf '%d.%02d' $((d / 1000)) $((d % 1000 / 10)); }

# ---------------------------------------------------------------------------
# Stage 2 (internal): runs as the child of nsenter, inside the container's
# PID and cgroup namespaces, in a private mount namespace of the host.
#   boot.sh __enter WORKDIR [MOUNTPOINT=SOURCE]... -- CMD [ARG...]
if [ "${1:-}" = __enter ]; then
	shift
	wd=$1; shift
	# a /proc for the container's PID namespace: MainPID values resolve
	mount -t proc -o nosuid,nodev,noexec proc /proc ||
		{ echo "$PROG: setup failed: mount /proc" >&2; exit 125; }
	# systemctl wants /run/systemd/system (sd_booted) and talks to PID 1 on
	# /run/systemd/private.  Bind mounts of /proc/1/root/... would resolve
	# to the host's paths, so these are symlinks into /proc/1/root.
	mkdir -p /run/systemd
	mount -t tmpfs -o mode=0755,size=1m v2vw-sd /run/systemd ||
		{ echo "$PROG: setup failed: mount /run/systemd" >&2; exit 125; }
	mkdir /run/systemd/system
	for s in private notify journal; do
		ln -s "/proc/1/root/run/systemd/$s" "/run/systemd/$s"
	done
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		mount --bind "${1#*=}" "${1%%=*}" ||
			{ echo "$PROG: setup failed: bind ${1#*=} on ${1%%=*}" >&2; exit 125; }
		shift
	done
	shift
	cd "$wd" 2>/dev/null || cd /
	export SYSTEMD_IGNORE_CHROOT=1
	export DBUS_SYSTEM_BUS_ADDRESS=unix:path=/proc/1/root/run/dbus/system_bus_socket
	exec "$@"
fi

# ---------------------------------------------------------------------------
# Watchdog (internal), fed by the main script on stdin:
#   boot.sh __watchdog   <<< "halt S" "work DIR" "name M" "cg DIR"... "pid P"
#                            "leader P" ... then "done" or end of file
if [ "${1:-}" = __watchdog ]; then
	trap '' INT TERM HUP QUIT
	halt=5 work= name= pid= leader= cgs=()
	while read -r k v; do
		case $k in
		halt) halt=$v ;; work) work=$v ;; name) name=$v ;;
		pid) pid=$v ;; leader) leader=$v ;; cg) cgs+=("$v") ;;
		done) exit 0 ;;
		esac
	done
	# End of file without "done": the main script died without teardown.
	nspawn_alive() {
		[ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = systemd-nspawn ]
	}
	if nspawn_alive; then
		kill -TERM "$pid"
		for i in $(seq 1 $((halt * 10))); do nspawn_alive || break; sleep 0.1; done
		nspawn_alive && kill -TERM "$pid" && sleep 2
		if nspawn_alive; then
			[ -n "$leader" ] && kill -KILL "$leader"
			kill -KILL "$pid"
		fi
		for i in $(seq 1 50); do nspawn_alive || break; sleep 0.1; done
	fi
	for i in 1 2 3 4 5; do
		for d in "${cgs[@]}"; do
			[ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
		done
		sleep 0.2
	done
	[ -n "$name" ] && rmdir "/run/systemd/nspawn/propagate/$name" 2>/dev/null
	case $work in /tmp/v2vw-sd.*) rm -rf "$work" ;; esac
	exit 0
fi

# ---------------------------------------------------------------------------
# Options.
usage() { echo "usage: $PROG [--inside] [--bind DIR]... [--] CMD [ARG...] | --prepare" >&2; exit 125; }
USER_BINDS=()
PREPARE=0
while [ $# -gt 0 ]; do
	case $1 in
	--bind)
		[ $# -ge 2 ] || usage
		[ -d "$2" ] || fail "--bind $2: not a directory"
		USER_BINDS+=("$(realpath "$2")"); shift 2 ;;
	--bind=*)
		[ -d "${1#--bind=}" ] || fail "$1: not a directory"
		USER_BINDS+=("$(realpath "${1#--bind=}")"); shift ;;
	--prepare) PREPARE=1; shift ;;
	--inside) INSIDE=1; shift ;;
	-h|--help) sed -n '2,/^set -u/p' "$SELF" | sed '$d; s/^# \{0,1\}//' >&2; exit 0 ;;
	--) shift; break ;;
	-*) usage ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || [ "$PREPARE" = 1 ] || usage

CACHE=${V2VW_SD_CACHE:-/var/cache/v2vw-systemd}
ROOTFS=$CACHE/rootfs
STAMP=$ROOTFS/.v2vw-stamp
BOOT_TIMEOUT=${V2VW_SD_BOOT_TIMEOUT:-60}
HALT_TIMEOUT=${V2VW_SD_HALT_TIMEOUT:-5}
MACHINE=v2vw-sd-$$
T_START=$(now_ms)

# State the teardown looks at.
WORK=            # our temporary directory (console log)
BUILD_PID=       # debootstrap in progress
BUILD_DIR=       # its target directory
NSPAWN_PID=
LEADER=          # host pid of the container's PID 1
CMD_PID=         # nsenter running CMD
BOOTED=0         # 1 once the container's systemd ran: it can halt cleanly
WATCHDOG=0       # 1 while the watchdog listens on fd 7
CG_OURS=()       # /sys/fs/cgroup/<h>/<our path>/$MACHINE

# ---------------------------------------------------------------------------
# Teardown.

# remove_tree DIR: unmount what debootstrap left mounted, then delete,
# never crossing into another file system.
remove_tree() {
	local d=$1 m
	[ -n "$d" ] && [ -d "$d" ] || return 0
	for m in $(awk -v p="$d/" 'substr($5, 1, length(p)) == p { print $5 }' \
	    /proc/self/mountinfo | sort -r); do
		umount -l "$m" 2>/dev/null
	done
	rm -rf --one-file-system "$d"
}

# cg_remove DIR: kill what is left in a cgroup subtree and remove it.
cg_remove() {
	local d=$1 i p left
	[ -d "$d" ] || return 0
	for i in $(seq 1 30); do
		left=
		for p in $(find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null); do
			kill -KILL "$p" 2>/dev/null; left=1
		done
		find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
		[ -d "$d" ] || return 0
		[ -n "$left" ] || [ "$i" -lt 10 ] || break
		sleep 0.1
	done
	warn "could not remove cgroup $d"
}

# alive PID: the process exists and is not a zombie.
alive() {
	local st
	st=$(awk '/^State:/ { print $2 }' "/proc/$1/status" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ]
}

# wait_gone PID TENTHS: wait for a child of ours to exit.
wait_gone() {
	local i
	for i in $(seq 1 "$2"); do
		alive "$1" || return 0
		sleep 0.1
	done
	! alive "$1"
}

teardown() {
	local rc=$? t c kids
	set +e
	trap '' INT TERM HUP PIPE
	t=$(now_ms)
	if [ "$WATCHDOG" = 1 ]; then
		echo done >&7 2>/dev/null
		exec 7>&-
	fi
	# Interrupted while CMD runs: end it from inside first.  nsenter waits
	# for its child with WUNTRACED and stops itself when the child stops, so
	# the shutdown's SIGSTOP broadcast would freeze it; and if nsenter died
	# first, its child would be re-parented to the host's init and the
	# container's shutdown would wait on it.
	if [ -n "$CMD_PID" ] && alive "$CMD_PID"; then
		exec 3>&2 2>/dev/null   # no "Killed" job notices
		kids=$(pgrep -P "$CMD_PID")
		for c in $kids; do kill -TERM "$c"; kill -CONT "$c"; done 2>/dev/null
		wait_gone "$CMD_PID" 20 || {
			for c in $kids; do kill -KILL "$c"; done 2>/dev/null
			wait_gone "$CMD_PID" 20 || kill -KILL "$CMD_PID" 2>/dev/null
		}
		wait "$CMD_PID"
		exec 2>&3 3>&-
	fi
	if [ -n "$BUILD_PID" ]; then
		kill -TERM "$BUILD_PID" 2>/dev/null
		wait "$BUILD_PID" 2>/dev/null
		remove_tree "$BUILD_DIR"
	fi
	if [ -n "$NSPAWN_PID" ] && alive "$NSPAWN_PID"; then
		# SIGTERM: nspawn asks PID 1 to halt; a second one kills at once.
		# (Before the boot finished, a halt request may go unheard.)
		kill -TERM "$NSPAWN_PID" 2>/dev/null
		if [ "$BOOTED" = 0 ]; then
			wait_gone "$NSPAWN_PID" 5 || kill -TERM "$NSPAWN_PID" 2>/dev/null
		fi
		if ! wait_gone "$NSPAWN_PID" $((HALT_TIMEOUT * 10)); then
			warn "container did not halt within ${HALT_TIMEOUT}s, terminating it"
			kill -TERM "$NSPAWN_PID" 2>/dev/null
			if ! wait_gone "$NSPAWN_PID" 20; then
				[ -n "$LEADER" ] && kill -KILL "$LEADER" 2>/dev/null
				kill -KILL "$NSPAWN_PID" 2>/dev/null
			fi
		fi
	fi
	[ -n "$NSPAWN_PID" ] && wait "$NSPAWN_PID" 2>/dev/null
	for c in "${CG_OURS[@]}"; do cg_remove "$c"; done
	# nspawn cannot clean below the host's /run (not a tmpfs here).
	rmdir "/run/systemd/nspawn/propagate/$MACHINE" 2>/dev/null
	if [ -n "$WORK" ]; then
		[ -n "${V2VW_SD_LOG:-}" ] && cp "$WORK/console.log" "$V2VW_SD_LOG"
		rm -rf "$WORK"
	fi
	[ -n "$NSPAWN_PID" ] && note "teardown $(secs "$t")s, total $(secs "$T_START")s"
	exit "$rc"
}
trap teardown EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------
# Host prerequisites.
[ "$(id -u)" = 0 ] || fail "must run as root"
mkdir -p "$CACHE" || fail "cannot create $CACHE"
if ! command -v systemd-nspawn >/dev/null || ! command -v debootstrap >/dev/null; then
	command -v apt-get >/dev/null || fail "systemd-nspawn/debootstrap missing and no apt-get (Debian 12 expected)"
	note "installing systemd-container debootstrap"
	# --no-install-recommends: the recommended libnss-mymachines would add
	# itself to /etc/nsswitch.conf.
	apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends \
	    systemd-container debootstrap >"$CACHE/apt-get.log" 2>&1 </dev/null ||
		fail "apt-get install systemd-container debootstrap failed, see $CACHE/apt-get.log"
fi
for t in systemd-nspawn debootstrap nsenter unshare flock getent useradd groupadd; do
	command -v "$t" >/dev/null || fail "$t not found"
done
[ -d /sys/fs/cgroup ] || fail "no /sys/fs/cgroup"
WORK=$(mktemp -d /tmp/v2vw-sd.XXXXXX) || fail "mktemp"

# ---------------------------------------------------------------------------
# Host ids of vdsm:kvm.  Units get --uid=vdsm --gid=kvm inside and tests
# compare with the host's view, so both sides must agree.  When the host has
# no such user or group, create it with oVirt's fixed id 36 if free.
exec 8>"$CACHE/users.lock" && flock -w 60 8 || fail "lock $CACHE/users.lock"
if ! getent group kvm >/dev/null; then
	g=; getent group 36 >/dev/null || g="-g 36"
	groupadd -r $g kvm || fail "groupadd kvm on the host"
	note "created group kvm on the host"
fi
if ! getent passwd vdsm >/dev/null; then
	u=; getent passwd 36 >/dev/null || u="-u 36"
	useradd -r -M $u -g kvm -d /var/lib/vdsm -s /usr/sbin/nologin vdsm ||
		fail "useradd vdsm on the host"
	note "created user vdsm on the host"
fi
exec 8>&-
KVM_GID=$(getent group kvm | cut -d: -f3)
VDSM_UID=$(getent passwd vdsm | cut -d: -f3)
[ -n "$KVM_GID" ] && [ -n "$VDSM_UID" ] || fail "cannot read the host's vdsm/kvm ids"

# ---------------------------------------------------------------------------
# Rootfs, built once.  Running containers hold a shared lock on it;
# (re)building takes the exclusive one, so a rootfs in use is never removed.
mirror() {
	local m=${V2VW_SD_MIRROR:-}
	[ -n "$m" ] || m=$(awk '
	    /^URIs:/ { u = $2 }
	    /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == "bookworm") ok = 1 }
	    /^$/ { if (ok && u != "") { print u; exit } u = ""; ok = 0 }
	    END { if (ok && u != "") print u }' \
	    /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)
	[ -n "$m" ] || m=$(awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' \
	    /etc/apt/sources.list 2>/dev/null)
	echo "${m:-http://deb.debian.org/debian}"
}

build_rootfs() {
	local r=$CACHE/rootfs.new.$$ m u t
	m=$(mirror)
	note "building $ROOTFS with debootstrap from $m (once, ~1 min)"
	t=$(now_ms)
	BUILD_DIR=$r
	remove_tree "$r"
	debootstrap --variant=minbase --include=systemd,dbus bookworm "$r" "$m" \
	    >"$CACHE/debootstrap.log" 2>&1 9>&- </dev/null &
	BUILD_PID=$!
	wait "$BUILD_PID" || fail "debootstrap failed, see $CACHE/debootstrap.log"
	BUILD_PID=
	# Boot straight to multi-user.target with little running.  The host's
	# /usr is mounted over this one at boot, so units and sysusers/tmpfiles
	# snippets come from the host, while all enablement comes from this /etc.
	ln -sf /lib/systemd/system/multi-user.target "$r/etc/systemd/system/default.target"
	rm -rf "$r/etc/systemd/system/getty.target.wants" "$r/etc/systemd/system/timers.target.wants"
	# systemd-tmpfiles --boot --remove would apply "D /tmp" to the host's
	# /tmp, which is bound inside: never run it, and mask the /tmp
	# snippets too in case something else does.  logind has PrivateTmp=
	# (a directory in the host's /tmp) and is not needed.
	for u in getty.target console-getty.service getty@.service getty-static.service \
	    systemd-firstboot.service systemd-pstore.service e2scrub_reap.service \
	    systemd-tmpfiles-setup.service systemd-tmpfiles-clean.service \
	    systemd-tmpfiles-clean.timer apt-daily.timer apt-daily-upgrade.timer \
	    dpkg-db-backup.timer fstrim.timer man-db.timer logrotate.timer \
	    e2scrub_all.timer systemd-ask-password-wall.path \
	    systemd-logind.service systemd-user-sessions.service; do
		ln -sf /dev/null "$r/etc/systemd/system/$u"
	done
	mkdir -p "$r/etc/tmpfiles.d" "$r/etc/systemd/journald.conf.d"
	for u in tmp.conf x11.conf; do ln -sf /dev/null "$r/etc/tmpfiles.d/$u"; done
	printf '[Journal]\nStorage=volatile\n' >"$r/etc/systemd/journald.conf.d/v2vw.conf"
	echo v2vw-sd >"$r/etc/hostname"
	: >"$r/etc/machine-id"          # a fresh transient machine id per boot
	echo "$ROOTFS_RECIPE" >"$r/.v2vw-stamp"
	remove_tree "$ROOTFS"
	mv "$r" "$ROOTFS" || fail "mv $r $ROOTFS"
	BUILD_DIR=
	note "rootfs built in $(secs "$t")s ($(du -sh "$ROOTFS" | cut -f1))"
}

exec 9>"$CACHE/rootfs.lock" || fail "open $CACHE/rootfs.lock"
flock -s -w 900 9 || fail "timed out waiting for $CACHE/rootfs.lock"
if [ "$(cat "$STAMP" 2>/dev/null)" != "$ROOTFS_RECIPE" ]; then
	flock -u 9
	flock -x -w 900 9 || fail "timed out waiting for the exclusive $CACHE/rootfs.lock"
	[ "$(cat "$STAMP" 2>/dev/null)" = "$ROOTFS_RECIPE" ] || build_rootfs
	flock -s 9 || fail "flock -s $CACHE/rootfs.lock"
fi
if [ "$PREPARE" = 1 ]; then
	note "$ROOTFS is ready ($(secs "$T_START")s)"
	exit 0
fi

# ---------------------------------------------------------------------------
# Cgroups: a child "$MACHINE" of our cgroup in every hierarchy but cpuset
# (a v1 cpuset child needs cpus/mems first, and systemd does not use it on
# v1).  nspawn started there gives the container a cgroup namespace rooted
# there, so whatever its systemd creates stays below and is removed with it.
#
# hier_mount SPEC: mount point of the hierarchy named as in /proc/PID/cgroup
# ("cpu", "cpu,cpuacct", "name=systemd", "" for cgroup2).
hier_mount() {
	awk -v spec="$1" '
	{
		for (i = 7; $i != "-"; i++) ;
		fs = $(i + 1); opts = "," $(i + 3) ","
		if (spec == "") { if (fs == "cgroup2") { print $5; exit } ; next }
		if (fs != "cgroup") next
		n = split(spec, c, ",")
		for (j = 1; j <= n; j++) if (index(opts, "," c[j] ",") == 0) next
		print $5; exit
	}' /proc/self/mountinfo
}
declare -A CG_MNT          # hierarchy spec ("@2" for cgroup2) -> mount point
while IFS=: read -r _ spec path; do
	mnt=$(hier_mount "$spec")
	[ -n "$mnt" ] || continue
	CG_MNT[${spec:-@2}]=$mnt
	case $spec in *cpuset*) continue ;; esac
	base=$mnt${path%/}
	# leftovers of runs that were SIGKILLed (empty ones only)
	for d in "$base"/v2vw-sd-*; do
		p=${d##*/v2vw-sd-}
		[ -d "/proc/$p" ] || find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	mkdir "$base/$MACHINE" || fail "mkdir $base/$MACHINE"
	CG_OURS+=("$base/$MACHINE")
done </proc/self/cgroup
[ ${#CG_OURS[@]} -gt 0 ] || fail "no cgroup hierarchy found"
for d in /run/systemd/nspawn/propagate/v2vw-sd-*; do
	[ -d "/proc/${d##*/v2vw-sd-}" ] || rmdir "$d" 2>/dev/null
done

# ---------------------------------------------------------------------------
# Boot.
binds=("${USER_BINDS[@]}")
[ ${#binds[@]} -gt 0 ] || { [ -d /work ] && binds=(/work); }
binds+=(/tmp "$TOP")
BIND_ARGS=() BOUND=()
for b in "${binds[@]}"; do
	case $b in /|/proc|/proc/*|/sys|/sys/*|/dev|/dev/*|/usr|/usr/*)
		fail "refusing to bind $b" ;;
	esac
	skip=
	for o in "${binds[@]}"; do
		[ "$o" != "$b" ] && case $b/ in "$o"/*) skip=1 ;; esac
	done
	for o in "${BOUND[@]}"; do [ "$o" = "$b" ] && skip=1; done
	[ -n "$skip" ] && continue
	BOUND+=("$b")
	BIND_ARGS+=("--bind=$b")
done

# cgroup v2 inside: nspawn's own filter refuses bpf() to the container
# unless allowed, and the container has no BPF file system of its own.
NSPAWN_ENV=() NSPAWN_EXTRA=()
if [ "${V2VW_SD_UNIFIED:-0}" = 1 ]; then
	if [ "$(stat -f -c %T /sys/fs/bpf 2>/dev/null)" != bpf_fs ]; then
		mkdir -p /sys/fs/bpf 2>/dev/null
		mount -t bpf bpf /sys/fs/bpf || fail "cannot mount bpffs at /sys/fs/bpf"
		note "mounted the BPF file system at /sys/fs/bpf"
	fi
	NSPAWN_ENV=(SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1)
	NSPAWN_EXTRA=(--system-call-filter=bpf --bind=/sys/fs/bpf)
fi

# The watchdog: should we be SIGKILLed (no trap runs), it sees its pipe
# close and halts the container, then removes what we made.  Only we hold
# the write end (fd 7); "done" tells it that our own teardown runs.
# (tell: in a subshell, so that a dead watchdog's SIGPIPE cannot kill us)
exec 7> >(exec bash "$SELF" __watchdog >/dev/null 2>&1)
WATCHDOG=1
tell() { (printf '%s\n' "$@" >&7) 2>/dev/null; }
tell "halt $HALT_TIMEOUT" "work $WORK" "name $MACHINE"
for d in "${CG_OURS[@]}"; do tell "cg $d"; done

T_BOOT=$(now_ms)
(
	for d in "${CG_OURS[@]}"; do
		echo "$BASHPID" >"$d/cgroup.procs" || exit 125
	done
	exec env "${NSPAWN_ENV[@]}" systemd-nspawn --quiet --boot \
	    --directory="$ROOTFS" \
	    --machine="$MACHINE" --register=no --keep-unit \
	    --console=passive --private-network --volatile=overlay \
	    --resolv-conf=off --timezone=off --link-journal=no \
	    --bind-ro=/usr "${BIND_ARGS[@]}" "${NSPAWN_EXTRA[@]}"
) </dev/null >"$WORK/console.log" 2>&1 7>&- 9>&- &
NSPAWN_PID=$!
tell "pid $NSPAWN_PID"

boot_log() { sed 's/^/    /' "$WORK/console.log" | tail -n 20 >&2; }
deadline=$(( $(date +%s) + BOOT_TIMEOUT ))
# The leader is the child of nspawn that is PID 1 of the new PID namespace.
while [ -z "$LEADER" ]; do
	for c in $(pgrep -P "$NSPAWN_PID"); do
		[ "$(awk '/^NSpid:/ { print $NF }' "/proc/$c/status" 2>/dev/null)" = 1 ] &&
			LEADER=$c
	done
	[ -n "$LEADER" ] && { tell "leader $LEADER"; break; }
	alive "$NSPAWN_PID" || { boot_log; fail "systemd-nspawn exited during start"; }
	[ "$(date +%s)" -lt "$deadline" ] || { boot_log; fail "no container PID 1 after ${BOOT_TIMEOUT}s"; }
	sleep 0.05
done
# inside CMD...: run CMD in all the container's namespaces.
inside() { nsenter --target "$LEADER" --all "$@" 7>&- 9>&-; }

# wait_running WHAT: poll is-system-running until running or degraded.
wait_running() {
	local st=
	while :; do
		st=$(inside systemctl is-system-running 2>/dev/null)
		case $st in running|degraded) return 0 ;; esac
		alive "$NSPAWN_PID" || { boot_log; fail "container died during $1"; }
		[ "$(date +%s)" -lt "$deadline" ] ||
			{ boot_log; fail "$1: not running after ${BOOT_TIMEOUT}s (state: ${st:-none})"; }
		sleep 0.05
	done
}
wait_running boot
BOOTED=1
note "booted in $(secs "$T_BOOT")s (machine $MACHINE, PID 1 = host pid $LEADER)"

# nspawn mounts the v1 controller hierarchies read-only (only name=systemd
# and cgroup2 are writable), and systemd picks the controllers it may use
# once, at startup: without this, CPUQuota= etc. are accepted and silently
# not applied.  Remount them rw inside, then re-exec PID 1.
T_RW=$(now_ms)
inside sh -c '
	awk "{ for (i = 7; \$i != \"-\"; i++) ; if (\$(i + 1) == \"cgroup\") print \$5 }" \
	    /proc/self/mountinfo | while read -r m; do
		mount -o remount,bind,rw,nosuid,nodev,noexec "$m" || exit 1
	done
	test -w /sys/fs/cgroup/cpu/cgroup.procs || test ! -d /sys/fs/cgroup/cpu' ||
	fail "cannot make the cgroup v1 controllers writable in the container"
inside systemctl daemon-reexec || fail "systemctl daemon-reexec"
sleep 0.05
wait_running daemon-reexec
note "controllers rw + daemon-reexec in $(secs "$T_RW")s"

# Group kvm and user vdsm with the host's ids.  An id taken by another
# account inside (sysusers allocates system ids at boot) moves that account.
inside sh -e -c '
	G=$1 U=$2
	free() { i=899; while getent "$1" "$i" >/dev/null; do i=$((i - 1)); done; echo "$i"; }
	cur=$(getent group kvm | cut -d: -f3)
	if [ "$cur" != "$G" ]; then
		other=$(getent group "$G" | cut -d: -f1)
		[ -z "$other" ] || groupmod -g "$(free group)" "$other"
		if [ -n "$cur" ]; then groupmod -g "$G" kvm; else groupadd -r -g "$G" kvm; fi
	fi
	cur=$(getent passwd vdsm | cut -d: -f3)
	if [ "$cur" != "$U" ]; then
		other=$(getent passwd "$U" | cut -d: -f1)
		[ -z "$other" ] || usermod -u "$(free passwd)" "$other"
		if [ -n "$cur" ]; then usermod -u "$U" -g kvm vdsm
		else useradd -r -M -u "$U" -g kvm -d /var/lib/vdsm -s /usr/sbin/nologin vdsm
		fi
	fi
	[ "$(id -u vdsm):$(id -g vdsm)" = "$U:$G" ]' v2vw "$KVM_GID" "$VDSM_UID" ||
	fail "cannot create vdsm:kvm ($VDSM_UID:$KVM_GID) in the container"

# Where the container's cgroup namespace is rooted in each hierarchy: the
# leader's cgroup seen from the host, minus the same seen from inside.
declare -A HOST_CG NS_CG
while IFS=: read -r _ spec path; do HOST_CG[${spec:-@2}]=$path; done <"/proc/$LEADER/cgroup"
while IFS=: read -r _ spec path; do NS_CG[${spec:-@2}]=$path; done \
    < <(nsenter --target "$LEADER" --cgroup cat "/proc/$LEADER/cgroup" 7>&- 9>&-)
CG_BINDS=()
for spec in "${!CG_MNT[@]}"; do
	h=${HOST_CG[$spec]-} n=${NS_CG[$spec]-}
	[ -n "$h" ] && [ -n "$n" ] || continue
	if [ "$n" = / ]; then root=$h; else root=${h%"$n"}; fi
	[ -n "$root" ] && [ "$root" != / ] || continue
	[ -d "${CG_MNT[$spec]}$root" ] || fail "container cgroup ${CG_MNT[$spec]}$root missing"
	CG_BINDS+=("${CG_MNT[$spec]}=${CG_MNT[$spec]}$root")
done
note "ready after $(secs "$T_START")s; running: $*"

# ---------------------------------------------------------------------------
# Run CMD.  Background + wait, so that a signal to us is handled at once;
# env --default-signal because bash starts background jobs with SIGINT and
# SIGQUIT ignored; <&0 because they would get /dev/null as stdin.
T_CMD=$(now_ms)
if [ "${INSIDE:-0}" = 1 ]; then
	# --inside: CMD in all of the container's namespaces, its own /run
	# and /proc, so that a process without capabilities (the wrapper's
	# priv) reaches systemd's private socket, which the host view reaches
	# only through /proc/1/root.  Bound paths (/work, /tmp, the project)
	# and the host's /usr make our binaries work unchanged.
	nsenter --target "$LEADER" --all -- \
	    env --default-signal=INT,QUIT V2VW_SD=1 V2VW_SD_MACHINE="$MACHINE" \
	    V2VW_SD_LEADER="$LEADER" \
	    bash -c 'cd "$0" 2>/dev/null || cd /; exec "$@"' "$PWD" "$@" \
	    <&0 7>&- 9>&- &
	CMD_PID=$!
	wait "$CMD_PID"
	rc=$?
	CMD_PID=
	note "command exited $rc after $(secs "$T_CMD")s"
	exit "$rc"
fi
unshare --mount --propagation private \
    nsenter --target "$LEADER" --pid --cgroup -- \
    env --default-signal=INT,QUIT V2VW_SD=1 V2VW_SD_MACHINE="$MACHINE" \
    V2VW_SD_LEADER="$LEADER" \
    bash "$SELF" __enter "$PWD" "${CG_BINDS[@]}" -- "$@" <&0 7>&- 9>&- &
CMD_PID=$!
wait "$CMD_PID"
rc=$?
CMD_PID=
note "command exited $rc after $(secs "$T_CMD")s"
exit "$rc"
