#!/bin/bash
# SPDX-License-Identifier: ISC
# Whole runs under valgrind's memcheck: priv, the re-exec'd monitor, the
# virt-v2v child and the fake are each watched (OpenSSH's set-group-ID
# ssh-agent and ssh-add, which valgrind cannot run as such, are not, so
# with them a fork is watched once it executes a program): no error and
# no definite or indirect leak in any, each ending with its summary.
# Scenarios: a normal run, an ssh run with its ssh-agent and a
# throttling file, a daemonized run (every fork watched), a failing
# virt-v2v, and SIGTERM to the wrapper.
. "$(dirname "$0")/../lib.sh"

if [ "${SANITIZE:-}" = 1 ]; then
	skip "valgrind: not over a sanitizer build (ASan has its own shadow memory)"
	exit 0
fi
if ! command -v valgrind >/dev/null; then
	skip "valgrind: not installed (make check installs it as root)"
	exit 0
fi
is_root && ensure_vdsm
new_env
VG=(valgrind --trace-children=yes --child-silent-after-fork=yes
    --leak-check=full --show-leak-kinds=definite,indirect
    --errors-for-leak-kinds=definite,indirect --track-fds=no
    "--trace-children-skip=*/ssh-agent,*/ssh-add"
    "--log-file=$T/vg/%p.log")
IN='{"vm_name":"g","transport_method":"vddk","vmware_uri":"esx://h","vmware_fingerprint":"AA",
 "vmware_password":"p","export_domain":"'$T'/ed","source_disks":["[ds] g/g.vmdk"]'

# verdict NAME: one check per process valgrind watched.
verdict() {
	local f cmd n=0 bad=0
	for f in "$T"/vg/*.log; do
		n=$((n + 1))
		cmd=$(sed -n 's/^==[0-9]*== Command: \([^ ]*\( --monitor-internal\)\?\).*/\1/p' "$f" | tail -n 1)
		if ! grep -q 'ERROR SUMMARY: 0 errors' "$f"; then
			bad=1
			notok "$1: ${cmd##*/}: no error, no definite or indirect leak"
			grep -E 'ERROR SUMMARY|lost|Invalid|uninitialised|Command' "$f" |
			    head -n 12 | sed 's/^/# /'
		fi
	done
	[ $bad = 0 ] && ok "$1: $n processes under valgrind, each with no error and no definite or indirect leak"
	# Kept apart for a look (KEEP_T=1): the next scenario starts empty.
	mkdir -p "$T/vg.$N"
	mv "$T"/vg/*.log "$T/vg.$N/"
}
# watched NAME WANT: how many of the logs are the monitor's.
monitors() { grep -l -- 'Command: .*--monitor-internal' "$T"/vg/*.log 2>/dev/null | wc -l; }

mkdir -m 777 "$T/vg"
fake --replay "$FIX/v2v/a-plain-local-pipe.out"
"${VG[@]}" "$WRAPPER" >"$T/out" 2>"$T/err" <<<"$IN"',"daemonize":false}'
eq "foreground: exit 0" $? 0
eq "foreground: the monitor ran under valgrind too" "$(monitors)" 1
eq "foreground: state" "$(jget "$(jq -r .state_file "$T/out")" '[.finished, .return_code]')" '[true,0]'
verdict "foreground"

SSH='{"vm_name":"guest","transport_method":"ssh","ssh_key":'"$KEY"',"export_domain":"'"$T"'/ed"'
fake --replay "$FIX/v2v/a-plain-local-pipe.out" --hold-at "Copying disk" --go "$T/go"
"${VG[@]}" "$WRAPPER" >"$T/out" 2>"$T/err" \
    <<<"$SSH"',"daemonize":false,"throttling":{"cpu":"50%","network":"1000000"}}' &
W=$!
for _ in $(seq 1800); do [ -s "$T/out" ] && break; sleep 0.1; done
STATE=$(jq -r .state_file "$T/out")
"$WAITSTATE" "$STATE" 180 started >/dev/null
printf '{"cpu": "unlimited", "network": "bad"}' >"$(jq -r .throttling_file "$T/out")"
for _ in $(seq 100); do [ -e "$(jq -r .throttling_file "$T/out")" ] || break; sleep 0.1; done
touch "$T/go"
wait "$W"
eq "ssh: exit 0" $? 0
check "ssh: the throttling file was read" grep -q "throttling file read" "$(jq -r .wrapper_log "$T/out")"
no_procs_left "ssh"
eq "ssh: the monitor ran under valgrind too" "$(monitors)" 1
verdict "ssh"
rm -f "$T/go"

# Daemonized (vddk: no set-gid program is run), every fork watched too:
# the daemon that becomes priv is a fork that executes nothing.
fake --replay "$FIX/v2v/a-plain-local-pipe.out" --hold-at "Copying disk" --go "$T/go"
VGD=("${VG[@]}")
VGD[2]=--child-silent-after-fork=no
"${VGD[@]}" "$WRAPPER" >"$T/out" 2>"$T/err" <<<"$IN}"
eq "daemonized: the first process exits 0" $? 0
STATE=$(jq -r .state_file "$T/out")
"$WAITSTATE" "$STATE" 180 started >/dev/null
touch "$T/go"
check "daemonized: finished" "$WAITSTATE" "$STATE" 180 finished
no_procs_left "daemonized"
eq "daemonized: the monitor ran under valgrind too" "$(monitors)" 1
read -r PRIV _ <<<"$(log_pids "$(jq -r .wrapper_log "$T/out")")"
check "daemonized: the daemon, priv, ran under valgrind to its end" \
    grep -q "ERROR SUMMARY" "$T/vg/$PRIV.log"
verdict "daemonized"
rm -f "$T/go"

fake --replay "$FIX/v2v/ssh-badkey.log" --mr "$FIX/v2v/ssh-badkey.mr.json" --rc 1
"${VG[@]}" "$WRAPPER" >"$T/out" 2>"$T/err" <<<"$IN"',"daemonize":false}'
eq "virt-v2v fails: exit 2" $? 2
verdict "virt-v2v fails"

fake --replay "$FIX/v2v/a-plain-local-pipe.out" --hold-at "Copying disk" --go "$T/never"
"${VG[@]}" "$WRAPPER" >"$T/out" 2>"$T/err" <<<"$IN"',"daemonize":false}' &
W=$!
for _ in $(seq 1800); do [ -s "$T/out" ] && break; sleep 0.1; done
STATE=$(jq -r .state_file "$T/out")
# valgrind is slow, the more on a loaded machine: a generous deadline.
check "SIGTERM: virt-v2v started first" "$WAITSTATE" "$STATE" 180 started
# and is holding at its copy, past valgrind's own start-up (a signal in
# the middle of that ends it without its summary)
for _ in $(seq 1800); do
	[ "$(jget "$STATE" .stage)" = '"Copying disk 1/1"' ] && break
	sleep 0.1
done
eq "SIGTERM: virt-v2v is copying" "$(jget "$STATE" .stage)" '"Copying disk 1/1"'
kill -TERM "$W"
wait "$W"
eq "SIGTERM: exit 2" $? 2
eq "SIGTERM: the state says so" "$(jget "$STATE" .last_message.message)" '"the conversion was stopped: the wrapper received SIGTERM"'
verdict "SIGTERM"
