/* SPDX-License-Identifier: ISC */
/*
 * One HTTPS request at a time with libcurl: TLS verified against the
 * given CA unless told otherwise, no proxy from anywhere, no redirects,
 * every request bounded by its own timeout and by the whole operation's
 * deadline, the answer read into memory up to a bound and parsed as
 * JSON when it is JSON.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "common/clock.h"

struct body {
	char	*buf;
	size_t	 len;
	int	 toolong;
};

static size_t
body_add(char *data, size_t size, size_t n, void *arg)
{
	struct body	*b = arg;
	size_t		 len = size * n;
	char		*nb;

	if (b->len + len > API_BODY_MAX) {
		b->toolong = 1;
		return 0;	/* curl ends the transfer */
	}
	if ((nb = realloc(b->buf, b->len + len + 1)) == NULL)
		return 0;
	b->buf = nb;
	memcpy(b->buf + b->len, data, len);
	b->len += len;
	b->buf[b->len] = '\0';
	return len;
}

int
http_init(struct http *h, const char *cafile, int insecure, int whole_ms)
{
	memset(h, 0, sizeof(*h));
	h->cafile = cafile;
	h->insecure = insecure;
	h->deadline = mono_ms() + whole_ms;
	if ((h->curl = curl_easy_init()) == NULL) {
		snprintf(h->err, sizeof(h->err), "libcurl did not start");
		return -1;
	}
	return 0;
}

void
http_free(struct http *h)
{
	if (h->curl != NULL)
		curl_easy_cleanup(h->curl);
	h->curl = NULL;
}

void
reply_free(struct reply *r)
{
	if (r->json != NULL)
		json_decref(r->json);
	r->json = NULL;
}

/* The options every request gets: what must hold whatever the URL. */
static int
http_setopts(struct http *h, long connect_ms, long total_ms)
{
	CURL	*c = h->curl;

	curl_easy_reset(c);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
#else
	curl_easy_setopt(c, CURLOPT_PROTOCOLS, (long)CURLPROTO_HTTPS);
#endif
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	/* Not from the environment, and never another host. */
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, total_ms);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->errbuf);
	if (h->insecure) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	} else {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
		/* That CA alone: not the system's store beside it, which a
		 * libcurl built with a CA path would search too. */
		if (h->cafile != NULL &&
		    (curl_easy_setopt(c, CURLOPT_CAINFO, h->cafile) != CURLE_OK ||
		    curl_easy_setopt(c, CURLOPT_CAPATH, NULL) != CURLE_OK))
			return -1;
	}
	return 0;
}

static struct curl_slist *
http_headers(const char *token, const char *ctype)
{
	struct curl_slist	*l = NULL, *n;
	char			*auth = NULL;
	const char		*hdr[3] = { "Accept: application/json", NULL,
				    NULL };
	char			 ct[128];
	size_t			 i;

	if (ctype != NULL) {
		snprintf(ct, sizeof(ct), "Content-Type: %s", ctype);
		hdr[1] = ct;
	}
	if (token != NULL) {
		if (asprintf(&auth, "Authorization: Bearer %s", token) == -1)
			return NULL;
		hdr[ctype != NULL ? 2 : 1] = auth;
	}
	for (i = 0; i < 3 && hdr[i] != NULL; i++) {
		if ((n = curl_slist_append(l, hdr[i])) == NULL) {
			curl_slist_free_all(l);
			l = NULL;
			break;
		}
		l = n;
	}
	if (auth != NULL) {
		explicit_bzero(auth, strlen(auth));
		free(auth);
	}
	return l;
}

/* The time a request may take: its own bound, or what is left. */
static long
http_left(struct http *h, long bound)
{
	long long	left = h->deadline - mono_ms();

	return left < bound ? (long)left : bound;
}

/*
 * method url: body (NULL for none) of type ctype, with the bearer token
 * when not NULL.  0 with the status and any JSON in *r, whatever the
 * status; -1 with h->err when there is no answer.
 */
int
http_call(struct http *h, const char *method, const char *url,
    const char *token, const char *ctype, const char *body, struct reply *r)
{
	struct curl_slist	*hdrs;
	struct body		 b = { NULL, 0, 0 };
	long			 total = http_left(h, API_REQUEST_MS);
	CURLcode		 rc;

	memset(r, 0, sizeof(*r));
	if (total <= 0) {
		snprintf(h->err, sizeof(h->err), "no answer in time");
		return -1;
	}
	h->errbuf[0] = '\0';
	if (http_setopts(h, total < API_CONNECT_MS ? total : API_CONNECT_MS,
	    total) == -1) {
		snprintf(h->err, sizeof(h->err), "%s: cannot be used",
		    h->cafile);
		return -1;
	}
	if ((hdrs = http_headers(token, ctype)) == NULL) {
		snprintf(h->err, sizeof(h->err), "out of memory");
		return -1;
	}
	curl_easy_setopt(h->curl, CURLOPT_URL, url);
	curl_easy_setopt(h->curl, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, hdrs);
	if (body != NULL)
		curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, body_add);
	curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, &b);
	rc = curl_easy_perform(h->curl);
	curl_slist_free_all(hdrs);
	if (rc != CURLE_OK) {
		snprintf(h->err, sizeof(h->err), "%s", b.toolong ?
		    "the answer is too long" : h->errbuf[0] != '\0' ?
		    h->errbuf : curl_easy_strerror(rc));
		free(b.buf);
		return -1;
	}
	curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &r->status);
	if (b.buf != NULL)
		r->json = json_loadb(b.buf, b.len, 0, NULL);
	free(b.buf);
	return 0;
}

/* application/x-www-form-urlencoded: RFC 3986 unreserved stay, the rest
 * is %XX.  Ours, not curl_easy_escape(), so that the copy of a password
 * is one the caller wipes. */
char *
form_escape(const char *s)
{
	static const char	 hex[] = "0123456789ABCDEF";
	size_t			 len = strlen(s), i, o = 0;
	unsigned char		 c;
	char			*out;

	if ((out = malloc(3 * len + 1)) == NULL)
		return NULL;
	for (i = 0; i < len; i++) {
		c = s[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-._~", c) != NULL) {
			out[o++] = c;
			continue;
		}
		out[o++] = '%';
		out[o++] = hex[c >> 4];
		out[o++] = hex[c & 15];
	}
	out[o] = '\0';
	return out;
}
