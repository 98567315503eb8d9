/* SPDX-License-Identifier: ISC */
/*
 * The disks in the order the state file shows them.  A hostile log can
 * name 1024 paths of 4 KiB in turn, and each one moves its disk to the
 * front (monitor/disks.c): so the disks themselves never move.  Two
 * arrays of 16-bit numbers keep the order, one the disks' indices and
 * one a tag of each hash, and a lookup scans the tags; a move is then a
 * memmove of 4 KiB at most and a lookup a scan of 2 KiB, where moving and
 * scanning the disks was 64 KiB a line, more than the line itself cost.
 */
#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "common/hash.h"
#include "common/state.h"

static uint16_t
tag(uint64_t h)
{
	return (uint16_t)(h >> 48);
}

/* The first i in [from, to) whose tag is t, else to: 8 a compare. */
static size_t
tag_scan(const uint16_t *tags, size_t i, size_t to, uint16_t t)
{
#ifdef __SSE2__
	const __m128i	want = _mm_set1_epi16((short)t);
	unsigned int	m;

	for (; i + 8 <= to; i += 8) {
		m = _mm_movemask_epi8(_mm_cmpeq_epi16(_mm_loadu_si128(
		    (const __m128i *)(const void *)(tags + i)), want));
		if (m != 0)
			return i + __builtin_ctz(m) / 2;
	}
#endif
	for (; i < to && tags[i] != t; i++)
		;
	return i;
}

static void
grow(struct state *st)
{
	size_t	cap;

	if (st->ndisks < st->disks_cap)
		return;
	cap = st->disks_cap == 0 ? 4 : st->disks_cap * 2;
	if (cap > STATE_DISKS_MAX)
		cap = STATE_DISKS_MAX;
	st->disks = reallocarray(st->disks, cap, sizeof(*st->disks));
	st->order = reallocarray(st->order, cap, sizeof(*st->order));
	st->tags = reallocarray(st->tags, cap, sizeof(*st->tags));
	if (st->disks == NULL || st->order == NULL || st->tags == NULL)
		abort();
	st->disks_cap = cap;
}

/* d's path: a cleaned, capped copy of len bytes at path. */
static void
set_path(struct disk *d, const char *path, size_t len)
{
	d->path = state_strdup(path, len, STATE_STR_MAX);
	d->len = strlen(d->path);
	d->hash = hash_text(d->path, d->len);
}

/* Appended; returns its index, or -1 when the list is full. */
int
state_add_disk(struct state *st, const char *path, size_t len)
{
	struct disk	*d;
	size_t		 i = st->ndisks;

	if (i >= STATE_DISKS_MAX)
		return -1;
	grow(st);
	d = &st->disks[i];
	set_path(d, path, len);
	d->progress = 0;
	d->unnamed = 0;
	st->order[i] = (uint16_t)i;
	st->tags[i] = tag(d->hash);
	st->ndisks++;
	return (int)i;
}

/* The i-th disk's path becomes path (len bytes, already cleaned). */
void
state_disk_path(struct state *st, size_t i, const char *path, size_t len)
{
	struct disk	*d = state_disk(st, i);

	free(d->path);
	set_path(d, path, len);
	st->tags[i] = tag(d->hash);
}

/* The first index in [from, to) of the disk named path, or -1. */
int
state_find_disk(const struct state *st, size_t from, size_t to,
    const char *path, size_t len, uint64_t h)
{
	const struct disk	*d;
	size_t			 i;

	if (to > st->ndisks)
		to = st->ndisks;
	for (i = from; (i = tag_scan(st->tags, i, to, tag(h))) < to; i++) {
		d = state_disk(st, i);
		if (d->hash == h && d->len == len &&
		    memcmp(d->path, path, len) == 0)
			return (int)i;
	}
	return -1;
}

/* The disk at from goes to to (to < from); those between move down. */
void
state_move_disk(struct state *st, size_t from, size_t to)
{
	uint16_t	o = st->order[from], t = st->tags[from];

	memmove(st->order + to + 1, st->order + to,
	    (from - to) * sizeof(*st->order));
	memmove(st->tags + to + 1, st->tags + to,
	    (from - to) * sizeof(*st->tags));
	st->order[to] = o;
	st->tags[to] = t;
}
