#!/bin/bash
# SPDX-License-Identifier: ISC
# The engine's flow (issue 15, item 6), as ManageIQ drives a conversion
# host (/work/shared/reference/clients.md), over a real sshd on 127.0.0.1
# that this test starts with its own config, host key and port, against
# the installed tree (make install DESTDIR=).  For root with a key and
# for an account with passwordless sudo: start ("sudo " first for the
# latter) with the JSON on stdin, no trailing newline, then EOF; parse
# stdout whole; poll the state over SFTP as the account, no sudo; match
# the source disk exactly once and see its progress reach 100; write a
# throttling file over SFTP (open, truncate, write) and see it answered
# and consumed; fetch both logs; cancel a second run with
# "sudo /bin/kill -s TERM <pid of the state>".  Another account may read
# or write nothing of either run.
#
# sshd runs in a mount namespace of this test's own: tmpfs over /run and
# /var/log, overlays over /etc and /usr/bin holding the installed wrapper,
# its site file, the tmpfiles.d entry applied, the fake virt-v2v (a real
# log replayed), the accounts and the sudoers drop-in.  No test hook
# passes through sudo, and all of it goes with the namespace.
. "$(dirname "$0")/../lib.sh"

if ! is_root; then
	skip "engine over ssh: needs root (sshd, accounts, sudo, a mount namespace)"
	exit 0
fi
for c in /usr/sbin/sshd ssh sftp ssh-keygen sudo visudo unshare useradd systemd-tmpfiles jq ss; do
	if ! command -v $c >/dev/null; then
		skip "engine over ssh: no $c (deps.sh check installs it)"
		exit 0
	fi
done
SFTPSERVER=
for s in /usr/lib/openssh/sftp-server /usr/libexec/openssh/sftp-server; do
	[ -x $s ] && SFTPSERVER=$s && break
done
if [ -z "$SFTPSERVER" ]; then
	skip "engine over ssh: no sftp-server"
	exit 0
fi
ensure_vdsm

D=$(mktemp -d /tmp/v2vw-sshe.XXXXXX)
chmod 755 "$D"
SSHD=
NS=
ENGINE=
# The namespace's processes: sshd, and any run that did not end.
ns_procs() {
	local p
	[ -n "$NS" ] || return 0
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/ns/mnt" 2>/dev/null)" = "$NS" ] && echo "${p#/proc/}"
	done
}
cleanup() {
	local p left
	touch "$D/go"
	# A run still going is stopped as the engine would, so that priv
	# removes what it made outside the namespace (cgroups).
	for p in $(ns_procs); do
		[ "$p" = "$SSHD" ] || kill -TERM "$p" 2>/dev/null
	done
	for _ in $(seq 100); do
		left=$(ns_procs | grep -vx "$SSHD")
		[ -z "$left" ] && break
		sleep 0.1
	done
	for p in $left; do kill -KILL "$p" 2>/dev/null; done
	[ -n "$SSHD" ] && kill -TERM "$SSHD" 2>/dev/null && wait "$SSHD" 2>/dev/null
	[ -n "$ENGINE" ] && kill "$ENGINE" 2>/dev/null && wait "$ENGINE" 2>/dev/null
	rm -rf "$D"
}
trap cleanup EXIT
trap "exit 1" INT TERM HUP

# The installed tree, and what the namespace is made of.
make -s -C "$TOP" install DESTDIR="$D/inst" >"$D/install.log" 2>&1
eq "make install DESTDIR: exit 0" $? 0
mkdir -m 700 "$D/sshd" "$D/client"
mkdir -m 755 "$D/keys" "$D/home" "$D/get"
for d in etc bin libexec; do mkdir -p "$D/ov/$d/up" "$D/ov/$d/work"; done
# The oVirt engine the input names (regress/ovirt/standin.py): ManageIQ
# sends no allocation, so the wrapper asks it for the domain's type.
make_pki "$D/pki" >/dev/null
jq -n '{user: "admin@internal", password: "rhv-secret", disks: [], transfers: [],
    domains: [{name: "data", id: "5d1a0a21-0000-4000-8000-0000000000da", type: "nfs"}]}' \
    >"$D/world.json"
