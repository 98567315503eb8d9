/* SPDX-License-Identifier: ISC */
/*
 * Fuzz target: virt-v2v's merged stdout/stderr through the line splitter
 * (\r and \n) and parser_line(), whole and in chunks; see fuzzstate.c.
 */
#include <stddef.h>
#include <stdint.h>

#include "regress/fuzz/targets/fuzzstate.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fz_reader_one(data, size, 0);
}
