#!/bin/bash
# SPDX-License-Identifier: ISC
# priv's securebits (issue 7 item 7: "priv ... securebits locked"), seen
# through the programs priv itself runs: in unit mode it execs
# systemd-run and systemctl, here the fakes, which record what the
# kernel says of them (V2VW_FAKE_RECORD in regress/fake/fake-systemd.sh):
# the securebits through regress/tools/securebits (inherited across fork
# and exec, all but keep_caps), and the capability sets, uids and
# NoNewPrivs from /proc.  priv/caps.c calls capng_lock(), which sets
# noroot, no_setuid_fixup and both their locks (0x0f) and no_new_privs,
# then keeps CAP_NET_ADMIN and CAP_KILL in its permitted, effective and
# bounding sets: a program priv runs is uid 0 with no capability at all.
. "$(dirname "$0")/../lib.sh"

if ! is_root; then
	skip "priv's securebits: needs root (priv drops capabilities only as root)"
	exit 0
fi
ensure_vdsm
new_env
REC=$T/sd/record
fake_systemd "$REC"
fake --replay "$FIX/v2v/a-plain-local-pipe.out" --hold-at "Copying disk" --go "$T/go"
ZERO=0000000000000000
# CAP_KILL is bit 5, CAP_NET_ADMIN bit 12.
PRIV_CAPS=0000000000001020

snapshot "$T/snap.before"
start_daemonized '{"vm_name":"g","transport_method":"vddk","vmware_uri":"esx://h",
 "vmware_fingerprint":"AA","vmware_password":"p","export_domain":"'$T'/ed",
 "source_disks":["[ds] g/g.vmdk"],"throttling":{"cpu":"40%"}}'
check "started" "$WAITSTATE" "$STATE" 10 started
# The file's limit goes through systemctl set-property too.
printf '{"cpu": "60%%"}' >"$(jq -r .throttling_file "$T/out")"
for _ in $(seq 100); do [ "$(jget "$STATE" .throttling.cpu)" = '"60%"' ] && break; sleep 0.05; done
eq "the file's limit applied" "$(jget "$STATE" .throttling.cpu)" '"60%"'
# priv itself, while it runs (its CapEff, CapPrm and CapBnd are in
# test-privsep.sh): nothing inheritable or ambient, and no_new_privs.
eq "priv CapInh" "$(proc_field "$PRIV" CapInh)" $ZERO
eq "priv CapAmb" "$(proc_field "$PRIV" CapAmb)" $ZERO
eq "priv NoNewPrivs (capng_lock)" "$(proc_field "$PRIV" NoNewPrivs)" 1
touch "$T/go"
check "finished" "$WAITSTATE" "$STATE" 20 finished
eq "finished: return_code, failed" "$(jget "$STATE" '[.return_code,has("failed")]')" '[0,false]'
eq "finished: last_message" "$(jget "$STATE" .last_message)" null
no_procs_left "securebits run"
clean_after "securebits run" "$T/snap.before"

sed 's/^/# /' "$REC"
# field NAME: that field of every recorded line, one a line, sorted, unique.
field() { grep -o " $1=[^ ]*" "$REC" | cut -d= -f2 | sort -u | tr '\n' ' '; }
eq "priv ran systemd-run, once" "$(grep -c '^tool=systemd-run ' "$REC")" 1
for verb in show set-property reset-failed; do
	check "priv ran systemctl $verb" grep -q "^tool=systemctl verb=$verb " "$REC"
done
eq "every one is priv's child" "$(field PPid)" "$PRIV "
eq "every one: securebits noroot, noroot_locked, no_setuid_fixup, no_setuid_fixup_locked" \
    "$(field securebits)" "0x0f "
eq "every one: Uid" "$(field Uid)" "0,0,0,0 "
eq "every one: Gid" "$(field Gid)" "0,0,0,0 "
eq "every one: CapEff empty" "$(field CapEff)" "$ZERO "
eq "every one: CapPrm empty" "$(field CapPrm)" "$ZERO "
eq "every one: CapInh empty" "$(field CapInh)" "$ZERO "
eq "every one: CapAmb empty" "$(field CapAmb)" "$ZERO "
eq "every one: CapBnd is priv's" "$(field CapBnd)" "$PRIV_CAPS "
eq "every one: NoNewPrivs" "$(field NoNewPrivs)" "1 "
