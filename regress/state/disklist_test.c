/* SPDX-License-Identifier: ISC */
/*
 * The disk list (common/disklist.c) against the plain array it replaced,
 * written here: every disk moved in memory, every lookup a walk with
 * strcmp.  200000 random adds, lookups over random ranges, moves and
 * renames, with names drawn from 1200 (so some repeat and the list
 * fills): the index each lookup returns, at each step, and the whole
 * order with each disk's path every 500 steps and at the end.  With 1200 names some share
 * their 16-bit tag, which the test counts, so the path where the tag
 * matches and the hash or the text does not is taken too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "common/state.h"
#include "regress/check.h"

#define NAMES	1200
#define STEPS	200000

static char	*names[NAMES];
static size_t	 lens[NAMES];

/* The reference: the names in order, as indices into names[]. */
static int	ref[STATE_DISKS_MAX];
static size_t	nref;

static int
ref_find(size_t from, size_t to, int name)
{
	size_t	i;

	for (i = from; i < to && i < nref; i++)
		if (strcmp(names[ref[i]], names[name]) == 0)
			return (int)i;
	return -1;
}

static void
ref_move(size_t from, size_t to)
{
	int	x = ref[from];

	memmove(ref + to + 1, ref + to, (from - to) * sizeof(ref[0]));
	ref[to] = x;
}

static int
same_order(const struct state *st)
{
	size_t	i;

	if (st->ndisks != nref)
		return 0;
	for (i = 0; i < nref; i++)
		if (strcmp(state_disk(st, i)->path, names[ref[i]]) != 0)
			return 0;
	return 1;
}

/* Names alike but for a number in the middle, of lengths 1 to 300. */
static void
make_names(void)
{
	char	buf[400];
	size_t	len;
	int	k;

	for (k = 0; k < NAMES; k++) {
		len = 12 + (size_t)random() % 290;
		memset(buf, 'n', len);
		snprintf(buf + len / 2, 8, "%05d", k % 1000);
		buf[len / 2 + 5] = 'n';
		buf[len] = '\0';
		if (k >= 1000)		/* the same digits, another length */
			buf[len - 1] = 'x';
		names[k] = strdup(buf);
		lens[k] = len;
	}
}

static int
tag_pairs(void)
{
	static int	seen[65536];
	int		k, pairs = 0;
	unsigned int	t;

	for (k = 0; k < NAMES; k++) {
		t = (unsigned int)(hash_text(names[k], lens[k]) >> 48);
		pairs += seen[t];
		seen[t]++;
	}
	return pairs;
}

int
main(void)
{
	struct state	st;
	size_t		from, to;
	int		step, op, name, got, want;
	int		bad_find = 0, bad_order = 0, finds = 0, moves = 0;
	int		pairs;

	srandom(61206);
	make_names();
	state_init(&st);
	for (step = 0; step < STEPS; step++) {
		op = (int)(random() % 10);
		name = (int)(random() % NAMES);
		if (op == 0 || nref == 0) {
			got = state_add_disk(&st, names[name], lens[name]);
			if (nref < STATE_DISKS_MAX) {
				want = (int)nref;
				ref[nref++] = name;
			} else
				want = -1;
			bad_order += got != want;
		} else if (op < 6) {
			from = (size_t)random() % (nref + 1);
			to = from + (size_t)random() % (nref + 2 - from);
			got = state_find_disk(&st, from, to, names[name],
			    lens[name], hash_text(names[name], lens[name]));
			want = ref_find(from, to, name);
			bad_find += got != want;
			finds += want != -1;
		} else if (op < 9) {
			from = (size_t)random() % nref;
			to = from == 0 ? 0 : (size_t)random() % from;
			if (from > to) {
				state_move_disk(&st, from, to);
				ref_move(from, to);
				moves++;
			}
		} else {
			to = (size_t)random() % nref;
			state_disk_path(&st, to, names[name], lens[name]);
			ref[to] = name;
		}
		if (step % 500 == 0 || step == STEPS - 1)
			bad_order += !same_order(&st);
	}
	CHECK(bad_find == 0, "%d lookups give the plain walk's index, %d of "
	    "them found (%d differ)", STEPS / 2, finds, bad_find);
	CHECK(bad_order == 0 && nref == STATE_DISKS_MAX, "the order over "
	    "%d steps (%d moves) is the plain array's, the list "
	    "filled to %d (%d differ)", STEPS, moves, STATE_DISKS_MAX,
	    bad_order);
	pairs = tag_pairs();
	CHECK(pairs > 0, "names sharing a 16-bit tag were in play (%d pairs)",
	    pairs);
	state_free(&st);
	return report();
}
