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

/* The rule of common/utf8.c, one byte at a time. */
static size_t
ref_seq(const unsigned char *s, size_t len)
{
	uint32_t	cp;
	size_t		n, i;

	if (s[0] >= 1 && s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
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
	static const char *const bits[] = { "a", "bcdefgh", "\0", "\xc3\xa9",
	    "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xff", "\xc3", "\xed\xa0\x80",
	    "0123456789abcdef" };
	static const size_t bitlen[] = { 1, 7, 1, 2, 3, 4, 1, 1, 3, 16 };
	unsigned char	in[256];
	char		got[1024], want[1024];
	size_t		len, dstsz, gl, wl;
	int		round, bad = 0, k;

	srandom(7);
	for (round = 0; round < 20000; round++) {
		for (len = 0; len < 200; len += bitlen[k]) {
			k = random() % 10;
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
	strcpy(a + 4096, "/d0001.vmdk");
	strcpy(b + 4096, "/d0002.vmdk");
	CHECK(state_hash(a) != state_hash(b),
	    "state_hash: 4 KiB paths that differ at the end");
}

int
main(void)
{
	test_clean();
	test_hash();
	return report();
}
