#!/bin/bash
# SPDX-License-Identifier: ISC
# The manual is mdoc that mandoc -Tlint passes without a warning, and it
# names every environment variable and input key the code knows.
. "$(dirname "$0")/../lib.sh"
MAN=$TOP/man/virt-v2v-wrapper.8

out=$(mandoc -Tlint -Wwarning "$MAN" 2>&1)
if [ -z "$out" ]; then ok "mandoc -Tlint is clean"; else
	notok "mandoc -Tlint is clean"; note "$out"; fi

# Every V2V_WRAPPER_* the code reads is documented.
for v in $(grep -oh 'V2V_WRAPPER_[A-Z_0-9]*' "$TOP"/parent/*.c | sort -u); do
	check "man page documents $v" grep -q "Ev $v" "$MAN"
done
# Every input key the config parser reads is documented.
keys=$(sed -n '/^static const char \*const known_keys/,/^};/p' \
    "$TOP"/common/config.c | grep -o '"[a-z_]*"' | tr -d '"')
check "the known input keys were found in config.c" test "$(echo "$keys" | wc -w)" -ge 20
for k in $keys; do
	check "man page documents input key $k" grep -q "Ic $k" "$MAN"
done
