#!/bin/bash
# SPDX-License-Identifier: ISC
# many.sh [N]: N conversions (20) daemonized at once on one host, as an
# engine starts them (issue 18, item 3).  Each runs the fake virt-v2v
# replaying a real -v -x log (ssh-rhv-vx.log, 7565 lines, 10 nbdcopy
# frames) under the fake systemd, held at "Copying disk" until measured:
#  - the time from starting all N wrappers to the last one's stdout line
#    (each exits once its daemon says virt-v2v runs);
#  - each run's PSS (priv + monitor, /proc/PID/smaps_rollup) while all N
#    are held: shared libraries are counted once across the host;
#  - the delay from each frame written to the state file showing it,
#    while all N copy at once (statewatch per run; fake --stamps);
#  - that every run ends right: finished, return code 0, not failed,
#    the disk at 100.
# stdout: one JSON line; exit 1 if a run did not end right.
. "$(dirname "$0")/wrap.sh"

n=${1:-20}
LINE_US=200	# after each line: ~1.5 s of log before the copy
FRAME_MS=300	# before each frame: more than the monitor's 200 ms apart

is_root && ensure_vdsm
new_env
fake_systemd
WPIDS=()
trap 'touch "$T"/go.* 2>/dev/null; cleanup_env' EXIT

# pss_kib PID: the process's proportional set size, or nothing.
pss_kib() {
	awk '/^Pss:/ { print $2 }' "/proc/$1/smaps_rollup" 2>/dev/null
}

t0=$(date +%s.%N)
for i in $(seq "$n"); do
	printf '#!/bin/sh\nexec %q --replay %q --delay-us %d --frame-ms %d \\\n' \
	    "$FAKE" "$FIX/v2v/ssh-rhv-vx.log" $LINE_US $FRAME_MS >"$T/v2v.$i"
	printf '    --stamps %q --hold-at "Copying disk" --go %q -- "$@"\n' \
	    "$T/side/writes.$i" "$T/go.$i" >>"$T/v2v.$i"
	chmod 755 "$T/v2v.$i"
	V2V_WRAPPER_VIRT_V2V=$T/v2v.$i "$WRAPPER" >"$T/out.$i" 2>"$T/err.$i" \
	    <<<'{"vm_name":"guest'"$i"'","transport_method":"vddk",
	 "vmware_uri":"esx://root@127.0.0.1?no_verify=1",
	 "vmware_fingerprint":"'"$FP"'","vmware_password":"bench",
	 "export_domain":"'"$T"'/ed",
	 "source_disks":["[datastore1] guest/guest.vmdk"]}' &
	WPIDS+=($!)
done
mkdir -m 1777 "$T/side"
started=0
for p in "${WPIDS[@]}"; do wait "$p" && started=$((started + 1)); done
t1=$(date +%s.%N)

# Every run held at "Copying disk": priv and monitor as they copy.
pss=()
for i in $(seq "$n"); do
	STATE=$(jq -r '.state_file // empty' "$T/out.$i" 2>/dev/null)
	WLOG=$(jq -r '.wrapper_log // empty' "$T/out.$i" 2>/dev/null)
	[ -n "$STATE" ] || { echo "run $i did not start: $(head -c 300 "$T/err.$i")" >&2; continue; }
	"$WAITSTATE" "$STATE" 30 started >/dev/null
	read -r priv mon <<<"$(log_pids "$WLOG")"
	a=$(pss_kib "${priv:-0}") b=$(pss_kib "${mon:-0}")
	[ -n "$a" ] && [ -n "$b" ] && pss+=("$a $b")
	echo "$STATE" >"$T/state.$i"
done
[ ${#pss[@]} -eq "$n" ] || echo "many: PSS read for ${#pss[@]} of $n runs" >&2

# Release all at once, each watched first (statewatch makes go.$i).
for i in $(seq "$n"); do
	[ -s "$T/state.$i" ] || continue
	"$STATEWATCH" -g "$T/go.$i" -u "[100]" "$(cat "$T/state.$i")" 120 \
	    >"$T/seen.$i" &
done
wait

good=0
for i in $(seq "$n"); do
	[ -s "$T/state.$i" ] || continue
	STATE=$(cat "$T/state.$i")
	"$WAITSTATE" "$STATE" 60 finished >/dev/null
	if jq -e '.finished == true and .return_code == 0 and
	    (.failed // false) == false and .disks[0].progress == 100' \
	    "$STATE" >/dev/null 2>&1; then
		good=$((good + 1))
	else
		echo "many: run $i ended as $(head -c 400 "$STATE")" >&2
	fi
	[ -s "$T/side/writes.$i" ] && lat_join "$T/seen.$i" "$T/side/writes.$i"
done >"$T/delays"

lat=$(lat_stats '"runs":'"$n" 1 <"$T/delays")
printf '%s\n' "${pss[@]}" | awk -v n="$n" -v ok="$good" -v st="$started" \
    -v t="$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" \
    -v lat="$lat" '
{ p = $1 + $2; sum += p; sp += $1; sm += $2; if (p > max) max = p; k++ }
END {
	printf "{\"runs\":%d,\"started\":%d,\"ended_right\":%d,", n, st, ok
	printf "\"all_stdout_s\":%.2f,\"pss_runs\":%d,", t, k
	printf "\"pss_kib_mean\":%.0f,\"pss_kib_max\":%d,", k ? sum / k : 0, max
	printf "\"priv_pss_kib_mean\":%.0f,\"monitor_pss_kib_mean\":%.0f,",
	    k ? sp / k : 0, k ? sm / k : 0
	printf "\"latency\":%s}\n", lat
}'
[ "$good" -eq "$n" ]
