#!/bin/bash
# SPDX-License-Identifier: ISC
# The throttling file against a running unit-mode conversion (the fake
# systemd, so that limits are applied and shown in the state), beyond
# what regress/monitor/test-throttle-file.sh covers (a valid file, a bad
# value, not JSON, a symlink, a FIFO, a 100 kB file):
#  - invalid UTF-8 in a value, in a key, in an unknown key beside a valid
#    limit, an overlong form, an escaped lone surrogate: the whole file
#    rejected with a warning, no limit from it applied;
#  - a 100 MiB file: rejected without being read (the monitor's peak
#    RSS, VmHWM, stays small);
#  - the file rewritten 1000 times a second for 3 seconds, in place and
#    by rename: the state is valid UTF-8 JSON at every read, the last
#    valid limit is what it shows, and the run ends normally.
# regress/tools/statecheck reads every version of the state from the
# start to "finished".
. "$(dirname "$0")/../lib.sh"

is_root && ensure_vdsm
new_env
fake_systemd
fake --replay "$FIX/v2v/a-plain-local-pipe.out" --hold-at "Copying disk" --go "$T/go"

NOT_JSON='{"message":"throttling file: not a JSON object","type":"warning"}'
NOT_UTF8='{"message":"throttling file: not valid UTF-8","type":"warning"}'
BAD_NET='{"message":"throttling file: network: expected bytes per second from 1 up, or unlimited","type":"warning"}'
TOO_BIG='{"message":"throttling file: larger than 65536 bytes, ignored","type":"warning"}'

snapshot "$T/snap.before"
start_daemonized '{"vm_name":"g","transport_method":"vddk","vmware_uri":"esx://h",
 "vmware_fingerprint":"AA","vmware_password":"p","export_domain":"'$T'/ed",
 "source_disks":["[ds] g/g.vmdk"],"throttling":{"cpu":"30%"}}'
"$TOP/regress/tools/statecheck" "$STATE" 300 "$T/sc.ready" >"$T/sc.out" &
SC=$!
for _ in $(seq 200); do [ -e "$T/sc.ready" ] && break; sleep 0.01; done
check "started" "$WAITSTATE" "$STATE" 10 started

# put FILE: into place as the throttling file, atomically.
put() { mv -T "$1" "$THR"; }
utf8_json() { iconv -f UTF-8 -t UTF-8 "$STATE" >/dev/null && jq -e . "$STATE" >/dev/null; }

check "the input's limit is applied" until_state .throttling.cpu '"30%"'

# Invalid UTF-8.  Between cases a file with a bad network value sets
# another warning, so that each case's own warning is seen arriving.
n=0
for bytes in '{"cpu": "5\xff%%"}' '{"c\xc3\x28pu": "50%%"}' \
    '{"cpu": "60%%", "\xed\xa0\x80": 1}' '{"cpu": "6\xc0\xb0%%"}' \
    '{"cpu": "\\ud800"}'; do
	n=$((n + 1))
	printf '{"network": "1x"}' >"$T/sep" && put "$T/sep"
	until_state .last_message "$BAD_NET" || note "utf-8 case $n: no separator"
	printf "$bytes" >"$T/bad$n"
	d="invalid UTF-8 $n ($(od -An -c "$T/bad$n" | tr -s ' \n' ' '))"
	put "$T/bad$n"
	# Raw bytes that are not UTF-8 are named so; an escaped lone
	# surrogate is well-formed bytes but no JSON text.
	want=$NOT_UTF8
	[ $n -eq 5 ] && want=$NOT_JSON
	check "$d: rejected, last_message" until_state .last_message "$want"
	check "$d: removed" wait_gone "$THR"
	eq "$d: no limit from it" "$(jget "$STATE" .throttling)" '{"cpu":"30%","network":null}'
	check "$d: the state is valid UTF-8 JSON" utf8_json
done
check "invalid UTF-8: the wrapper log is valid UTF-8" iconv -f UTF-8 -t UTF-8 "$WLOG" -o /dev/null

