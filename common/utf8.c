/* SPDX-License-Identifier: ISC */
/*
 * Text from virt-v2v is whatever a guest or a hypervisor put into it.
 * The state file must stay valid UTF-8 for every caller's JSON parser, so
 * each byte that does not start a well-formed sequence (overlong forms,
 * surrogates and code points past U+10FFFF included) becomes U+FFFD, and
 * so does NUL, which would end the string early for a C caller.
 */
#include <stdint.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "common/utf8.h"

static const char	replacement[] = "\xef\xbf\xbd";

/* Length of the well-formed sequence at s, or 0. */
static size_t
seqlen(const unsigned char *s, size_t len)
{
	uint32_t	cp;
	size_t		n, i;

	if (s[0] >= 0x01 && s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else
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

/*
 * How many bytes at s are ASCII other than NUL: 16 at a time where SSE2
 * is (a byte's top bit, or a NUL's compare, sets its mask bit), then 8.
 */
static size_t
ascii_run(const unsigned char *s, size_t len)
{
	const uint64_t	ones = 0x0101010101010101ULL;
	const uint64_t	highs = 0x8080808080808080ULL;
	uint64_t	w;
	size_t		i = 0;
#ifdef __SSE2__
	unsigned int	m;
	__m128i		v;

	for (; i + 16 <= len; i += 16) {
		v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
		m = _mm_movemask_epi8(_mm_or_si128(v,
		    _mm_cmpeq_epi8(v, _mm_setzero_si128())));
		if (m != 0)
			return i + __builtin_ctz(m);
	}
#endif
	for (; i + 8 <= len; i += 8) {
		memcpy(&w, s + i, 8);
		/* a high bit, or a zero byte (the classic haszero test) */
		if ((w & highs) != 0 || ((w - ones) & ~w & highs) != 0)
			break;
	}
	while (i < len && s[i] >= 0x01 && s[i] < 0x80)
		i++;
	return i;
}

/*
 * Copy src into dst (dstsz bytes, NUL-terminated), cleaned as above and
 * cut on a character boundary when it does not fit.  Returns the length.
 */
size_t
utf8_clean(char *dst, size_t dstsz, const char *src, size_t len)
{
	const unsigned char	*s = (const unsigned char *)src;
	size_t			 i = 0, o = 0, n;

	if (dstsz == 0)
		return 0;
	while (i < len) {
		/* Plain ASCII without NUL, a word at a time: most text is. */
		n = ascii_run(s + i, len - i);
		if (o + n >= dstsz)
			n = dstsz - 1 - o;
		memcpy(dst + o, s + i, n);
		o += n;
		i += n;
		if (i == len || o + 1 >= dstsz)
			break;
		n = seqlen(s + i, len - i);
		if (n == 0) {
			if (o + 3 >= dstsz)
				break;
			memcpy(dst + o, replacement, 3);
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