python3 "$TOP/regress/ovirt/standin.py" --cert "$D/pki/srv.pem" --key "$D/pki/srv.key" \
    --world "$D/world.json" --record "$D/engine.rec" --port-file "$D/engine.port" \
    2>"$D/engine.err" &
ENGINE=$!
for _ in $(seq 200); do [ -s "$D/engine.port" ] && break; sleep 0.05; done
ENGINE_URL="https://127.0.0.1:$(cat "$D/engine.port" 2>/dev/null)/ovirt-engine/api"
ssh-keygen -q -t ed25519 -N '' -C v2vw-host -f "$D/sshd/host"
ssh-keygen -q -t ed25519 -N '' -C v2vw-engine -f "$D/client/id"
for u in root v2vtengine v2vtnosudo; do cp "$D/client/id.pub" "$D/keys/$u"; done
chmod 644 "$D/keys"/*

# virt-v2v: the real 4 GiB conversion's log, held at its copy until $D/go;
# its 34 progress frames slowed down, so that the engine's reads see the
# copy move.
cat >"$D/virt-v2v" <<EOF
#!/bin/sh
exec $(printf %q "$FAKE") --replay $(printf %q "$FIX/real/convert.log") \\
    --mr $(printf %q "$FIX/real/convert-mr.log") --delay-us 1000 --slow-at '% [' --slow-us 150000 \\
    --hold-at 'Copying disk' --go $(printf %q "$D/go") -- "\$@"
EOF
chmod 755 "$D/virt-v2v"

cat >"$D/ns.sh" <<EOF
set -eu
mount -t tmpfs -o mode=755 tmpfs /run
mkdir -m 755 /run/sshd
mount -t tmpfs -o mode=755 tmpfs /var/log
mkdir -p /var/log/vdsm/import
chown vdsm:kvm /var/log/vdsm /var/log/vdsm/import
mount -t overlay overlay -o lowerdir=/etc,upperdir=$D/ov/etc/up,workdir=$D/ov/etc/work /etc
mount -t overlay overlay -o lowerdir=/usr/bin,upperdir=$D/ov/bin/up,workdir=$D/ov/bin/work /usr/bin
mount -t overlay overlay -o lowerdir=/usr/libexec,upperdir=$D/ov/libexec/up,workdir=$D/ov/libexec/work /usr/libexec
# The engine's accounts: one with passwordless sudo for the wrapper and
# kill (as ManageIQ's docs ask), one without.  "*": no password, not
# locked (sshd without PAM refuses a locked account).
for u in v2vtengine v2vtnosudo; do
	useradd -M -U -d $D/home -s /bin/sh \$u
	usermod -p '*' \$u
done
echo 'v2vtengine ALL=(root) NOPASSWD: /usr/bin/virt-v2v-wrapper, /bin/kill' >/etc/sudoers.d/v2vw-engine
chmod 440 /etc/sudoers.d/v2vw-engine
visudo -cq
# The installed tree, and the tmpfiles.d entry applied as at boot.
install -m 755 $D/inst/usr/bin/virt-v2v-wrapper /usr/bin/virt-v2v-wrapper
cp -P $D/inst/usr/bin/virt-v2v-wrapper.py /usr/bin/
install -d /usr/libexec/virt-v2v-wrapper
install -m 755 $D/inst/usr/libexec/virt-v2v-wrapper/virt-v2v-wrapper-api /usr/libexec/virt-v2v-wrapper/
install -m 644 $D/inst/etc/virt-v2v-wrapper.conf /etc/virt-v2v-wrapper.conf
systemd-tmpfiles --create $D/inst/usr/lib/tmpfiles.d/virt-v2v-wrapper.conf
install -m 755 $D/virt-v2v /usr/bin/virt-v2v
stat -c '%U:%G %a' /run/virt-v2v-wrapper >$D/rundir.attrs
exec /usr/sbin/sshd -D -e -f $D/sshd_config
EOF

# A free port; sshd says when it listens (a lost race: another port).
for try in 1 2 3; do
	PORT=$((20000 + RANDOM % 20000))
	[ -z "$(ss -Htln "sport = :$PORT")" ] || continue
	cat >"$D/sshd_config" <<EOF
Port $PORT
ListenAddress 127.0.0.1
HostKey $D/sshd/host
PidFile none
UsePAM no
StrictModes no
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
AuthorizedKeysFile $D/keys/%u
AllowUsers root v2vtengine v2vtnosudo
Subsystem sftp $SFTPSERVER
LogLevel VERBOSE
EOF
	: >"$D/sshd.log"
	unshare -m --propagation private bash "$D/ns.sh" >"$D/sshd.log" 2>&1 &
	SSHD=$!
	for _ in $(seq 100); do
		grep -q "Server listening on 127.0.0.1 port $PORT" "$D/sshd.log" && break
		kill -0 $SSHD 2>/dev/null || break
		sleep 0.05
	done
	grep -q "Server listening" "$D/sshd.log" && break
	wait $SSHD 2>/dev/null
	SSHD=
done
if [ -z "$SSHD" ]; then
	notok "sshd started"
	sed 's/^/# /' "$D/sshd.log" | tail -n 20
	exit 1
fi
ok "sshd listens on 127.0.0.1:$PORT in its own mount namespace"
NS=$(readlink /proc/$SSHD/ns/mnt)
eq "the tmpfiles.d entry made the run directory" "$(cat "$D/rundir.attrs")" "root:root 755"
echo "[127.0.0.1]:$PORT $(cut -d' ' -f1,2 "$D/sshd/host.pub")" >"$D/known_hosts"

OPTS=(-F /dev/null -i "$D/client/id" -o BatchMode=yes -o IdentitiesOnly=yes
    -o UserKnownHostsFile="$D/known_hosts" -o StrictHostKeyChecking=yes
    -o LogLevel=ERROR)
# rsh ACCOUNT COMMAND: over ssh, as the engine runs its commands.
rsh() { local u=$1; shift; ssh "${OPTS[@]}" -p "$PORT" "$u@127.0.0.1" "$@"; }
# sftp_do ACCOUNT COMMAND: one SFTP batch command; its status.
sftp_do() { sftp "${OPTS[@]}" -P "$PORT" -q -b - "$1@127.0.0.1" <<<"$2" >/dev/null 2>&1; }
# get ACCOUNT REMOTE LOCAL
get() { rm -f "$3"; sftp_do "$1" "get \"$2\" \"$3\"" && [ -f "$3" ]; }
# fetched ACCOUNT REMOTE TEXT: got over SFTP, and TEXT is in it.
fetched() { get "$1" "$2" "$D/get/f" && grep -q "$3" "$D/get/f"; }

SRC='[v2vw-ds] v2vw-guest/v2vw-guest.vmdk'
VMID=b6d92325-850a-4d44-aeed-9f745b3f0158
# ManageIQ's keys (clients.md), its vddk form.
IN=$(jq -cn --arg src "$SRC" --arg pw "pw-$RANDOM$RANDOM" --arg url "$ENGINE_URL" '{vm_name: "v2vw-guest",
    vm_uuid: "42131111-2222-3333-4444-555566667777",
    conversion_host_uuid: "c0ffee00-0000-4000-8000-000000000001",
    transport_method: "vddk",
    vmware_fingerprint: "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD",
    vmware_uri: "esx://root@esx.example/?no_verify=1", vmware_password: $pw,
    source_disks: [$src],
    network_mappings: [{source: "VM Network", destination: "ovirtmgmt",
        mac_address: "00:50:56:aa:bb:cc"}],
    rhv_url: $url, rhv_cluster: "Default",
    rhv_storage: "data", rhv_password: "rhv-secret", install_drivers: false,
    insecure_connection: true, two_phase: false, warm: false}')

# start WHO SUDO: the wrapper started as ManageIQ does; sets STATE, THR,
# V2VLOG, WLOG from its stdout, parsed whole.
start() {
	local who=$1 sudo=$2
	rm -f "$D/go"
	printf '%s' "$IN" | rsh "$ACCT" "${sudo}/usr/bin/virt-v2v-wrapper" \
	    >"$D/start.out" 2>"$D/start.err"
	eq "$who: the start over ssh exits 0" $? 0 || sed 's/^/# /' "$D/start.err"
	eq "$who: stdout is one JSON object with the four paths" \
	    "$(jq -sc 'if length == 1 then .[0] | [has("state_file", "throttling_file", "v2v_log", "wrapper_log")] else "not one object" end' \
	    "$D/start.out" 2>&1)" "[true,true,true,true]"
	STATE=$(jq -r .state_file "$D/start.out")
	THR=$(jq -r .throttling_file "$D/start.out")
	V2VLOG=$(jq -r .v2v_log "$D/start.out")
	WLOG=$(jq -r .wrapper_log "$D/start.out")
}

# poll JQ-TEST: read the state over SFTP as the account until the test
# holds (60 s at most).  Every read counts: whole JSON, the source disk
# exactly once (ManageIQ's rule) once the copy began, its progress never
# down.  Returns with the last read in $D/st.
READS=0 BADREADS=0 NOMATCH=0 BACK=0 PROGRESS=
poll() {
	local end=$((SECONDS + 60)) p n
	while [ $SECONDS -lt $end ]; do
		if get "$ACCT" "$STATE" "$D/st"; then
			READS=$((READS + 1))
			if ! jq -e 'type == "object"' "$D/st" >/dev/null 2>&1; then
				BADREADS=$((BADREADS + 1))
				note "a read that is not whole JSON: $(head -c 200 "$D/st")"
			else
				n=$(jq --arg s "$SRC" '[.disks[]? | select(.path == $s)] | length' "$D/st")
				p=$(jq --arg s "$SRC" '[.disks[]? | select(.path == $s) | .progress][0] // empty' "$D/st")
				if [ -n "$COPYING" ] && [ "$n" != 1 ]; then
					NOMATCH=$((NOMATCH + 1))
					note "the source disk matched $n times: $(jq -c .disks "$D/st")"
				fi
				if [ -n "$p" ]; then
					[ -n "$PROGRESS" ] && awk -v a="${PROGRESS##* }" -v b="$p" 'BEGIN { exit !(b < a) }' &&
					    BACK=$((BACK + 1))
					[ "${PROGRESS##* }" = "$p" ] || PROGRESS="$PROGRESS $p"
				fi
				jq -e "$1" "$D/st" >/dev/null 2>&1 && return 0
			fi
		else
			BADREADS=$((BADREADS + 1))
			note "an SFTP read of the state failed"
		fi
	done
	note "last read: $(head -c 400 "$D/st" 2>/dev/null)"
	return 1
}

# flow WHO ACCOUNT SUDO: one whole conversion, then one cancelled.
flow() {
	local who=$1 sudo=$3 pid
	ACCT=$2 READS=0 BADREADS=0 NOMATCH=0 BACK=0 PROGRESS= COPYING=
	start "$who" "$sudo"
	check "$who: the state shows the copy begun, the source disk named" \
	    poll "(.started == true) and (.stage | test(\"Copying disk\"))"
	COPYING=1
	poll true >/dev/null

	# The throttling file as ManageIQ writes it: open, truncate, write.
	printf '{"cpu":"50","network":"unlimited"}' >"$D/throttle.json"
	chmod 644 "$D/throttle.json"
	check "$who: the throttling file is written over SFTP" \
	    sftp_do "$ACCT" "put \"$D/throttle.json\" \"$THR\""
	check "$who: the limits are applied (network) and answered (no cpu limit without systemd)" \
	    poll '(.throttling.network == "unlimited") and (.last_message.message | test("cpu throttling is not available"))'
	local gone=
	for _ in $(seq 100); do
		sftp_do "$ACCT" "ls \"$THR\"" || { gone=1; break; }
		sleep 0.1
	done
	check "$who: the throttling file is consumed" test -n "$gone"

	touch "$D/go"
	check "$who: the state says finished" poll '.finished == true'
	eq "$who: not failed, the VM's id, return code 0" \
	    "$(jq -c '[(.failed // false), .vm_id, .return_code]' "$D/st")" "[false,\"$VMID\",0]"
	eq "$who: the progress grew to 100 through values between, never down" \
	    "$BACK ${PROGRESS##* } $(echo $PROGRESS | wc -w | awk '{ print ($1 >= 3) }')" "0 100 1"
	eq "$who: every read was whole JSON with the disk exactly once" \
	    "$BADREADS $NOMATCH" "0 0"
	note "$who: $READS SFTP reads of the state; progress seen:$PROGRESS"
	check "$who: the v2v log over SFTP is virt-v2v's" \
	    fetched "$ACCT" "$V2VLOG" 'Copying disk 1/1'
	check "$who: the wrapper log over SFTP says it succeeded" \
	    fetched "$ACCT" "$WLOG" 'run ended, succeeded'
	DONE_STATE=$STATE DONE_THR=$THR

	# Cancel, as ManageIQ does: kill the state's pid through sudo.
	READS=0 BADREADS=0 PROGRESS= COPYING=
	start "$who, cancelled" "$sudo"
	check "$who, cancelled: the state has the pid of virt-v2v" \
	    poll '(.started == true) and (.pid | type == "number") and (.stage | test("Copying disk"))'
	pid=$(jq -r .pid "$D/st")
	rsh "$ACCT" "${sudo}/bin/kill -s TERM $pid" >"$D/kill.out" 2>&1
	eq "$who, cancelled: ${sudo}/bin/kill -s TERM <pid> exits 0" $? 0 || sed 's/^/# /' "$D/kill.out"
	check "$who, cancelled: the state says finished" poll '.finished == true'
	eq "$who, cancelled: failed, with virt-v2v's status" \
	    "$(jq -c '[.failed, .return_code]' "$D/st")" "[true,1]"
	eq "$who, cancelled: every read was whole JSON" "$BADREADS" 0
	check "$who, cancelled: the v2v log over SFTP shows the signal" \
	    fetched "$ACCT" "$V2VLOG" 'Exiting on signal SIGTERM'
	check "$who, cancelled: the wrapper log over SFTP" \
	    fetched "$ACCT" "$WLOG" 'run ended'
}

flow root root ""
ROOT_STATE=$DONE_STATE ROOT_THR=$DONE_THR
flow "sudo account" v2vtengine "sudo "
SUDO_STATE=$DONE_STATE SUDO_THR=$DONE_THR

# The caller's rights are its own runs', nobody else's.
check "the sudo account may not read root's run's state" \
    eval '! get v2vtengine "$ROOT_STATE" "$D/x"'
check "an account without sudo may not read the sudo account's state" \
    eval '! get v2vtnosudo "$SUDO_STATE" "$D/x"'
check "nor write its throttling file" \
    eval '! sftp_do v2vtnosudo "put \"$D/throttle.json\" \"$SUDO_THR\""'
check "the sudo account may not write root's throttling file" \
    eval '! sftp_do v2vtengine "put \"$D/throttle.json\" \"$ROOT_THR\""'
check "the account without sudo may not run the wrapper through sudo" \
    eval '! printf %s "$IN" | ACCT=v2vtnosudo rsh v2vtnosudo "sudo -n /usr/bin/virt-v2v-wrapper" >/dev/null 2>&1'
rsh v2vtengine "sudo /usr/bin/virt-v2v-wrapper --prune-logs=1" >"$D/prune.out" 2>&1
eq "the sudo account may not prune every run's logs through sudo" \
    "$?:$(grep -c 'refused under sudo' "$D/prune.out")" "1:1"
# ManageIQ sends no allocation: every start asked the engine for the
# storage domain's type, with a token.
check "every start asked the engine for the domain's type" \
    test "$(jq -s '[.[] | select(.path | endswith("/storagedomains")) | select(.bearer)] | length' "$D/engine.rec")" -ge 4