# 100 MiB, a valid object if it were read: refused on its size.
HWM0=$(proc_field "$MON" VmHWM | awk '{print $1}')
{
	printf '{"cpu": "90%%"'
	head -c $((100 * 1024 * 1024)) /dev/zero | tr '\0' ' '
	printf '}'
} >"$T/big"
eq "100 MiB: the file is that big" "$(stat -c %s "$T/big")" $((100 * 1024 * 1024 + 14))
put "$T/big"
check "100 MiB: rejected, last_message" until_state .last_message "$TOO_BIG"
check "100 MiB: removed" wait_gone "$THR"
eq "100 MiB: no limit from it" "$(jget "$STATE" .throttling.cpu)" '"30%"'
HWM1=$(proc_field "$MON" VmHWM | awk '{print $1}')
note "monitor VmHWM ${HWM0:-?} kB before, ${HWM1:-?} kB after"
if [ -n "${ASAN_OPTIONS:-}" ]; then
	# ASan's shadow and quarantine weigh more than the monitor itself.
	check "100 MiB: the monitor's peak RSS grew by less than 4 MiB (ASan)" \
	    test -n "$HWM1" -a $((${HWM1:-99999999} - ${HWM0:-0})) -lt 4096
else
	check "100 MiB: the monitor's peak RSS stays under 16 MiB (${HWM1:-?} kB)" \
	    test -n "$HWM1" -a "${HWM1:-99999999}" -lt 16384
fi

# The storm.  Its last write asks for 100 %; then one more file, by
# rename, with a new cpu limit and a bad network value: its limit is the
# last valid one and its warning the last message.
#
# The monitor keeps one request per kind in flight at priv and only the
# newest behind it, so priv runs one systemctl at a time, not a backlog
# of thousands: the last limit lands at once and the end of virt-v2v is
# seen in time.
"$TOP/regress/tools/throttlestorm" "$THR" 1000 3 >"$T/storm.out"
eq "storm: 3000 writes" "$(cut -d' ' -f1,2 "$T/storm.out")" "writes 3000"
printf '{"cpu": "77%%", "network": "1x"}' >"$T/last" && put "$T/last"
check "storm: the last file was taken" wait_gone "$THR"
check "storm: its warning is the last message" until_state .last_message "$BAD_NET"
check "storm: the last valid limit is shown within 10 s" until_state .throttling.cpu '"77%"'
note "storm: $(cat "$T/storm.out"); $(grep -c 'throttling file read' "$WLOG") files read, priv answered $(grep -c 'cpu limit now' "$WLOG") so far"
check "storm: the monitor is still there" test -d "/proc/$MON"
check "storm: priv is still there" test -d "/proc/$PRIV"

touch "$T/go"
T0=$(date +%s%N)
check "finished" "$WAITSTATE" "$STATE" 120 finished >/dev/null
MS=$((($(date +%s%N) - T0) / 1000000))
check "finished within 5 s of virt-v2v's release (${MS} ms)" test "$MS" -le 5000
eq "finished normally: return_code, failed" "$(jget "$STATE" '[.return_code,has("failed")]')" '[0,false]'
eq "finished: progress" "$(jget "$STATE" '.disks[0].progress')" 100
eq "finished: last_message" "$(jget "$STATE" .last_message)" "$BAD_NET"
eq "finished: no network limit" "$(jget "$STATE" .throttling.network)" null
check "finished: the last valid limit ($(jget "$STATE" .throttling.cpu))" \
    test "$(jget "$STATE" .throttling.cpu)" = '"77%"'
wait "$SC"
eq "every version of the state was valid UTF-8 JSON" $? 0
sed 's/^/# statecheck: /' "$T/sc.out"
no_procs_left "throttling file"
check "the storm's temporary name is gone" test ! -e "$THR.storm-tmp"
clean_after "throttling file" "$T/snap.before"
