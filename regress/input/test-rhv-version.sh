#!/bin/bash
# SPDX-License-Identifier: ISC
# --check-rhv-version, as the earlier wrapper's Ansible role runs it: the
# vdsm that rpm (else dpkg-query) reports must be 4.20.31 or later, epoch
# first, release ignored; stand-ins of both tools print what each case
# needs and record the argv they got.
. "$(dirname "$0")/../lib.sh"

new_env
export V2V_WRAPPER_RPM=$T/rpm V2V_WRAPPER_DPKG_QUERY=$T/dpkg-query

# tool NAME RC OUTPUT: a stand-in that records its argv and answers.
tool() {
	printf '#!/bin/sh\necho "$*" >>%q\nprintf "%%s\\n" %q\nexit %d\n' \
	    "$T/$1.argv" "$3" "$2" >"$T/$1"
	chmod 755 "$T/$1"
}

# rhv RPM_RC RPM_OUT DPKG_RC DPKG_OUT: the check's output and status.
rhv() {
	tool rpm "$1" "$2"
	tool dpkg-query "$3" "$4"
	OUT=$("$WRAPPER" --check-rhv-version 2>&1)
	RC=$?
}

rhv 0 '(none):4.50.3' 1 ''
eq "rpm 4.50.3: passes" "$RC $OUT" "0 Version of VDSM on the host: 4.50.3"
eq "rpm is asked for vdsm's epoch and version" "$(cat "$T/rpm.argv")" \
    "-q --queryformat %{EPOCH}:%{VERSION}
 vdsm"
rhv 0 '(none):4.20.31' 1 ''
eq "rpm 4.20.31, the least: passes" "$RC" 0
rhv 0 '(none):4.20.30' 1 ''
eq "rpm 4.20.30: fails, and says the minimum" "$RC $OUT" "1 Version of VDSM on the host: 4.20.30
Minimal required oVirt/RHV version is 4.2.4"
rhv 0 '(none):4.3' 1 ''
eq "rpm 4.3 (4.3.0 < 4.20.31, compared as numbers): fails" "$RC" 1
rhv 0 '1:0.1' 1 ''
eq "an epoch above 0 wins: passes" "$RC" 0
rhv 1 'package vdsm is not installed' 0 '4.40.100.2-1'
eq "no rpm package, dpkg's 4.40.100.2-1: passes" "$RC $OUT" \
    "0 Version of VDSM on the host: 4.40.100.2-1"
eq "dpkg-query is asked for vdsm's version" "$(tail -n 2 "$T/dpkg-query.argv")" '-W -f ${Version}
 vdsm'
rhv 1 '' 0 '4.20.30-1'
eq "dpkg's 4.20.30-1 (the release ignored): fails" "$RC" 1
rhv 1 '' 1 ''
eq "vdsm in neither: fails, and says so" "$RC $OUT" "1 VDSM is not installed on this host
Minimal required oVirt/RHV version is 4.2.4"
rm -f "$T/rpm" "$T/dpkg-query"
OUT=$("$WRAPPER" --check-rhv-version 2>&1)
eq "neither tool on the host: fails, not installed" "$? $(head -n 1 <<<"$OUT")" \
    "1 VDSM is not installed on this host"
