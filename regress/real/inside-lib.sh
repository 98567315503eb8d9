# SPDX-License-Identifier: ISC
# Sourced by the inside-*.sh scripts in the libguestfs appliance.
D=/sysroot/v2vw

# transfer PORT SECONDS [CGROUP-DIR]: a TCP transfer over loopback,
# from a sender in CGROUP-DIR if given (as a child of virt-v2v would
# be); prints "BYTES SECONDS" as the receiver measured them.
transfer() {
	$D/flow recv "$1" >$D/recv.$1 &
	R=$!
	for i in $(seq 100); do grep -q listening $D/recv.$1 && break; sleep 0.1; done
	if [ -n "${3:-}" ]; then
		sh -c "echo \$\$ >$3/cgroup.procs; exec $D/flow send 127.0.0.1 $1 0 $2"
	else
		$D/flow send 127.0.0.1 "$1" 0 "$2"
	fi
	wait $R
	sed -n 2p $D/recv.$1
}
