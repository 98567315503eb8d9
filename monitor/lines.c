/* SPDX-License-Identifier: ISC */
/*
 * Line splitting for logs that can be gigabytes and hostile.  A line that
 * arrives whole in one chunk is handed on in place; only a line split
 * across reads is copied.  A line longer than the bound is skipped to its
 * end, so memory never grows with the input.
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
	const __m128i	 nl = _mm_set1_epi8('\n');
	const __m128i	 cr = _mm_set1_epi8(l->split_cr ? '\r' : '\n');
	unsigned int	 m;
	__m128i		 v;

	for (; end - p >= 16; p += 16) {
		v = _mm_loadu_si128((const __m128i *)(const void *)p);
		m = _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, nl),
		    _mm_cmpeq_epi8(v, cr)));
		for (; m != 0; m &= m - 1) {
			line_done(l, start, p + __builtin_ctz(m) - start);
			start = p + __builtin_ctz(m) + 1;
		}
	}
#endif
	for (; p < end; p++) {
		if (*p == '\n' || (l->split_cr && *p == '\r')) {
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
	if (!l->skipping && l->len > 0)
		l->cb(l->arg, l->buf, l->len);
	l->len = 0;
	l->skipping = 0;
}
