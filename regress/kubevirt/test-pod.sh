#!/bin/bash
# SPDX-License-Identifier: ISC
# Kubevirt mode in a conversion pod that the test makes: a mount and PID
# namespace with /data/input, /data/vm, the service account's files and
# a passwd without vdsm, the wrapper as its PID 1, and a Kubernetes API
# stand-in (TLS with the test's CA, a bearer token, merge patches
# applied to the pod).  Checks: virt-v2v's argv, exit 0 and 2, the JSON
# line then virt-v2v's output on stdout, the monitor as nobody, orphans
# reaped, the progress on the pod growing to 100 with the pod's other
# annotations kept, the metadata after success and none after a
# failure, SIGTERM to PID 1, an API that refuses or never answers, a
# stdout nobody reads, and nothing left behind.
. "$(dirname "$0")/../lib.sh"

if ! is_root; then
	skip "Kubevirt pod: needs root (namespaces, mounts)"
	exit 0
fi
new_env
MADE_DATA=0
APISRV=
done_pod() {
	[ -n "$APISRV" ] && kill "$APISRV" 2>/dev/null && wait "$APISRV" 2>/dev/null
	APISRV=
}
trap 'done_pod; [ $MADE_DATA = 1 ] && rmdir /data; cleanup_env' EXIT
if [ ! -d /data ]; then
	mkdir /data && MADE_DATA=1
fi
make_pki "$T/pki" || { notok "openssl makes the test CA"; exit 1; }
mkdir -p "$T/sa" && chmod 755 "$T/sa"
echo "tok-$RANDOM$RANDOM-$$" >"$T/sa/token"
cp "$CA" "$T/sa/ca.crt"
echo conv-ns >"$T/sa/namespace"
chmod 644 "$T"/sa/*
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n' >"$T/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$T/group"

METADATA='{"name":"vm1","disks":[{"path":"disk1/disk.img","format":"raw"}],"note":"ünïcode"}'
LOG=$FIX/real/convert.log

# The fake virt-v2v of a pod: it leaves an orphan for PID 1 to reap,
# writes virt-v2v's -o json metadata, and replays a real conversion with
# a pause at each progress frame.
pod_fake() {
	{
		echo '#!/bin/bash'
		echo '(sleep 2.25 &)'
		printf 'printf %%s %q >/data/vm/vm1.json\n' "$METADATA"
		printf 'exec %q --argv-out %q' "$FAKE" "$T/argv.out"
		printf ' %q' "$@"
		echo ' -- "$@"'
	} >"$T/virt-v2v"
	chmod 755 "$T/virt-v2v"
}

# pod_start MODE: a fresh pod tree and API server.
pod_start() {
	done_pod
	rm -rf "$T/data" "$T/varlog" "$T/pod-run"
	mkdir -p "$T/data/input" "$T/data/vm/disk1" "$T/varlog" "$T/pod-run"
	chmod 755 "$T/data" "$T/varlog" "$T/pod-run"
	jq -n '{vm_name: "vm1", transport_method: "vddk", daemonize: false,
	  vmware_uri: "vpx://u@vc.example/dc/host?no_verify=1",
	  vmware_fingerprint: "01:02:03", vmware_password: "vmw-secret",
	  source_disks: ["[ds1] vm1/vm1.vmdk"]}' >"$T/data/input/conversion.json"
	jq -n '{apiVersion: "v1", kind: "Pod", metadata: {name: "conversion-pod",
	  namespace: "conv-ns", annotations: {"kept": "by the merge"}}}' >"$T/pod.json"
	: >"$T/api.rec"
	rm -f "$T/api.port"
	python3 "$TOP/regress/kubevirt/apiserver.py" --cert "$T/pki/srv.pem" \
	    --key "$T/pki/srv.key" --token-file "$T/sa/token" --pod "$T/pod.json" \
	    --record "$T/api.rec" --port-file "$T/api.port" --mode "$1" \
	    2>"$T/api.err" &
	APISRV=$!
	for _ in $(seq 200); do
		[ -s "$T/api.port" ] && break
		sleep 0.05
	done
	[ -s "$T/api.port" ] || notok "the API stand-in starts: $(cat "$T/api.err")"
}

# pod_run [restricted]: the pod, its stdout in $T/stdout; RC its exit status.
pod_run() {
	unshare -m -p -f --mount-proc bash "$TOP/regress/kubevirt/pod.sh" "$T" \
	    "$WRAPPER" "$TOP/virt-v2v-wrapper-api" "$(cat "$T/api.port")" "$@" \
	    >"$T/stdout" 2>"$T/stderr"
	RC=$?
}
wlog() { cat "$T"/varlog/virt-v2v-wrapper/*-wrapper.log; }
state() { cat "$T"/pod-run/virt-v2v-wrapper/v2v-import-*/state.json; }
patched() { jq -r '.patch.metadata.annotations.v2vConversionProgress // empty' "$T/api.rec"; }
# pod_held: until the held virt-v2v has begun its copy (20 s at most).
pod_held() {
	for _ in $(seq 400); do
		[ -s "$T/argv.out" ] && grep -q 'Copying disk' "$T/stdout" 2>/dev/null && return
		sleep 0.05
	done
}
# pod_pid1 POD: the pod's first process, seen from here: unshare's child.
pod_pid1() { pgrep -P "$(pgrep -P "$1" -x unshare)" | head -n 1; }

