# SPDX-License-Identifier: ISC
# The oVirt engine stand-in (standin.py) for the tests in regress/ovirt:
# source after lib.sh and new_env.  engine_certs makes a CA, a server
# certificate for 127.0.0.1 signed by it, and a second CA that signed
# nothing; engine_start WORLD [MODE] starts the stand-in on a free port
# and sets URL, CA, OTHER_CA, REC (its record) and W (its world, which
# it keeps up to date).
ENGINE_PW='pa ss&w=rd%+"\x'	# every character that needs escaping
ENGINE_PID=

engine_certs() { make_pki "$T/pki"; }

# engine_world FILE: the engine's users, domains, disks and transfers.
engine_world() {
	jq -n --arg pw "$ENGINE_PW" '{
	  user: "admin@internal", password: $pw,
	  domains: [
	    {name: "iscsi1", id: "5d1a0a21-0000-4000-8000-000000000001", type: "iscsi"},
	    {name: "fc1", id: "5d1a0a21-0000-4000-8000-000000000002", type: "fcp"},
	    {name: "nfs1", id: "5d1a0a21-0000-4000-8000-000000000003", type: "nfs"},
	    {name: "dup", id: "5d1a0a21-0000-4000-8000-000000000004", type: "nfs"},
	    {name: "dup", id: "5d1a0a21-0000-4000-8000-000000000005", type: "iscsi"}
	  ], disks: [], transfers: []}' >"$1"
}

engine_start() {
	W=$1
	REC=$T/engine.rec
	: >"$REC"
	rm -f "$T/engine.port"
	python3 "$TOP/regress/ovirt/standin.py" --cert "$T/pki/srv.pem" \
	    --key "$T/pki/srv.key" --world "$W" --record "$REC" \
	    --port-file "$T/engine.port" --mode "${2:-normal}" \
	    --probe "$T" --inbox "$T/box/inbox" \
	    2>"$T/engine.err" &
	ENGINE_PID=$!
	for _ in $(seq 200); do
		[ -s "$T/engine.port" ] && break
		kill -0 $ENGINE_PID 2>/dev/null || break
		sleep 0.05
	done
	[ -s "$T/engine.port" ] || return 1
	URL="https://127.0.0.1:$(cat "$T/engine.port")/ovirt-engine/api"
}

engine_stop() {
	[ -n "$ENGINE_PID" ] && kill $ENGINE_PID 2>/dev/null &&
	    wait $ENGINE_PID 2>/dev/null
	ENGINE_PID=
}

# rhv_input STORAGE [EXTRA]: an ssh-to-rhv-upload input on the stand-in.
rhv_input() {
	jq -nc --arg url "$URL" --arg pw "$ENGINE_PW" --arg s "$1" \
	    --arg ca "$CA" --argjson key "$KEY" --argjson x "${2:-{\}}" '{
	  vm_name: "vm1", transport_method: "ssh",
	  vmware_uri: "ssh://root@192.0.2.1/vmfs/volumes/ds1/vm1/vm1.vmx",
	  ssh_key: $key, output_format: "raw", rhv_url: $url,
	  rhv_password: $pw, rhv_cluster: "Default", rhv_storage: $s,
	  rhv_cafile: $ca, daemonize: false} + $x'
}
