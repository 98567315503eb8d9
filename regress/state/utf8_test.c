/* SPDX-License-Identifier: ISC */
/*
 * utf8_clean() and state_hash() against plain byte-at-a-time references
 * written here from their definitions: random inputs mixing ASCII, NUL,
 * valid and broken sequences at every offset around the 8-byte steps of
 * the fast paths, and every destination size that cuts them.
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

static void
test_hash(void)
{
	char	a[4200], b[4200];
	size_t	len;
	int	same = 0, differ = 0;

	for (len = 0; len < 40; len++) {
		memset(a, 'v', len);
		a[len] = '\0';
		memcpy(b, a, len + 1);
		same += state_hash(a) == state_hash(b);
		if (len > 0) {
			b[len - 1] = 'w';
			differ += state_hash(a) != state_hash(b);
		}
	}
	CHECK(same == 40 && differ == 39, "state_hash: equal strings hash "
	    "alike, a change in any last byte tells them apart");
	memset(a, 'v', 4096);
	memset(b, 'v', 4096);
	strlcpy(a + 4096, "/d0001.vmdk", sizeof(a) - 4096);
	strlcpy(b + 4096, "/d0002.vmdk", sizeof(b) - 4096);
	CHECK(state_hash(a) != state_hash(b),
	    "state_hash: 4 KiB paths that differ at the end");
	/* The four lanes: two 8-byte words swapped between them. */
	memset(a, 'v', 64);
	memcpy(a, "AAAAAAAABBBBBBBB", 16);
	a[64] = '\0';
	memcpy(b, a, 65);
	memcpy(b, "BBBBBBBBAAAAAAAA", 16);
	CHECK(state_hash(a) != state_hash(b),
	    "state_hash: words swapped between lanes hash apart");
}

int
main(void)
{
	test_clean();
	test_hash();
	return report();
}
