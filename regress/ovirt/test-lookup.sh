#!/bin/bash
# SPDX-License-Identifier: ISC
# The allocation of an rhv-upload run without one: the real oVirt API
# client against the engine stand-in (TLS with the test's own CA), during
# validation: block storage gets preallocated, file storage sparse; no
# match, two matches, a CA that does not match, a wrong password and an
# engine that never answers each end in exit 1 with one line on stderr
# and nothing created; insecure_connection accepts any certificate; an
# explicit allocation and an export domain ask nothing.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/engine.sh"

is_root && ensure_vdsm
new_env
trap 'engine_stop; cleanup_env' EXIT
fake --rc 0
export V2V_WRAPPER_API=$TOP/virt-v2v-wrapper-api
if ! engine_certs; then
	notok "openssl makes the test CA"
	exit 1
fi
engine_world "$T/world.json"
if ! engine_start "$T/world.json"; then
	notok "the engine stand-in starts: $(cat "$T/engine.err")"
	exit 1
fi

# nothing_made: the run and log directories are as empty as before.
nothing_made() { [ -z "$(ls -A "$T/run" "$T/log" | grep -v ':$')" ]; }
# dry INPUT: -n, its stdout in $T/dry, stderr in $T/err; the exit status.
dry() { "$WRAPPER" -n >"$T/dry" 2>"$T/err" <<<"$1"; }
oa() { jq -c '.argv as $a | [range(0; $a | length) | select($a[.] == "-oa") | $a[. + 1]]' "$T/dry"; }
tokens() { grep -c '"path": "/ovirt-engine/sso/oauth/token"' "$REC"; }

for c in iscsi1:iscsi:preallocated fc1:fcp:preallocated nfs1:nfs:sparse; do
	IFS=: read -r sd type want <<<"$c"
	: >"$REC"
	dry "$(rhv_input "$sd")"
	rc=$?
	eq "$type: -n exits 0" "$rc" 0
	[ $rc -eq 0 ] || note "$(cat "$T/err")"
	eq "$type: -oa $want" "$(oa)" "[\"$want\"]"
	check "$type: nothing made" nothing_made
	eq "$type: one login, one search, one revocation" \
	    "$(jq -c '[.method, .path, .query]' "$REC" | tr '\n' ' ')" \
	    "[\"POST\",\"/ovirt-engine/sso/oauth/token\",\"\"] [\"GET\",\"/ovirt-engine/api/storagedomains\",\"search=name%3D%22$sd%22\"] [\"POST\",\"/ovirt-engine/services/sso-logout\",\"\"] "
	eq "$type: the search carries the token, Accept JSON" \
	    "$(jq -c 'select(.method == "GET") | [.bearer, .accept]' "$REC")" \
	    '[true,"application/json"]'
	eq "$type: the login is a form of grant_type, password, scope, username" \
	    "$(jq -c 'select(.path | endswith("/token")) | .form' "$REC")" \
	    '["grant_type","password","scope","username"]'
done
eq "every token is revoked" "$(jq .revoked "$W")" 3

# A real start (not -n): the wrapper log names the type.
: >"$REC"
"$WRAPPER" >"$T/out" 2>"$T/err" <<<"$(rhv_input fc1)"
eq "a run: exit 0" "$?" 0
check "a run: the wrapper log names the storage type and the allocation" \
    grep -q "storage domain fc1 has storage type fcp: allocation preallocated" \
    "$(jq -r .wrapper_log "$T/out")"
find "$T/run" "$T/log" -mindepth 1 -delete

