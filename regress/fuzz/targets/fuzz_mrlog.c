/* SPDX-License-Identifier: ISC */
/*
 * Fuzz target: the --machine-readable=file: log through the line
 * splitter (\n only) and parser_mr_line(), whole and in chunks; see
 * fuzzstate.c.
 */
#include <stddef.h>
#include <stdint.h>

#include "regress/fuzz/targets/fuzzstate.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fz_reader_one(data, size, 1);
}