# --- a successful conversion, held once to look at the processes ---
pod_start normal
pod_fake --replay "$LOG" --mr "$FIX/real/convert-mr.log" --rc 0 \
    --slow-at '% [' --slow-us 150000 --hold-at 'Copying disk' --go "$T/go"
rm -f "$T/go"
(pod_run; exit $RC) &
POD=$!
pod_held
P1=$(pod_pid1 "$POD")
check "held: the wrapper is the pod's PID 1" grep -q '^NSpid:.*[[:space:]]1$' "/proc/$P1/status"
# pids in the log are the namespace's: find the monitor among P1's children.
for c in $(pgrep -P "$P1"); do
	[ "$(readlink "/proc/$c/exe")" = "$WRAPPER" ] && MONH=$c
done
eq "held: the monitor runs as nobody" "$(proc_field "${MONH:-0}" Uid)" "65534 65534 65534 65534"
eq "held: the monitor under seccomp" "$(proc_field "${MONH:-0}" Seccomp)" 2
# The fake's orphan is adopted by PID 1; once it exits, PID 1 must reap
# it: a zombie would stay in /proc.
ORPHAN=$(pgrep -P "$P1" -f '^sleep 2.25$' | head -n 1)
check "held: the orphan is adopted by the pod's PID 1" test -n "$ORPHAN"
for _ in $(seq 200); do
	[ -n "$ORPHAN" ] && [ -e "/proc/$ORPHAN" ] || break
	sleep 0.05
done
check "held: and reaped once it ended (no zombie)" test -n "$ORPHAN" -a ! -e "/proc/$ORPHAN"
touch "$T/go"
wait $POD
RC=$?
eq "success: exit 0" "$RC" 0
eq "success: virt-v2v's argv, -o json into /data/vm" \
    "$(sed -n 's/^argv //p' "$T/argv.out" | grep -A5 -x -- '-o' | tr '\n' ' ')" \
    "-o json -os /data/vm -oo json-disks-pattern=disk%{DiskNo}/disk.img "
eq "success: stdout begins with the JSON line" \
    "$(head -n 1 "$T/stdout" | jq -c 'keys_unsorted')" '["v2v_log","wrapper_log","state_file","throttling_file"]'
eq "success: then virt-v2v's output, every byte" \
    "$(tail -n +2 "$T/stdout" | cmp - "$LOG" >/dev/null && echo same)" same
eq "success: the state" "$(state | jq -c '[.return_code, .failed, .disks[0].progress]')" '[0,null,100]'
P=$(patched | tr '\n' ' ')
note "progress patched: $P"
check "success: the progress was patched more than twice" test "$(patched | wc -l)" -gt 2
eq "success: it only grows" "$(patched | sort -n | tr '\n' ' ')" "$P"
eq "success: it ends at 100" "$(patched | tail -n 1)" 100
eq "success: merge patches only, with the token" \
    "$(jq -c 'select(.method == "PATCH") | [.type, .token]' "$T/api.rec" | sort -u)" \
    '["application/merge-patch+json",true]'
eq "success: the metadata on the pod" "$(jq -r '.metadata.annotations.v2vConversionMetadata' "$T/pod.json")" "$METADATA"
eq "success: the pod's log directory, made by the wrapper, is 0755" \
    "$(stat -c %a "$T/varlog/virt-v2v-wrapper")" 755
eq "success: the pod's other annotation is kept" "$(jq -r '.metadata.annotations.kept' "$T/pod.json")" "by the merge"
check "success: the log says no vdsm was needed: the monitor as 65534" \
    bash -c '! grep -qi "vdsm" "$1"/varlog/virt-v2v-wrapper/*-wrapper.log' _ "$T"
check "success: no secret left" bash -c '! ls -d "$1"/pod-run/virt-v2v-wrapper/*.private 2>/dev/null | grep -q .' _ "$T"
check "success: the token is in no log, state or output" bash -c \
    '! grep -rqF -- "$(cat "$1/sa/token")" "$1/varlog" "$1/pod-run/virt-v2v-wrapper" "$1/stdout"' _ "$T"

