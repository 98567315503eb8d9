/* SPDX-License-Identifier: ISC */
/*
 * The hash disk paths are looked up by (common/disklist.c).  A log's
 * author chooses those paths, up to 1024 of 4 KiB, and every lookup that
 * meets an equal hash costs a compare of the whole path; so it must be a
 * hash the author cannot aim collisions at, and a cheap one, as a hostile
 * log has every byte of it hashed.
 *
 * NH, the inner hash of UMAC (RFC 4418): the text's 32-bit words are
 * added to the words of a random key, multiplied in pairs to 64 bits and
 * summed.  Two texts of equal length sum alike, under a key their author
 * does not know, with a chance of at most 2^-32; the length, mixed in at
 * the end, sets texts of other lengths apart.  The products do not wait on
 * each other, as the steps of a multiply-and-mix chain do, so 32 bytes
 * are one vpmuludq with AVX2 and 8 bytes one multiply without; both sum
 * the same products, and addition does not care for their order, so both
 * give the same value (regress/state/hash_test checks it).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define HASH_X86	1
#endif

#include "common/hash.h"

#define HASH_MUL	0x9e3779b97f4a7c15ULL
#define KEY_WORDS	(HASH_TEXT_MAX / 8 + 1)	/* the last, partial word */

static uint64_t	key[KEY_WORDS];
static uint64_t	lenkey;
static int	fast = -1;		/* -1: not chosen yet */

/* 8 bytes at s, zero-padded past len. */
static uint64_t
word(const char *s, size_t len)
{
	uint64_t	w = 0;

	memcpy(&w, s, len < 8 ? len : 8);
	return w;
}

/* The products of the words from byte i on, as the portable code does. */
static uint64_t
nh_words(const char *s, size_t i, size_t len)
{
	uint64_t	sum = 0, w;
	uint32_t	a, b;

	for (; i < len; i += 8) {
		w = word(s + i, len - i);
		a = (uint32_t)w + (uint32_t)key[i / 8];
		b = (uint32_t)(w >> 32) + (uint32_t)(key[i / 8] >> 32);
		sum += (uint64_t)a * b;
	}
	return sum;
}

#ifdef HASH_X86
/* The products of the first len & ~31 bytes, four words a step. */
__attribute__((target("avx2")))
static uint64_t
nh_avx2(const char *s, size_t len)
{
	__m256i		sum = _mm256_setzero_si256(), a;
	uint64_t	lane[4];
	size_t		i;

	for (i = 0; i + 32 <= len; i += 32) {
		a = _mm256_add_epi32(
		    _mm256_loadu_si256((const __m256i *)(const void *)(s + i)),
		    _mm256_loadu_si256((const __m256i *)(const void *)
		    (key + i / 8)));
		sum = _mm256_add_epi64(sum,
		    _mm256_mul_epu32(a, _mm256_srli_epi64(a, 32)));
	}
	_mm256_storeu_si256((__m256i *)(void *)lane, sum);
	return lane[0] + lane[1] + lane[2] + lane[3];
}
#endif

static void
hash_init(void)
{
	arc4random_buf(key, sizeof(key));
	lenkey = ((uint64_t)arc4random() << 32 | arc4random()) | 1;
	if (fast == -1)
		hash_select(HASH_FAST);
}

int
hash_select(enum hash_how how)
{
	fast = 0;
#ifdef HASH_X86
	if (how == HASH_FAST && __builtin_cpu_supports("avx2"))
		fast = 1;
#endif
	return fast;
}

uint64_t
hash_text(const char *s, size_t len)
{
	uint64_t	h;
	size_t		done = 0;

	if (lenkey == 0)
		hash_init();
	/* Past the key, texts would share key words: callers never go
	 * there (paths are capped at STATE_STR_MAX). */
	if (len > HASH_TEXT_MAX)
		abort();
	h = 0;
#ifdef HASH_X86
	if (fast) {
		h = nh_avx2(s, len);
		done = len & ~(size_t)31;
	}
#endif
	h += nh_words(s, done, len);
	h = (h ^ (len * lenkey)) * HASH_MUL;
	return h ^ (h >> 32);
}
