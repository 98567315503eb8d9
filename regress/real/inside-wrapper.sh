# SPDX-License-Identifier: ISC
# Run inside the libguestfs appliance after inside-classifier.sh: the
# whole wrapper, daemonized (no systemd here: a direct child), with a
# network limit in its input.  A sender put into the run's cgroup, as a
# child of virt-v2v would be, is limited by cls_cgroup.  KEY=VALUE lines.
. /sysroot/v2vw/inside-lib.sh
# Where the dynamic linker looks by itself: the wrapper gives the
# monitor and virt-v2v a built environment, without LD_LIBRARY_PATH.
cp -n $D/lib/* /lib/x86_64-linux-gnu/
unset LD_LIBRARY_PATH
# The appliance has no user database: root, and vdsm:kvm as on a host.
echo 'root:x:0:0:root:/root:/bin/sh' >/etc/passwd
echo 'vdsm:x:36:36:vdsm:/var/lib/vdsm:/bin/false' >>/etc/passwd
printf 'root:x:0:\nkvm:x:36:\n' >/etc/group
mkdir -p -m 755 $D/log $D/run $D/ed
printf '#!/bin/sh\nexec %s --replay %s --hold-at "Copying disk" --go %s -- "$@"\n' \
    $D/fake-virt-v2v $D/fixture.out $D/go >$D/virt-v2v
chmod 755 $D/virt-v2v $D $D/lib
export V2V_WRAPPER_LOG_DIR=$D/log V2V_WRAPPER_RUN_DIR=$D/run
export V2V_WRAPPER_VIRT_V2V=$D/virt-v2v V2V_WRAPPER_CGROUP_ROOT=$D/cg
echo '{"vm_name":"g","transport_method":"vddk","vmware_uri":"esx://h",
 "vmware_fingerprint":"AA","vmware_password":"p","export_domain":"'$D'/ed",
 "source_disks":["[ds] g/g.vmdk"],"throttling":{"network":"2000000"}}' |
    $D/virt-v2v-wrapper >$D/w.out 2>$D/w.err
echo "w_wrapper_rc=$?"
echo "w_err=$(tr '\n' ' ' <$D/w.err)"
STATE=$(sed -n 's/.*"state_file": "\([^"]*\)".*/\1/p' $D/w.out)
THR=$(sed -n 's/.*"throttling_file": "\([^"]*\)".*/\1/p' $D/w.out)
for i in $(seq 300); do grep -q '"network":"2000000"' "$STATE" 2>/dev/null && break; sleep 0.1; done
echo "w_state1=$(cat $STATE)"
PID=$(sed -n 's/.*"pid":\([0-9]*\).*/\1/p' "$STATE")
CG=$(ls -d $D/cg/net_cls/v2v-conversion/*/ | head -n 1)
echo "w_v2v_in_cgroup=$(grep -cx "$PID" ${CG}cgroup.procs)"
echo "w_classid=$(cat ${CG}net_cls.classid)"
echo "w_class=$(tc class show dev lo | tr '\n' ' ')"
echo "w_classified=$(transfer 5003 6 ${CG%/})"
printf '{"network": "4000000"}' >$THR
for i in $(seq 300); do grep -q '"network":"4000000"' "$STATE" && break; sleep 0.1; done
echo "w_class2=$(tc class show dev lo | tr '\n' ' ')"
touch $D/go
for i in $(seq 600); do grep -q '"finished":true' "$STATE" && break; sleep 0.1; done
echo "w_state2=$(cat $STATE)"
echo "w_after_qdisc=$(tc qdisc show dev lo | tr '\n' ' ')"
echo "w_after_cgroup=$(find $D/cg/net_cls/v2v-conversion -mindepth 1 -type d | tr "\n" " ")"
echo "w_wlog=$(grep -E 'warning|error' $D/log/*-wrapper.log | tr '\n' ' ')"
echo "w_log=$(tail -n 15 $D/log/*-wrapper.log | tr '\n' '|')"
echo wdone=1