# --- -n in a pod: the argv, and no run's file made ---
pod_start normal
pod_fake --replay "$LOG" --rc 0
pod_run dry-run
eq "dry run: exit 0, Kubevirt's -o json" \
    "$RC $(jq -c '.argv | index("-o") as $i | .[$i:$i+2]' "$T/stdout")" '0 ["-o","json"]'
eq "dry run: only the log directory a run needs, 0755, and no log in it" \
    "$(stat -c %a "$T/varlog/virt-v2v-wrapper") $(ls -A "$T/varlog/virt-v2v-wrapper" | wc -l)" "755 0"
check "dry run: no run directory made" \
    bash -c '! ls -d "$1"/pod-run/virt-v2v-wrapper/v2v-import-* 2>/dev/null | grep -q .' _ "$T"

# --- an input that asks to daemonize: a pod's run stays in the foreground ---
pod_start normal
jq '.daemonize = true' "$T/data/input/conversion.json" >"$T/c.json" &&
    mv "$T/c.json" "$T/data/input/conversion.json"
pod_fake --replay "$LOG" --rc 0
rm -f "$T/argv.out"
pod_run
eq "daemonize true: exit 0 once the conversion ended" "$RC" 0
eq "daemonize true: still Kubevirt's -o json" \
    "$(sed -n 's/^argv //p' "$T/argv.out" | grep -A1 -x -- '-o' | tr '\n' ' ')" "-o json "
eq "daemonize true: the run ended in the foreground, succeeded" \
    "$(state | jq -c '[.finished, .return_code]')" '[true,0]'
check "daemonize true: stderr says it is ignored" \
    grep -q "daemonize: a Kubevirt pod's conversion stays in the foreground" "$T/stderr"

# --- progress with decimals (virt-v2v 1.x's qemu-img): 55.5 is 55, not 0 ---
pod_start normal
printf '%s\n' '[   1.0] Opening the source -i libvirt vpx://u@vc.example/dc/host vm1' \
    '[   9.0] Copying disk 1/1 to /data/vm/disk1/disk.img (raw)' \
    '    (10.42/100%)' '    (55.50/100%)' 'held here' '    (100.00/100%)' \
    '[  20.0] Creating output metadata' '[  21.0] Finishing off' >"$T/dec.log"
pod_fake --replay "$T/dec.log" --rc 0 --hold-at 'held here' --go "$T/go"
rm -f "$T/go" "$T/argv.out"
(pod_run; exit $RC) &
POD=$!
for _ in $(seq 200); do
	patched | grep -qx 55 && break
	sleep 0.05
done
eq "decimals: the pod shows 55 for 55.50" "$(patched | grep -x 55)" 55
touch "$T/go"
wait $POD
RC=$?
eq "decimals: then 100, exit 0" "$(patched | tail -n 1) $RC" "100 0"

# --- a pod without CAP_SETUID: everything as root, the monitor confined ---
pod_start normal
pod_fake --replay "$LOG" --mr "$FIX/real/convert-mr.log" --rc 0 \
    --hold-at 'Copying disk' --go "$T/go"
rm -f "$T/go" "$T/argv.out"
(pod_run restricted; exit $RC) &
POD=$!
pod_held
P1=$(pod_pid1 "$POD")
MONH=
for c in $(pgrep -P "$P1"); do
	[ "$(readlink "/proc/$c/exe")" = "$WRAPPER" ] && MONH=$c
done
eq "restricted: no CAP_SETUID in the pod" \
    "$(( 0x$(proc_field "$P1" CapBnd) >> 7 & 1 ))$(( 0x$(proc_field "$P1" CapBnd) >> 6 & 1 ))" 00
eq "restricted: the monitor keeps the caller's uid" "$(proc_field "${MONH:-0}" Uid)" "0 0 0 0"
eq "restricted: and is confined: seccomp, no new privileges" \
    "$(proc_field "${MONH:-0}" Seccomp) $(proc_field "${MONH:-0}" NoNewPrivs)" "2 1"
eq "restricted: the monitor holds no capability" \
    "$(proc_field "${MONH:-0}" CapEff) $(proc_field "${MONH:-0}" CapPrm)" \
    "0000000000000000 0000000000000000"
eq "restricted: priv keeps CAP_NET_ADMIN and CAP_KILL alone" \
    "$(proc_field "$P1" CapEff) $(proc_field "$P1" CapPrm)" \
    "0000000000001020 0000000000001020"
check "restricted: no API client, which would have no user of its own" \
    bash -c '! pgrep -P "$1" -f virt-v2v-wrapper-api >/dev/null' _ "$P1"
