/* SPDX-License-Identifier: ISC */
/*
 * utf8_clean() against a plain byte-at-a-time reference written here
 * from its definition: random inputs mixing ASCII, NUL, valid and broken
 * sequences at every offset around the steps of the fast path, and every
 * destination size that cuts them.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/state.h"
#include "common/utf8.h"
#include "regress/check.h"

/*
 * Well-formed sequences as the Unicode standard's table 3-7 lists them
 * (lead byte, then the range of the second byte), a formulation apart
 * from common/utf8.c's decoding, so that a mistake in one is not the
 * other's too.
 */
static const struct {
	unsigned char	lo, hi;		/* lead byte */
	unsigned char	lo2, hi2;	/* second byte */
	size_t		n;
} wf[] = {
	{ 0xc2, 0xdf, 0x80, 0xbf, 2 },
	{ 0xe0, 0xe0, 0xa0, 0xbf, 3 },
	{ 0xe1, 0xec, 0x80, 0xbf, 3 },
	{ 0xed, 0xed, 0x80, 0x9f, 3 },
	{ 0xee, 0xef, 0x80, 0xbf, 3 },
	{ 0xf0, 0xf0, 0x90, 0xbf, 4 },
	{ 0xf1, 0xf3, 0x80, 0xbf, 4 },
	{ 0xf4, 0xf4, 0x80, 0x8f, 4 },
};

static size_t
ref_seq(const unsigned char *s, size_t len)
{
	size_t	k, i;

	if (s[0] >= 0x01 && s[0] <= 0x7f)
		return 1;
	for (k = 0; k < sizeof(wf) / sizeof(wf[0]); k++) {
		if (s[0] < wf[k].lo || s[0] > wf[k].hi)
			continue;
		if (len < wf[k].n || s[1] < wf[k].lo2 || s[1] > wf[k].hi2)
			return 0;
		for (i = 2; i < wf[k].n; i++)
			if (s[i] < 0x80 || s[i] > 0xbf)
				return 0;
		return wf[k].n;
	}
	return 0;
}

static size_t
ref_clean(char *dst, size_t dstsz, const unsigned char *s, size_t len)
{
	size_t	i = 0, o = 0, n;

	while (i < len) {
		if ((n = ref_seq(s + i, len - i)) == 0) {
			if (o + 3 >= dstsz)
				break;
			memcpy(dst + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
			continue;
		}
		if (o + n >= dstsz)
			break;
		memcpy(dst + o, s + i, n);
		o += n;
		i += n;
	}
	dst[o] = '\0';
	return o;
}

static void
test_clean(void)
{
	/* ASCII, NUL, valid, broken, a surrogate, overlong forms, past
	 * U+10FFFF */
	static const char *const bits[] = { "a", "bcdefgh", "\0", "\xc3\xa9",
	    "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xff", "\xc3", "\xed\xa0\x80",
	    "0123456789abcdef", "\xc0\xaf", "\xe0\x80\xaf", "\xf0\x8f\xbf\xbf",
	    "\xf4\x90\x80\x80" };
	static const size_t bitlen[] = { 1, 7, 1, 2, 3, 4, 1, 1, 3, 16, 2, 3, 4,
	    4 };
	const int	nbits = sizeof(bits) / sizeof(bits[0]);
	unsigned char	in[256];
	char		got[1024], want[1024];
	size_t		len, dstsz, gl, wl;
	int		round, bad = 0, k;

	srandom(7);
	for (round = 0; round < 20000; round++) {
		for (len = 0; len < 200; len += bitlen[k]) {
			k = random() % nbits;
			if (len + bitlen[k] > sizeof(in))
				break;
			memcpy(in + len, bits[k], bitlen[k]);
		}
		dstsz = 1 + random() % 700;
		gl = utf8_clean(got, dstsz, (const char *)in, len);
		wl = ref_clean(want, dstsz, in, len);
		if (gl != wl || memcmp(got, want, gl + 1) != 0)
			bad++;
	}
	CHECK(bad == 0, "utf8_clean: 20000 random inputs and sizes as the "
	    "byte-at-a-time rule (%d differ)", bad);
}

int
main(void)
{
	test_clean();
	return report();
}
