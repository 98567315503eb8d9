# SPDX-License-Identifier: ISC
# Run inside the libguestfs appliance (Debian's own kernel, which has
# cls_cgroup) by classifier.sh: priv's network glue (regress/tc/netrun)
# limits a sender in the run's net_cls cgroup through the real cgroup
# classifier, over loopback.  Prints KEY=VALUE lines for the host side.
. /sysroot/v2vw/inside-lib.sh
export LD_LIBRARY_PATH=$D/lib
echo "kernel=$(uname -r)"
modprobe cls_cgroup && modprobe sch_htb && echo modules=ok
ip link set lo up
mkdir -p $D/cg/net_cls $D/lock
mount -t cgroup -o net_cls v2vw $D/cg/net_cls && echo mount=ok
CG=$D/cg/net_cls/v2v-conversion/t1
mkdir -p $CG
mkfifo $D/in
# netrun joins the cgroup, asks for 2000000 B/s and holds until EOF.
$D/netrun -l $D/lock -c $CG 2000000 <$D/in >$D/netrun.out 2>$D/netrun.err &
exec 3>$D/in
for i in $(seq 300); do [ -s $D/netrun.out ] && break; sleep 0.1; done
echo "answer=$(cat $D/netrun.out)"
echo "classid=$(cat $CG/net_cls.classid)"
echo "filter=$(tc filter show dev lo | tr '\n' ' ')"
echo "class=$(tc class show dev lo | tr '\n' ' ')"
# A sender in the run's cgroup, no SO_PRIORITY: only cls_cgroup can
# put it in the class.
echo "classified=$(transfer 5001 6 $CG)"
echo "overlimits=$(tc -s class show dev lo | sed -n 's/.*overlimits \([0-9]*\).*/\1/p' | head -n 1)"
# The same sender outside the cgroup: not limited.
echo "unclassified=$(transfer 5002 2)"
# The end of the run: class, qdisc, cgroup gone.
exec 3>&-
wait
echo "after_qdisc=$(tc qdisc show dev lo | tr '\n' ' ')"
echo "after_cgroup=$(test -e $CG && echo present || echo gone)"
echo "netrun_err=$(tr '\n' ' ' <$D/netrun.err)"
echo done=1
