#!/bin/bash
# SPDX-License-Identifier: ISC
# kubevirt/: what the image copies is what "make install" makes, the
# entrypoint execs the wrapper on the pod's input, the example pod runs
# under the service account the RBAC file grants pods get and patch, gives
# the wrapper its name through the Downward API and time to stop.
. "$(dirname "$0")/../lib.sh"
cd "$TOP" || exit 1
K=kubevirt
D=$(mktemp -d /tmp/v2vw-kube.XXXXXX)
trap 'rm -rf "$D"' EXIT

make -s install DESTDIR="$D/out" PREFIX=/usr >/dev/null 2>&1
eq "make install DESTDIR PREFIX=/usr: exit 0" $? 0
for src in $(sed -n 's|^COPY --from=build /out\(/[^ ]*\) .*|\1|p' "$K/Containerfile"); do
	check "the image copies $src, which make install made" test -e "$D/out$src"
done
eq "the entrypoint execs the wrapper on the pod's input" \
    "$(grep '^ENTRYPOINT' "$K/Containerfile")" \
    'ENTRYPOINT ["/bin/sh", "-c", "exec /usr/bin/virt-v2v-wrapper < /data/input/conversion.json"]'
check "the image links the VDDK where virt-v2v's -io vddk-libdir looks" \
    grep -q '^RUN ln -s /data/vddklib /opt/vmware-vix-disklib-distrib$' "$K/Containerfile"

# The manifests as data (no YAML parser needed: the keys we rely on).
yval() { sed -n "s/^ *$1: *//p" "$2" | head -n 1; }
SA=$(yval serviceAccountName "$K/pod.yaml")
eq "the pod's service account is the RBAC file's" "$SA" \
    "$(awk '/^kind: ServiceAccount/ { s = 1 } s && /name:/ { print $2; exit }' "$K/rbac.yaml")"
eq "the role: pods, get and patch, nothing more" \
    "$(awk '/^rules:/ { r = 1; next } /^---/ { r = 0 } r' "$K/rbac.yaml" | tr -d ' \n')" \
    '-apiGroups:[""]resources:["pods"]verbs:["get","patch"]'
eq "the binding names the role and the account" \
    "$(awk '/^kind: RoleBinding/ { b = 1 } b && /name:/ { printf "%s ", $NF }' "$K/rbac.yaml")" \
    "v2v-conversion v2v-conversion v2v-conversion "
check "POD_NAME comes from the Downward API" \
    sh -c "grep -A4 'name: POD_NAME' '$K/pod.yaml' | grep -q 'fieldPath: metadata.name'"
check "the grace period covers virt-v2v's stop (30 s) and the last patch (30 s)" \
    test "$(yval terminationGracePeriodSeconds "$K/pod.yaml")" -ge 60
eq "restartPolicy Never: one conversion a pod" "$(yval restartPolicy "$K/pod.yaml")" Never
eq "the input Secret (it holds a password) is root's alone" \
    "$(grep -A3 'secretName:' "$K/pod.yaml" | sed -n 's/^ *defaultMode: *//p')" 0400
for m in /data/input /data/vddklib /var/tmp; do
	check "the pod mounts $m" grep -q "mountPath: $m\$" "$K/pod.yaml"
done

# The image's packages exist in Debian 12 (the mirror's lists here), and
# the runtime stage has the package of every library the two programs
# name (the image is not built here: no registry for its base).
pkgs() {	# pkgs N: the packages of the Containerfile's Nth apt-get install
	sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$K/Containerfile" |
	    grep 'apt-get install' | sed -n "${1}p" |
	    sed -e 's/.*--no-install-recommends//' -e 's/&&.*//' | tr -s ' ' '\n' | grep .
}
if command -v apt-cache >/dev/null && command -v dpkg >/dev/null; then
	for p in $(pkgs 1) $(pkgs 2); do
		check "the image's package $p is in Debian 12" \
		    sh -c "apt-cache show '$p' >/dev/null 2>&1"
	done
	RUNTIME=" $(pkgs 2 | tr '\n' ' ') "
	# The libraries each program names (apt brings what they need).
	for lib in $(for b in "$TOP/virt-v2v-wrapper" "$TOP/virt-v2v-wrapper-api"; do
		needed=" $(objdump -p "$b" | awk '$1 == "NEEDED" { printf "%s ", $2 }')"
		ldd "$b" | awk -v n="$needed" 'index(n, " " $1 " ") && $3 ~ /^\// { print $3 }'
	    done | sort -u); do
		p=$(dpkg -S "$(readlink -f "$lib")" 2>/dev/null | head -n 1 | cut -d: -f1)
		[ -z "$p" ] && p=$(dpkg -S "$lib" 2>/dev/null | head -n 1 | cut -d: -f1)
		case "$p" in
		# essential, in every image; a sanitizer's runtime is not in
		# the image's build
		libc6|libgcc-s1|libasan*|libubsan*|"") continue ;;
		esac
		check "the image has $p, for ${lib##*/}" test "${RUNTIME#* $p }" != "$RUNTIME"
	done
else
	skip "the image's packages: no apt-cache or dpkg here"
fi
