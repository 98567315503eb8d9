/* SPDX-License-Identifier: ISC */
/*
 * Shared by the fuzz targets of the monitor's two readers (the v2v log
 * and the machine-readable log): the line splitter fed whole and in
 * chunks, the parser, and the invariants of the state it leaves.  Not
 * part of make check: built by regress/fuzz/fuzz.sh with clang and
 * libFuzzer only.
 */
#ifndef FUZZSTATE_H
#define FUZZSTATE_H

#include <stddef.h>
#include <stdint.h>

#include "common/state.h"
#include "monitor/monitor.h"

/* An invariant that does not hold: a crash libFuzzer saves the input of. */
#define FZ_CHECK(cond) do {						\
	if (!(cond))							\
		fz_fail(__FILE__, __LINE__, #cond);			\
} while (0)

__attribute__((noreturn))
void	fz_fail(const char *, int, const char *);

/* One input to one reader (mr: the machine-readable log); see fuzzstate.c. */
int	fz_reader_one(const uint8_t *, size_t, int);

#endif
