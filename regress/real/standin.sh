# SPDX-License-Identifier: ISC
# Sourced by check-real.sh: a stand-in for a VMware ESXi host, as
# virt-v2v -i vmx -it ssh sees one, and an oVirt export storage domain.
#
#   standin_up DIR IMAGE   set everything up, keeping its records in DIR
#   standin_down DIR       undo exactly what standin_up DIR did; safe to
#                          call twice, after a partial setup, or for the
#                          DIR of an earlier run that died
#
# The "ESXi host" is a private sshd on 127.0.0.1 (port 22 when it is
# free, else one from 2222) that lets root in with one key and serves
# SFTP: virt-v2v fetches the VMX with scp (SFTP underneath since OpenSSH 9),
# checks for the -flat.vmdk with "ssh ... test -f", and nbdkit's ssh
# plugin (libssh) reads the extent over SFTP.  Both clients check the host
# key against root's known_hosts, taken from the passwd entry, not $HOME,
# so the key goes there (and is taken out again at the end, together with
# whatever we had to move aside).  The datastore must be a real path,
# /vmfs/volumes/DS/VM/, because that shell runs on this machine.
#
# After standin_up: SRC_URI, ESD (the export domain, one UUID directory),
# ESD_UUID, DS, VM, GOOD_KEY and BAD_KEY (private key files; the bad one is
# a valid key that sshd does not accept).

DS=v2vw-ds
VM=v2vw-guest
DSROOT=/vmfs/volumes/$DS
STANDIN_MARK=.v2vw-real-standin

known_hosts_file() {
	echo "$(getent passwd root | cut -d: -f6)/.ssh/known_hosts"
}

