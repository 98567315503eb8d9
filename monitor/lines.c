/* SPDX-License-Identifier: ISC */
/*
 * Line splitting for logs that can be gigabytes and hostile.  A line that
 * arrives whole in one chunk is handed on in place; only a line split
 * across reads is copied.  A line longer than the bound is skipped to its
 * end, so memory never grows with the input.  With a sieve (sieve.c),
 * only the lines it marks are handed on, and the line ends are looked for
 * only around them.
 */
#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "common/log.h"
#include "monitor/monitor.h"

void
lines_init(struct lines *l, size_t max, int split_cr, line_cb cb, void *arg)
{
	memset(l, 0, sizeof(*l));
	if ((l->buf = malloc(max)) == NULL)
		fatal("malloc");
	l->max = max;
	l->split_cr = split_cr;
	l->cb = cb;
	l->arg = arg;
}

/* Hand on only lines the sieve marks; the parser ignores all others. */
void
lines_sieve(struct lines *l, const struct sieve *sv)
{
	l->sieve = sv;
}

void
lines_free(struct lines *l)
{
	free(l->buf);
	l->buf = NULL;
}

/* Append to the partial line, or start skipping when it grows too long. */
static void
keep(struct lines *l, const char *s, size_t len)
{
	if (l->skipping)
		return;
	if (l->len + len > l->max) {
		log_debug("skipping a line longer than %zu bytes", l->max);
		l->skipping = 1;
		l->len = 0;
		return;
	}
	memcpy(l->buf + l->len, s, len);
	l->len += len;
}

/* A line of n bytes ended at s + n: hand it on, whole or completed. */
static void
line_done(struct lines *l, const char *s, size_t n)
{
	if (l->skipping)
		l->skipping = 0;
	else if (l->len == 0) {
		if (n <= l->max)
			l->cb(l->arg, s, n);
	} else {
		keep(l, s, n);
		if (!l->skipping)
			l->cb(l->arg, l->buf, l->len);
		l->skipping = 0;
		l->len = 0;
	}
}

static int
is_end(const struct lines *l, char c)
{
	return c == '\n' || (l->split_cr && c == '\r');
}

#ifdef __SSE2__
/* Bit i set when p[i] ends a line. */
static unsigned int
ends16(const struct lines *l, const char *p)
{
	const __m128i	nl = _mm_set1_epi8('\n');
	const __m128i	cr = _mm_set1_epi8(l->split_cr ? '\r' : '\n');
	__m128i		v;

	v = _mm_loadu_si128((const __m128i *)(const void *)p);
	return _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, nl),
	    _mm_cmpeq_epi8(v, cr)));
}
#endif

/*
 * The first line end in [p, end), or NULL.  Most lines are short: the
 * first 64 bytes are looked at here, the rest by libc, which is faster
 * on the long ones (AVX-512 on some CPUs) but costs a call per byte.
 */
static const char *
end_next(const struct lines *l, const char *p, const char *end)
{
	const char	*n, *r;
#ifdef __SSE2__
	unsigned int	 m;
	int		 i;

	for (i = 0; i < 4 && end - p >= 16; i++, p += 16)
		if ((m = ends16(l, p)) != 0)
			return p + __builtin_ctz(m);
#endif
	n = memchr(p, '\n', end - p);
	if (l->split_cr && (r = memchr(p, '\r', (n ? n : end) - p)) != NULL)
		return r;
	return n;
}

/* The last line end in [start, p), or NULL; as end_next(). */
static const char *
end_prev(const struct lines *l, const char *start, const char *p)
{
	const char	*n, *r, *from;
#ifdef __SSE2__
	unsigned int	 m;
	int		 i;

	for (i = 0; i < 4 && p - start >= 16; i++, p -= 16)
		if ((m = ends16(l, p - 16)) != 0)
			return p - 16 + 31 - __builtin_clz(m);
#endif
	n = memrchr(start, '\n', p - start);
	from = n ? n + 1 : start;
	if (l->split_cr && (r = memrchr(from, '\r', p - from)) != NULL)
		return r;
	return n;
}

/*
 * The line begun in an earlier chunk is completed in the buffer and
 * sieved there; between it and the last line end, the sieve's marks are
 * the only places looked at.  A mark whose pair runs into the line's end marks
 * nothing.  Each line is looked at once, from its mark back to its start
 * and on to its end, so the cost stays linear whatever the log.
 */
static void
feed_sieved(struct lines *l, const char *s, size_t len)
{
	const char	*end = s + len, *e, *last, *q, *start;

	if (l->len > 0 || l->skipping) {
		if ((e = end_next(l, s, end)) == NULL) {
			keep(l, s, len);
			return;
		}
		keep(l, s, e - s);
		lines_flush(l);
		s = e + 1;
	}
	if ((last = end_prev(l, s, end)) == NULL) {
		keep(l, s, end - s);
		return;
	}
	while (s < last && (q = sieve_next(l->sieve, s, last - s)) != NULL) {
		e = end_next(l, q, last + 1);
		if ((size_t)(e - q) > SIEVE_GAP) {
			start = end_prev(l, s, q);
			start = start ? start + 1 : s;
			if ((size_t)(e - start) <= l->max)
				l->cb(l->arg, start, e - start);
		}
		s = e + 1;
	}
	keep(l, last + 1, end - last - 1);
}

/*
 * Find the line ends 16 bytes at a time: one compare per byte class and
 * a bit per line end, instead of a memchr() call per line, which costs
 * more than the short lines of a -v -x log themselves.
 */
void
lines_feed(struct lines *l, const char *s, size_t len)
{
	const char	*start = s, *p = s, *end = s + len;
#ifdef __SSE2__
	unsigned int	 m;
#endif

	if (l->sieve != NULL) {
		feed_sieved(l, s, len);
		return;
	}
#ifdef __SSE2__
	for (; end - p >= 16; p += 16) {
		for (m = ends16(l, p); m != 0; m &= m - 1) {
			line_done(l, start, p + __builtin_ctz(m) - start);
			start = p + __builtin_ctz(m) + 1;
		}
	}
#endif
	for (; p < end; p++) {
		if (is_end(l, *p)) {
			line_done(l, start, p - start);
			start = p + 1;
		}
	}
	if (start < end)
		keep(l, start, end - start);
}

/* At the end of the stream, a last line without a terminator counts. */
void
lines_flush(struct lines *l)
{
	if (!l->skipping && l->len > 0 && (l->sieve == NULL ||
	    sieve_next(l->sieve, l->buf, l->len) != NULL))
		l->cb(l->arg, l->buf, l->len);
	l->len = 0;
	l->skipping = 0;
}
