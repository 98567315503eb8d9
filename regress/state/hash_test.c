/* SPDX-License-Identifier: ISC */
/*
 * The disk paths' hash (common/hash.c) on every build, both ways: the
 * portable one always, AVX2 where the CPU has it.
 *   - both give the same value for every length up to 4 KiB and every
 *     alignment, so a lookup never depends on which one hashed a path;
 *   - equal texts hash alike; a change in any byte, a longer text with a
 *     NUL more, two words swapped tell texts apart;
 *   - 1024 distinct 4 KiB paths of the hostile log get nearly 1024
 *     distinct tags (the top 16 bits that disklist.c scans);
 *   - a text past HASH_TEXT_MAX is refused by abort, never hashed with
 *     key words used twice.
 */
#include <sys/resource.h>
#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/hash.h"
#include "regress/check.h"

static char	text[HASH_TEXT_MAX + 64];

static void
fill_random(char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		s[i] = (char)(random() & 0xff);
}

/* Both ways over every length and alignment; 0 when fast is missing. */
static void
test_same(int have_fast)
{
	uint64_t	p, f;
	size_t		len, off;
	int		bad = 0, n = 0;

	if (!have_fast) {
		SKIP("the AVX2 hash: this CPU has no AVX2");
		return;
	}
	fill_random(text, sizeof(text));
	for (len = 0; len <= HASH_TEXT_MAX; len += len < 300 ? 1 : 61)
		for (off = 0; off < 32 && off + len <= sizeof(text); off += 7) {
			hash_select(HASH_PORTABLE);
			p = hash_text(text + off, len);
			hash_select(HASH_FAST);
			f = hash_text(text + off, len);
			bad += p != f;
			n++;
		}
	p = hash_text(text, HASH_TEXT_MAX);
	hash_select(HASH_PORTABLE);
	bad += p != hash_text(text, HASH_TEXT_MAX);
	CHECK(bad == 0, "portable and AVX2 agree on %d texts of every length "
	    "to 4 KiB at 5 alignments (%d differ)", n + 1, bad);
}

static void
test_apart(const char *how)
{
	char		a[HASH_TEXT_MAX], b[HASH_TEXT_MAX];
	size_t		len, i;
	int		same = 0, differ = 0, n = 0;

	for (len = 1; len <= sizeof(a); len += len < 100 ? 1 : 397) {
		fill_random(a, len);
		memcpy(b, a, len);
		same += hash_text(a, len) == hash_text(b, len);
		i = (size_t)random() % len;
		b[i] ^= 1 << (random() % 8);
		differ += hash_text(a, len) != hash_text(b, len);
		n++;
	}
	CHECK(same == n && differ == n, "%s: %d equal texts hash alike, one "
	    "bit flipped anywhere tells them apart (%d, %d)", how, n, same,
	    differ);
	memcpy(a, "abc", 4);
	CHECK(hash_text(a, 3) != hash_text(a, 4), "%s: \"abc\" and \"abc\\0\" "
	    "hash apart (the length counts, not only the words)", how);
	memset(a, 'v', 64);
	memcpy(a, "AAAAAAAABBBBBBBB", 16);
	memcpy(b, a, 64);
	memcpy(b, "BBBBBBBBAAAAAAAA", 16);
	CHECK(hash_text(a, 64) != hash_text(b, 64),
	    "%s: two words swapped hash apart", how);
}

/* The hostile log's paths: the same 4 KiB but for a number. */
static void
test_tags(const char *how)
{
	static unsigned char	seen[65536];
	char			path[HASH_TEXT_MAX];
	int			k, distinct = 0;
	unsigned int		t;

	memset(seen, 0, sizeof(seen));
	memset(path, 'p', sizeof(path));
	for (k = 0; k < 1024; k++) {
		snprintf(path, 32, "[ds1] vm%04d/", k);
		path[13] = 'p';
		t = (unsigned int)(hash_text(path, sizeof(path)) >> 48);
		distinct += !seen[t];
		seen[t] = 1;
	}
	/* About 8 of 1024 collide by chance in 65536 tags. */
	CHECK(distinct >= 990, "%s: 1024 paths that differ in 4 bytes get "
	    "%d distinct tags of 16 bits", how, distinct);
}

static void
test_too_long(void)
{
	struct rlimit	no_core = { 0, 0 };
	pid_t		pid;
	int		status;

	fflush(stdout);
	if ((pid = fork()) == 0) {
		setrlimit(RLIMIT_CORE, &no_core);
		hash_text(text, HASH_TEXT_MAX + 1);
		_exit(0);
	}
	CHECK(pid != -1 && waitpid(pid, &status, 0) == pid &&
	    WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT,
	    "a text of HASH_TEXT_MAX + 1 bytes is refused (abort)");
}

int
main(void)
{
	int	have_fast;

	srandom(20261206);
	have_fast = hash_select(HASH_FAST);
	test_same(have_fast);
	hash_select(HASH_PORTABLE);
	test_apart("portable");
	test_tags("portable");
	if (have_fast) {
		hash_select(HASH_FAST);
		test_apart("AVX2");
		test_tags("AVX2");
	} else
		SKIP("the AVX2 hash's own checks: this CPU has no AVX2");
	test_too_long();
	return report();
}
