/*
 * Shared by the fuzz targets of the monitor's two readers (the v2v log
 * and the machine-readable log): a run of the line splitter and parser
 * fed whole or in chunks, and the invariants of the state it leaves.
 * Not part of make check: these files are built by regress/fuzz/fuzz.sh
 * with clang and libFuzzer only.
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
void		fz_fail(const char *, int, const char *);

uint64_t	fz_hash(const uint8_t *, size_t);
uint64_t	fz_next(uint64_t *);

/* One parse: state, parser and splitter, checked after every line. */
struct fz_run {
	struct state	st;
	struct parser	p;
	struct lines	l;
	int		mr;		/* parser_mr_line, \n only */
	size_t		linemax;
};

void		fz_run_init(struct fz_run *, int, size_t, unsigned int);
void		fz_run_free(struct fz_run *);
void		fz_feed_whole(struct fz_run *, const uint8_t *, size_t);
void		fz_feed_chunks(struct fz_run *, const uint8_t *, size_t,
		    uint64_t);
void		fz_check_state(const struct fz_run *);
char		*fz_dump_checked(const struct state *);

/* The whole harness of both readers: see fuzzstate.c. */
int		fz_reader_one(const uint8_t *, size_t, int);

#endif
