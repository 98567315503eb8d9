#!/bin/bash
# SPDX-License-Identifier: ISC
# Inside a new mount and PID namespace (test-pod.sh starts it with
# unshare): the files a conversion pod has, from the test's tree $T, then
# the wrapper, exec'd, as the namespace's first process (PID 1), with the
# environment Kubernetes gives a pod.
#   pod.sh T WRAPPER API PORT [restricted | dry-run]
# "restricted": a pod without CAP_SETUID and CAP_SETGID; "dry-run": the
# wrapper with -n.
set -eu
T=$1 WRAPPER=$2 API=$3 PORT=$4
RESTRICT= ARGS=
[ "${5:-}" = restricted ] && RESTRICT="setpriv --bounding-set=-setuid,-setgid --inh-caps=-setuid,-setgid --"
[ "${5:-}" = dry-run ] && ARGS=-n
mount --make-rprivate /
# What the pod sees; bind mounts, so that the test reads them afterwards.
mount --bind "$T/data" /data
mount --bind "$T/varlog" /var/log
mount --bind "$T/pod-run" /run
mkdir -p /run/secrets/kubernetes.io/serviceaccount
cp "$T/sa/token" "$T/sa/ca.crt" "$T/sa/namespace" \
    /run/secrets/kubernetes.io/serviceaccount/
# An image's passwd: root and nobody, no vdsm, no kvm.
mount --bind "$T/passwd" /etc/passwd
mount --bind "$T/group" /etc/group
# The pod's name through the Downward API, or (T/no-pod-name) only as
# its hostname, which Kubernetes sets to the pod's name.
NAMES="POD_NAME=conversion-pod HOSTNAME=not-the-pods-name"
[ -e "$T/no-pod-name" ] && NAMES="HOSTNAME=conversion-pod"
exec env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
    KUBERNETES_SERVICE_HOST=127.0.0.1 KUBERNETES_SERVICE_PORT="$PORT" $NAMES \
    V2V_WRAPPER_VIRT_V2V="$T/virt-v2v" V2V_WRAPPER_API="$API" \
    ${ASAN_OPTIONS:+ASAN_OPTIONS="$ASAN_OPTIONS"} \
    ${UBSAN_OPTIONS:+UBSAN_OPTIONS="$UBSAN_OPTIONS"} \
    $RESTRICT "$WRAPPER" $ARGS </data/input/conversion.json