touch "$T/go"
wait $POD
eq "restricted: exit 0" "$?" 0
check "restricted: stderr says why nothing switches user" \
    grep -q "no CAP_SETUID or CAP_SETGID: everything runs as uid 0" "$T/stderr"
check "restricted: and why there are no annotations" \
    grep -q "no user for the API client: no progress on the pod" "$T/stderr"
eq "restricted: nothing was patched" "$(wc -l <"$T/api.rec")" 0

# --- a failed conversion, in a pod that names itself by its hostname ---
pod_start normal
pod_fake --replay "$FIX/real/badkey.log" --mr "$FIX/real/badkey-mr.log" --rc 1
touch "$T/no-pod-name"
pod_run
rm -f "$T/no-pod-name"
eq "failure: exit 2" "$RC" 2
check "no POD_NAME: the pod named by HOSTNAME was patched" \
    test "$(jq -s '[.[] | select(.method == "PATCH" and .status == 200)] | length' "$T/api.rec")" -ge 1
eq "failure: no metadata on the pod" "$(jq -r '.metadata.annotations.v2vConversionMetadata // "none"' "$T/pod.json")" none
eq "failure: stdout has virt-v2v's error" "$(grep -c 'virt-v2v: error:' "$T/stdout")" 1

# --- SIGTERM to the pod's PID 1 ---
pod_start normal
pod_fake --replay "$LOG" --rc 0 --hold-at 'Copying disk' --go "$T/go"
rm -f "$T/go"
(pod_run; exit $RC) &
POD=$!
for _ in $(seq 400); do
	grep -q 'Copying disk' "$T/stdout" 2>/dev/null && break
	sleep 0.05
done
kill -TERM "$(pod_pid1 "$POD")"
wait $POD
eq "SIGTERM: the conversion is stopped, exit 2" "$?" 2
eq "SIGTERM: the state says why" "$(state | jq -c '[.failed, .finished]')" '[true,true]'

# --- an API that refuses, one that never answers ---
for mode in refuse hang; do
	pod_start $mode
	pod_fake --replay "$LOG" --mr "$FIX/real/convert-mr.log" --rc 0
	start=$SECONDS
	pod_run
	eq "API $mode: the conversion still succeeds" "$RC" 0
	note "API $mode: took $((SECONDS - start)) s"
	check "API $mode: the wrapper log says the patch failed" \
	    bash -c 'grep -q "kube: patching" "$1"/varlog/virt-v2v-wrapper/*-wrapper.log' _ "$T"
done

# --- nobody reads stdout: the monitor drops, never waits ---
pod_start normal
pod_fake --replay "$LOG" --mr "$FIX/real/convert-mr.log" --rc 0
mkfifo "$T/fifo"
exec 7<>"$T/fifo"	# held open, never read
unshare -m -p -f --mount-proc bash "$TOP/regress/kubevirt/pod.sh" "$T" \
    "$WRAPPER" "$TOP/virt-v2v-wrapper-api" "$(cat "$T/api.port")" >&7 2>"$T/stderr"
eq "a stdout nobody reads: the conversion ends, exit 0" "$?" 0
exec 7>&-
check "a stdout nobody reads: the log counts what was dropped" \
    bash -c 'grep -q "bytes of virt-v2v.s output were not copied" "$1"/varlog/virt-v2v-wrapper/*-wrapper.log' _ "$T"
eq "a stdout nobody reads: the state is complete" "$(state | jq -c '[.return_code, .disks[0].progress]')" '[0,100]'
# --- stdout closed: the wrapper opens nothing onto 0 to 2 ---
pod_start normal
pod_fake --replay "$LOG" --mr "$FIX/real/convert-mr.log" --rc 0
unshare -m -p -f --mount-proc bash "$TOP/regress/kubevirt/pod.sh" "$T" \
    "$WRAPPER" "$TOP/virt-v2v-wrapper-api" "$(cat "$T/api.port")" >&- 2>"$T/stderr"
eq "stdout closed: the conversion ends, exit 0" "$?" 0
done_pod
check "nothing of the pods is left running" bash -c '! pgrep -f "$1/pod.sh" >/dev/null' _ "$TOP/regress/kubevirt"

# --- Kubevirt mode outside a pod: the site's user, or no start ---
V2V_WRAPPER_USER=v2vw-no-such-user "$WRAPPER" -n >/dev/null 2>"$T/err" \
    <"$T/data/input/conversion.json"
eq "outside a pod without the site's user: exit 1" "$?" 1
check "outside a pod: it says why (nobody is shared there)" \
    grep -q "Kubevirt mode outside a pod needs the user v2vw-no-such-user" "$T/err"
