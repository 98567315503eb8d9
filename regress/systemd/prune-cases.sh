#!/bin/bash
# SPDX-License-Identifier: ISC
# The packages' log pruning units against a real systemd 252, run by
# boot.sh --inside: the preset enables the timer, the timer is scheduled
# daily and starts the service, and the service, under its sandbox,
# removes only the old conversion logs of the site's log directory.
# $1: a tree made by "make install PREFIX=DIR" (so ExecStart names it).
. "$(dirname "$0")/../lib.sh"

[ "${V2VW_SD:-}" = 1 ] || { notok "prune-cases.sh runs inside regress/systemd/boot.sh"; exit 1; }
P=$1
S=virt-v2v-wrapper-prune-logs.service
TM=virt-v2v-wrapper-prune-logs.timer
cp "$P/lib/systemd/system/$S" "$P/lib/systemd/system/$TM" /etc/systemd/system/
mkdir -p /etc/systemd/system-preset
cp "$P/lib/systemd/system-preset/50-virt-v2v-wrapper.preset" /etc/systemd/system-preset/
systemctl daemon-reload
eq "the units load" "$(systemctl show -p LoadState --value $S) $(systemctl show -p LoadState --value $TM)" "loaded loaded"
systemctl preset $TM >/dev/null 2>&1
eq "the preset enables the timer" "$(systemctl is-enabled $TM)" enabled
systemctl start $TM
eq "the timer runs" "$(systemctl is-active $TM)" active
eq "it starts the service" "$(systemctl show -p Triggers --value $TM)" $S
check "it is scheduled" test -n "$(systemctl show -p NextElapseUSecRealtime --value $TM)"
eq "daily" "$(systemctl show -p TimersCalendar --value $TM | grep -o 'OnCalendar=[^ ;]*')" \
    "OnCalendar=*-*-*"

# The site's log directory, not the default one.
L=/srv/v2vw-log
mkdir -p $L
chown vdsm:kvm $L
chmod 755 $L
printf 'log_dir = %s\n' $L >/etc/virt-v2v-wrapper.conf
chmod 644 /etc/virt-v2v-wrapper.conf
for f in v2v-import-a.log v2v-import-a-wrapper.log import-vdsm.log v2v-import-new.log; do
	: >$L/$f
done
touch -d '40 days ago' $L/v2v-import-a.log $L/v2v-import-a-wrapper.log $L/import-vdsm.log
ln -s /etc/passwd $L/v2v-import-link.log
touch -h -d '40 days ago' $L/v2v-import-link.log
systemctl start $S
eq "the service succeeds under its sandbox" \
    "$(systemctl show -p Result --value $S) $(systemctl show -p ExecMainStatus --value $S)" "success 0"
eq "only the old v2v-import-* files went" "$(cd $L && ls | tr '\n' ' ')" \
    "import-vdsm.log v2v-import-link.log v2v-import-new.log "
check "what the link names stays" test -s /etc/passwd

systemctl disable --now $TM >/dev/null 2>&1
eq "disabled, the timer is stopped" "$(systemctl is-active $TM)" inactive
rm -rf $L /etc/virt-v2v-wrapper.conf /etc/systemd/system/$S /etc/systemd/system/$TM \
    /etc/systemd/system-preset/50-virt-v2v-wrapper.preset
systemctl daemon-reload
