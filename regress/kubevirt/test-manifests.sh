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
