/* SPDX-License-Identifier: ISC */
/*
 * The oVirt engine: its address from rhv_url, an SSO token for the API
 * (grant_type=password, scope ovirt-app-api, as the oVirt SDK asks for
 * one), the token's revocation at the end, and the API's own words when
 * it refuses.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "common/clock.h"
#include "common/log.h"

#define DEFAULT_API_USER	"admin@internal"
#define DEFAULT_API_PATH	"/ovirt-engine/api"
#define TOKEN_PATH		"/ovirt-engine/sso/oauth/token"
#define LOGOUT_MS		2000
#define LOGOUT_PATH		"/ovirt-engine/services/sso-logout"

static int
unhex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The user part of the userinfo, %XX decoded; a password there is
 * ignored (the input's rhv_password is the one). */
static int
user_decode(const char *s, size_t len, char *out, size_t outlen)
{
	size_t	i, o = 0;
	int	h, l;

	for (i = 0; i < len && s[i] != ':'; i++) {
		if (o + 1 >= outlen)
			return -1;
		if (s[i] == '%' && i + 2 < len && (h = unhex(s[i + 1])) != -1 &&
		    (l = unhex(s[i + 2])) != -1) {
			out[o++] = h << 4 | l;
			i += 2;
		} else
			out[o++] = s[i];
	}
	out[o] = '\0';
	return o > 0 && strlen(out) == o ? 0 : -1;
}

/*
 * https://[user@]host[:port][/path]: the user is everything before the
 * last @ of the authority, as oVirt's own tools read admin@internal@host.
 */
int
engine_parse(struct engine *e, const char *url, char *err, size_t errlen)
{
	const char	*auth, *path, *at, *p;
	size_t		 alen;

	memset(e, 0, sizeof(*e));
	if (strncasecmp(url, "https://", 8) != 0) {
		snprintf(err, errlen, "rhv_url: the API needs an https URL");
		return -1;
	}
	auth = url + 8;
	path = auth + strcspn(auth, "/?#");
	alen = path - auth;
	for (p = url; *p != '\0'; p++)
		if (!isgraph((unsigned char)*p) || *p == '\\') {
			snprintf(err, errlen, "rhv_url: a character that "
			    "does not belong in a URL");
			return -1;
		}
	if (*path == '?' || *path == '#' || strpbrk(path, "?#") != NULL) {
		snprintf(err, errlen, "rhv_url: a query or fragment");
		return -1;
	}
	at = NULL;
	for (p = auth; p < path; p++)
		if (*p == '@')
			at = p;
	strlcpy(e->user, DEFAULT_API_USER, sizeof(e->user));
	if (at != NULL) {
		if (user_decode(auth, at - auth, e->user,
		    sizeof(e->user)) == -1) {
			snprintf(err, errlen, "rhv_url: the user name");
			return -1;
		}
		alen -= at + 1 - auth;
		auth = at + 1;
	}
	if (alen == 0 || *auth == ':' ||
	    (size_t)snprintf(e->origin, sizeof(e->origin), "https://%.*s",
	    (int)alen, auth) >= sizeof(e->origin) ||
	    (size_t)snprintf(e->api, sizeof(e->api), "%s%s", e->origin,
	    *path == '\0' ? DEFAULT_API_PATH : path) >= sizeof(e->api)) {
		snprintf(err, errlen, "rhv_url: no host, or too long");
		return -1;
	}
	/* .../api/ and .../api name the same thing */
	if ((alen = strlen(e->api)) > 0 && e->api[alen - 1] == '/')
		e->api[alen - 1] = '\0';
	return 0;
}

static const char *
jstr(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/*
 * What the engine said when it refused: SSO's error, or the API's fault
 * reason and detail; one line, whatever the engine put in it.
 */
const char *
api_fault(const struct reply *r)
{
	static char	 buf[512];
	const char	*s, *d;

	s = jstr(r->json, "error_description");
	if (s == NULL)
		s = jstr(r->json, "error");
	if (s != NULL)
		snprintf(buf, sizeof(buf), "%s", s);
	else {
		s = jstr(r->json, "reason");
		d = jstr(r->json, "detail");
		if (s != NULL && d != NULL)
			snprintf(buf, sizeof(buf), "%s: %s", s, d);
		else if (s != NULL || d != NULL)
			snprintf(buf, sizeof(buf), "%s", s != NULL ? s : d);
		else
			snprintf(buf, sizeof(buf), "HTTP status %ld",
			    r->status);
	}
	return oneline(buf);
}

/* A server's words in our log: one line, whatever it put in them. */
char *
oneline(char *s)
{
	char	*c;

	for (c = s; *c != '\0'; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = ' ';
	return s;
}

/* The secret-bearing body: built, sent, wiped. */
static char *
login_body(const char *user, const char *password)
{
	char	*u, *p, *b = NULL;

	u = form_escape(user);
	p = form_escape(password);
	if (u != NULL && p != NULL && asprintf(&b, "grant_type=password&"
	    "scope=ovirt-app-api&username=%s&password=%s", u, p) == -1)
		b = NULL;
	free(u);
	if (p != NULL)
		secret_free(p);
	return b;
}

int
engine_login(struct engine *e, struct http *h, const char *password)
{
	struct reply	 r;
	char		 url[2048], *body;
	const char	*tok;
	int		 rv = -1;

	snprintf(url, sizeof(url), "%s%s", e->origin, TOKEN_PATH);
	if ((body = login_body(e->user, password)) == NULL) {
		snprintf(h->err, sizeof(h->err), "out of memory");
		return -1;
	}
	if (http_call(h, "POST", url, NULL,
	    "application/x-www-form-urlencoded", body, &r) == 0) {
		tok = jstr(r.json, "access_token");
		if (r.status == 200 && tok != NULL && *tok != '\0' &&
		    (e->token = strdup(tok)) != NULL)
			rv = 0;
		else
			snprintf(h->err, sizeof(h->err), "login as %s: %s",
			    e->user, api_fault(&r));
	} else
		snprintf(h->err + strlen(h->err), sizeof(h->err) -
		    strlen(h->err), " (%s)", url);
	secret_free(body);
	reply_free(&r);
	return rv;
}

/* The SDK's way: the token in a form body, never in the URL. */
void
engine_logout(struct engine *e, struct http *h)
{
	struct reply	 r;
	char		 url[2048], *t, *body = NULL;

	if (e->token == NULL)
		return;
	snprintf(url, sizeof(url), "%s%s", e->origin, LOGOUT_PATH);
	if ((t = form_escape(e->token)) != NULL &&
	    asprintf(&body, "scope=&token=%s", t) != -1) {
		/* A little time of its own, even when the work used all. */
		if (h->deadline < mono_ms() + LOGOUT_MS)
			h->deadline = mono_ms() + LOGOUT_MS;
		if (http_call(h, "POST", url, NULL,
		    "application/x-www-form-urlencoded", body, &r) == -1)
			log_warnx("revoking the API token: %s", h->err);
		reply_free(&r);
		secret_free(body);
	}
	if (t != NULL)
		secret_free(t);
	secret_free(e->token);
	e->token = NULL;
}

/* GET api/path with the token. */
int
engine_get(struct engine *e, struct http *h, const char *path,
    struct reply *r)
{
	char	url[4096];

	snprintf(url, sizeof(url), "%s/%s", e->api, path);
	return http_call(h, "GET", url, e->token, NULL, NULL, r);
}
