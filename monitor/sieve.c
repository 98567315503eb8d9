/* SPDX-License-Identifier: ISC */
/*
 * Which lines of a chunk can matter to the parser.  Each form the parser
 * knows leaves a pair of bytes SIEVE_GAP apart in its line ("% [" of an
 * nbdcopy frame: '%' then '['), and such pairs are rare in the rest of a
 * -v -x log.  Looking for them is a few vector instructions per 32
 * bytes, with no branch per line, where splitting every line and calling
 * the parser on it costs a mispredicted branch or more per line; so
 * lines.c hands on only the lines that hold a pair.
 *
 * A byte's buckets are the AND of two 16-entry tables indexed by its low
 * and high nibble (the Teddy method of Hyperscan), which vpshufb looks
 * up 32 bytes at a time.  The portable scan uses 256-entry tables built
 * from the same nibble tables, so both find exactly the same positions.
 */
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define SIEVE_X86	1
#endif

#include "common/log.h"
#include "monitor/monitor.h"

static const char	*scan_portable(const struct sieve *, const char *,
			    size_t);

static int
ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

/* Bucket b gets bit b for every byte of set, in one table pair. */
static void
nibbles(unsigned char lo[16], unsigned char hi[16], const char *set,
    unsigned int bit)
{
	const unsigned char	*u;

	for (u = (const unsigned char *)set; *u != '\0'; u++) {
		lo[*u & 15] |= bit;
		hi[*u >> 4] |= bit;
	}
}

/*
 * Two bytes of a set can name a third by their nibbles ("%" and "."
 * in one set would not, "%" and "O" would admit "/" and "E"); that only
 * adds candidates, never loses one, and the portable scan admits the
 * same.
 */
static void
flatten(unsigned char flat[256], const unsigned char lo[16],
    const unsigned char hi[16])
{
	int	c;

	for (c = 0; c < 256; c++)
		flat[c] = lo[c & 15] & hi[c >> 4];
}

#ifdef SIEVE_X86
/*
 * The buckets of 32 bytes.  The low nibble needs no mask: vpshufb gives
 * 0 for a byte with its top bit set, as the high nibble's table does
 * (sieve_init takes ASCII only).
 */
__attribute__((target("avx2")))
static inline __m256i
classes_avx2(const char *p, __m256i lo, __m256i hi)
{
	const __m256i	nib = _mm256_set1_epi8(0x0f);
	__m256i		v;

	v = _mm256_loadu_si256((const __m256i *)(const void *)p);
	return _mm256_and_si256(_mm256_shuffle_epi8(lo, v),
	    _mm256_shuffle_epi8(hi, _mm256_and_si256(_mm256_srli_epi16(v, 4),
	    nib)));
}

/* Non-zero where p[i] and p[i + SIEVE_GAP] share a bucket. */
__attribute__((target("avx2")))
static inline __m256i
pairs_avx2(const char *p, const __m256i t[4])
{
	return _mm256_and_si256(classes_avx2(p, t[0], t[1]),
	    classes_avx2(p + SIEVE_GAP, t[2], t[3]));
}

/* A bit per position of a pairs_avx2() result. */
__attribute__((target("avx2")))
static inline uint64_t
mask_avx2(__m256i v)
{
	return ~(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v,
	    _mm256_setzero_si256()));
}

__attribute__((target("avx2")))
static __m256i
table_avx2(const unsigned char t[16])
{
	return _mm256_broadcastsi128_si256(
	    _mm_loadu_si128((const __m128i *)(const void *)t));
}

/* 64 bytes a turn, one test for both halves; masks only on a hit. */
__attribute__((target("avx2")))
static const char *
scan_avx2(const struct sieve *sv, const char *p, size_t len)
{
	__m256i		t[4], a, b;
	uint64_t	m;
	size_t		i = 0;

	t[0] = table_avx2(sv->lo[0]);
	t[1] = table_avx2(sv->hi[0]);
	t[2] = table_avx2(sv->lo[1]);
	t[3] = table_avx2(sv->hi[1]);
	for (; i + 64 + SIEVE_GAP <= len; i += 64) {
		a = pairs_avx2(p + i, t);
		b = pairs_avx2(p + i + 32, t);
		if (_mm256_testz_si256(_mm256_or_si256(a, b),
		    _mm256_or_si256(a, b)))
			continue;
		m = mask_avx2(a) | mask_avx2(b) << 32;
		return p + i + __builtin_ctzll(m);
	}
	for (; i + 32 + SIEVE_GAP <= len; i += 32)
		if ((m = mask_avx2(pairs_avx2(p + i, t))) != 0)
			return p + i + __builtin_ctzll(m);
	return scan_portable(sv, p + i, len - i);
}
#endif

/* A byte at a time, for the tail and for CPUs without AVX2. */
static const char *
scan_portable(const struct sieve *sv, const char *p, size_t len)
{
	const unsigned char	*u = (const unsigned char *)p;
	size_t			 i;

	for (i = 0; i + SIEVE_GAP < len; i++)
		if (sv->flat[0][u[i]] & sv->flat[1][u[i + SIEVE_GAP]])
			return p + i;
	return NULL;
}

void
sieve_init(struct sieve *sv, const struct sieve_pair *pairs, size_t n,
    int how)
{
	size_t	i;

	if (n > SIEVE_BUCKETS)
		fatalx("sieve: %zu pairs, at most %d", n, SIEVE_BUCKETS);
	memset(sv, 0, sizeof(*sv));
	for (i = 0; i < n; i++) {
		if (!ascii(pairs[i].first) || !ascii(pairs[i].then))
			fatalx("sieve: pair %zu is not ASCII", i);
		nibbles(sv->lo[0], sv->hi[0], pairs[i].first, 1U << i);
		nibbles(sv->lo[1], sv->hi[1], pairs[i].then, 1U << i);
	}
	flatten(sv->flat[0], sv->lo[0], sv->hi[0]);
	flatten(sv->flat[1], sv->lo[1], sv->hi[1]);
	sv->scan = scan_portable;
#ifdef SIEVE_X86
	if (how == SIEVE_FAST && __builtin_cpu_supports("avx2"))
		sv->scan = scan_avx2;
#endif
}

int
sieve_is_fast(const struct sieve *sv)
{
	return sv->scan != scan_portable;
}

/* The first position in [p, p + len) whose pair lies inside it, or NULL. */
const char *
sieve_next(const struct sieve *sv, const char *p, size_t len)
{
	return sv->scan(sv, p, len);
}