port_free() {
	[ -z "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]
}

# Lines of FILE that name HOST, hashed or not, as ssh itself matches them.
known_hosts_lines() {
	ssh-keygen -F "$2" -f "$1" 2>/dev/null |
	    sed -n 's/^# Host .* found: line \([0-9]*\).*/\1/p'
}

standin_up() {
	local S=$1 img=$2 kh hostpat p d

	mkdir -p "$S"
	# uid 36 (virt-v2v's writer for the export domain) walks through.
	chmod 755 "$S"

	# The datastore.  A leftover of a run that died is ours to remove
	# (the caller holds the lock, so no other run owns it); anything
	# else at that path is not.
	if [ -e "$DSROOT" ]; then
		if [ -f "$DSROOT/$STANDIN_MARK" ]; then
			standin_down "$(cat "$DSROOT/$STANDIN_MARK")"
			rm -rf --one-file-system "$DSROOT"
		else
			echo "standin: $DSROOT exists and is not ours" >&2
			return 1
		fi
	fi
	for d in /vmfs /vmfs/volumes; do
		[ -d "$d" ] || { mkdir "$d" && echo "$d" >>"$S/made-dirs"; }
	done
	mkdir -p "$DSROOT/$VM"
	echo "$S" >"$DSROOT/$STANDIN_MARK"
	echo "$DSROOT" >>"$S/made-dirs"
	# monolithicFlat: a descriptor VM.vmdk naming the extent VM-flat.vmdk,
	# which is what virt-v2v reads over ssh.
	qemu-img convert -f raw -O vmdk \
	    -o subformat=monolithicFlat,adapter_type=lsilogic \
	    "$img" "$DSROOT/$VM/$VM.vmdk" || return 1
	cat >"$DSROOT/$VM/$VM.vmx" <<-EOF
	.encoding = "UTF-8"
	config.version = "8"
	virtualHW.version = "14"
	displayName = "$VM"
	guestOS = "debian10-64"
	memSize = "1024"
	numvcpus = "1"
	scsi0.present = "TRUE"
	scsi0.virtualDev = "pvscsi"
	scsi0:0.present = "TRUE"
	scsi0:0.deviceType = "scsi-hardDisk"
	scsi0:0.fileName = "$VM.vmdk"
	ethernet0.present = "TRUE"
	ethernet0.virtualDev = "vmxnet3"
	ethernet0.networkName = "VM Network"
	ethernet0.addressType = "generated"
	ethernet0.generatedAddress = "00:0c:29:5e:a1:07"
	EOF

	# Keys: the host's, one that root may log in with, one it may not.
	mkdir -m 700 "$S/sshd" "$S/client"
	ssh-keygen -q -t ed25519 -N '' -C v2vw-standin-host -f "$S/sshd/host_ed25519" || return 1
	ssh-keygen -q -t ed25519 -N '' -C v2vw-real-good -f "$S/client/good" || return 1
	ssh-keygen -q -t ed25519 -N '' -C v2vw-real-bad -f "$S/client/bad" || return 1
	cp "$S/client/good.pub" "$S/sshd/authorized_keys"
	GOOD_KEY=$S/client/good BAD_KEY=$S/client/bad

	# V2VW_REAL_PORT forces one (to try the port-in-URI form).
	SSH_PORT=${V2VW_REAL_PORT:-}
	if [ -n "$SSH_PORT" ]; then
		port_free "$SSH_PORT" || SSH_PORT=
	elif port_free 22; then SSH_PORT=22; else
		for p in $(seq 2222 2299); do
			port_free "$p" && { SSH_PORT=$p; break; }
		done
	fi
	[ -n "$SSH_PORT" ] || { echo "standin: no free port" >&2; return 1; }
	# StrictModes off: the files live under /tmp, which is world-writable.
	cat >"$S/sshd/config" <<-EOF
	ListenAddress 127.0.0.1:$SSH_PORT
	HostKey $S/sshd/host_ed25519
	PidFile $S/sshd.pid
	AuthorizedKeysFile $S/sshd/authorized_keys
	PermitRootLogin prohibit-password
	PubkeyAuthentication yes
	PasswordAuthentication no
	KbdInteractiveAuthentication no
	UsePAM no
	StrictModes no
	PrintMotd no
	LogLevel VERBOSE
	Subsystem sftp internal-sftp
	EOF
	# sshd's privilege separation directory; systemd makes it on a
	# normal host, not in a container.
	[ -d /run/sshd ] || { mkdir -m 755 /run/sshd && echo /run/sshd >>"$S/made-dirs"; }
	/usr/sbin/sshd -t -f "$S/sshd/config" || return 1
	/usr/sbin/sshd -f "$S/sshd/config" -E "$S/sshd/log" || return 1
	for _ in $(seq 100); do
		[ -s "$S/sshd.pid" ] && ! port_free "$SSH_PORT" && break
		sleep 0.1
	done
	[ -s "$S/sshd.pid" ] || { echo "standin: sshd did not start" >&2; return 1; }

	# Its host key into root's known_hosts, moving aside any other
	# key recorded for that name (a mismatch is fatal to both clients).
	hostpat=127.0.0.1
	[ "$SSH_PORT" = 22 ] || hostpat="[127.0.0.1]:$SSH_PORT"
	kh=$(known_hosts_file)
	[ -d "$(dirname "$kh")" ] || { mkdir -m 700 "$(dirname "$kh")" &&
	    echo "$(dirname "$kh")" >>"$S/made-dirs"; }
	[ -e "$kh" ] || { : >"$kh" && chmod 644 "$kh" && touch "$S/kh.made"; }
	ssh-keyscan -p "$SSH_PORT" -t ed25519 127.0.0.1 >"$S/kh.added" 2>/dev/null
	[ -s "$S/kh.added" ] || { echo "standin: ssh-keyscan found no key" >&2; return 1; }
	local lines
	lines=$(known_hosts_lines "$kh" "$hostpat" | tr '\n' ' ')
	if [ -n "$lines" ]; then
		awk -v l=" $lines" 'index(l, " " NR " ")' "$kh" >"$S/kh.removed"
		awk -v l=" $lines" '!index(l, " " NR " ")' "$kh" >"$S/kh.tmp"
		cat "$S/kh.tmp" >"$kh"
	fi
	cat "$S/kh.added" >>"$kh"
	echo "$kh" >"$S/kh.path"
	ssh -o BatchMode=yes -o IdentitiesOnly=yes -i "$GOOD_KEY" -p "$SSH_PORT" \
	    root@127.0.0.1 test -f "$DSROOT/$VM/$VM-flat.vmdk" || {
		echo "standin: ssh self-test failed" >&2; return 1; }

	if [ "$SSH_PORT" = 22 ]; then
		SRC_URI=ssh://root@127.0.0.1$DSROOT/$VM/$VM.vmx
	else
		SRC_URI=ssh://root@127.0.0.1:$SSH_PORT$DSROOT/$VM/$VM.vmx
	fi

	# The export domain: one UUID directory with the layout virt-v2v
	# -o rhv writes into, owned by 36:36 (vdsm:kvm on a real host; it
	# writes as that uid whatever the local user names are).
	ESD=$S/esd
	ESD_UUID=$(cat /proc/sys/kernel/random/uuid)
	mkdir -p "$ESD/$ESD_UUID/dom_md" "$ESD/$ESD_UUID/images" \
	    "$ESD/$ESD_UUID/master/vms"
	cat >"$ESD/$ESD_UUID/dom_md/metadata" <<-EOF
	CLASS=Backup
	DESCRIPTION=v2vw-real
	ROLE=Regular
	SDUUID=$ESD_UUID
	TYPE=LOCALFS
	VERSION=4
	EOF
	chown -R 36:36 "$ESD"
	chmod 755 "$ESD"
}

standin_down() {
	local S=$1 kh pid d

	[ -n "$S" ] && [ -d "$S" ] || return 0
	if [ -s "$S/sshd.pid" ]; then
		pid=$(cat "$S/sshd.pid")
		# Only the sshd of this DIR: a pid file can outlive its process.
		if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$S/sshd/config"; then
			kill "$pid" 2>/dev/null
			for _ in $(seq 50); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
		fi
		rm -f "$S/sshd.pid"
	fi
	if [ -s "$S/kh.path" ]; then
		kh=$(cat "$S/kh.path")
		if [ -f "$kh" ]; then
			grep -vxF -f "$S/kh.added" "$kh" >"$S/kh.tmp" || true
			[ -f "$S/kh.removed" ] && cat "$S/kh.removed" >>"$S/kh.tmp"
			cat "$S/kh.tmp" >"$kh"
			[ -f "$S/kh.made" ] && [ ! -s "$kh" ] && rm -f "$kh"
		fi
		rm -f "$S/kh.path"
	fi
	if [ -f "$S/made-dirs" ]; then
		# Newest first: the datastore, then its parents if empty.
		tac "$S/made-dirs" | while read -r d; do
			case $d in
			"$DSROOT")
				[ "$(cat "$d/$STANDIN_MARK" 2>/dev/null)" = "$S" ] &&
				    rm -rf --one-file-system "$d" ;;
			/*)	rmdir "$d" 2>/dev/null ;;
			esac
		done
		rm -f "$S/made-dirs"
	fi
	return 0
}
