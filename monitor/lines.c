/*
 * Line splitting for logs that can be gigabytes and hostile.  A line that
 * arrives whole in one chunk is handed on in place; only a line split
 * across reads is copied.  A line longer than the bound is skipped to its
 * end, so memory never grows with the input.
 */
#include <stdlib.h>
#include <string.h>

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

/*
 * The first line end in s, or NULL.  *cr caches where the next \r of the
 * chunk is (or NULL when there is none), so each byte is searched for
 * \r once per chunk rather than once per line.
 */
static const char *
line_end(const struct lines *l, const char *s, size_t len, const char **cr)
{
	const char	*nl;

	nl = memchr(s, '\n', len);
	if (!l->split_cr)
		return nl;
	if (*cr != NULL && *cr < s)
		*cr = memchr(s, '\r', len);
	if (*cr != NULL && (nl == NULL || *cr < nl))
		return *cr;
	return nl;
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

void
lines_feed(struct lines *l, const char *s, size_t len)
{
	const char	*end, *cr;
	size_t		 n;

	cr = l->split_cr ? memchr(s, '\r', len) : NULL;
	while (len > 0) {
		if ((end = line_end(l, s, len, &cr)) == NULL) {
			keep(l, s, len);
			return;
		}
		n = end - s;
		if (l->skipping)
			l->skipping = 0;
		else if (l->len == 0) {
			if (n <= l->max)
				l->cb(l->arg, s, n);
		}
		else {
			keep(l, s, n);
			if (!l->skipping)
				l->cb(l->arg, l->buf, l->len);
			l->skipping = 0;
			l->len = 0;
		}
		s += n + 1;
		len -= n + 1;
	}
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