# fails NAME INPUT PATTERN: exit 1, one stderr line matching, nothing made.
fails() {
	"$WRAPPER" >"$T/out" 2>"$T/err" <<<"$2"
	eq "$1: exit 1" "$?" 1
	eq "$1: one line on stderr" "$(wc -l <"$T/err")" 1
	check "$1: it says why" grep -Eq "$3" "$T/err"
	[ $? -eq 0 ] || note "stderr: $(cat "$T/err")"
	eq "$1: nothing on stdout" "$(wc -c <"$T/out")" 0
	check "$1: nothing made" nothing_made
	check "$1: the password is not in what it says" \
	    bash -c '! grep -qF "$1" "$2"' _ "$ENGINE_PW" "$T/err"
}
fails "no match" "$(rhv_input nosuch)" 'Found 0 domains matching "nosuch"!'
fails "two matches" "$(rhv_input dup)" 'Found 2 domains matching "dup"!'
: >"$REC"
fails "a CA that did not sign the engine's certificate" \
    "$(rhv_input iscsi1 "{\"rhv_cafile\":\"$OTHER_CA\"}")" \
    'rhv_storage "iscsi1": .*(certificate|SSL)'
eq "that CA: no request reached the engine" "$(wc -l <"$REC")" 0
# rhv_cafile alone: a CA in the system's store is not trusted beside it
# (libcurl built with a CA path searches /etc/ssl/certs too, unless told).
if is_root && command -v openssl >/dev/null; then
	mkdir -m 755 "$T/certs" && cp "$CA" "$T/certs/" && openssl rehash "$T/certs" 2>/dev/null
	unshare -m sh -c 'mount --bind "$1" /etc/ssl/certs && exec "$2" -n' _ \
	    "$T/certs" "$WRAPPER" >"$T/out" 2>"$T/err" \
	    <<<"$(rhv_input iscsi1 "{\"rhv_cafile\":\"$OTHER_CA\"}")"
	eq "the engine's CA in the system store, another as rhv_cafile: refused" "$?" 1
	check "refused: a certificate error" grep -Eq 'certificate|SSL' "$T/err"
else
	skip "the system CA store: needs root to mount one"
fi
dry "$(rhv_input iscsi1 "{\"rhv_cafile\":\"$OTHER_CA\",\"insecure_connection\":true}")"
eq "the same CA with insecure_connection: accepted" "$(oa)" '["preallocated"]'
fails "a wrong password" "$(rhv_input nfs1 '{"rhv_password":"not it"}')" \
    "Cannot authenticate user 'admin@internal'"
fails "a URL that is not https" \
    "$(rhv_input nfs1 "{\"rhv_url\":\"${URL/https/http}\"}")" 'https URL'

# The user is the userinfo of rhv_url, up to its last @.
jq '.user = "someone@profile"' "$W" >"$T/w2" && cp "$T/w2" "$W"
engine_stop; engine_start "$W"
dry "$(rhv_input nfs1 "{\"rhv_url\":\"${URL/127.0.0.1/someone@profile@127.0.0.1}\"}")"
eq "the user from rhv_url: accepted" "$(oa)" '["sparse"]'
fails "no user in rhv_url: admin@internal, refused here" "$(rhv_input nfs1)" \
    "Cannot authenticate user 'admin@internal'"

# Nothing asked: an explicit allocation, an export domain.
: >"$REC"
dry "$(rhv_input nfs1 '{"allocation":"preallocated"}')"
eq "allocation given: -oa as given" "$(oa)" '["preallocated"]'
dry "$(rhv_input nfs1 | jq -c "del(.rhv_url) + {export_domain: \"$T/ed\"}")"
eq "export domain: -n exits 0 (the earlier wrapper crashed here)" "$?" 0
eq "export domain: no -oa" "$(oa)" '[]'
eq "allocation given, export domain: no request at all" "$(wc -l <"$REC")" 0

# An engine that accepts and never answers: the client's own bounds end
# the lookup (the wrapper's 30 s are the last resort).
engine_stop; engine_start "$W" hang
start=$SECONDS
fails "an engine that never answers" "$(rhv_input nfs1)" \
    'rhv_storage "nfs1": .*([Tt]imed? ?out|no answer)'
took=$((SECONDS - start))
check "an engine that never answers: ended within 30 s (took $took s)" \
    test $took -le 30
