/* SPDX-License-Identifier: ISC */
/*
 * The storage domain named rhv_storage, found the way the earlier
 * wrapper found it (the search name="X", exactly one match), and its
 * storage type, from which the wrapper chooses the allocation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/api.h"
#include "common/log.h"

/* The one domain called name, in *sd (a new reference). */
int
storage_find(struct engine *e, struct http *h, const char *name, json_t **sd)
{
	struct reply	 r;
	json_t		*list;
	char		*q, *esc, path[8192];
	size_t		 n;
	int		 rv = -1;

	*sd = NULL;
	if (asprintf(&q, "name=\"%s\"", name) == -1)
		fatal("asprintf");
	if ((esc = form_escape(q)) == NULL)
		fatal("form_escape");
	free(q);
	if ((size_t)snprintf(path, sizeof(path), "storagedomains?search=%s",
	    esc) >= sizeof(path)) {
		free(esc);
		snprintf(h->err, sizeof(h->err), "rhv_storage is too long");
		return -1;
	}
	free(esc);
	if (engine_get(e, h, path, &r) == -1)
		return -1;
	if (r.status != 200 || r.json == NULL) {
		snprintf(h->err, sizeof(h->err), "listing storage domains: %s",
		    api_fault(&r));
		goto done;
	}
	/* An empty list is {}: the engine leaves the key out. */
	list = json_object_get(r.json, "storage_domain");
	n = json_is_array(list) ? json_array_size(list) : 0;
	if (n != 1) {
		snprintf(h->err, sizeof(h->err), "Found %zu domains matching "
		    "\"%s\"!", n, name);
		goto done;
	}
	*sd = json_incref(json_array_get(list, 0));
	rv = 0;
done:
	reply_free(&r);
	return rv;
}

static const char *
storage_type(json_t *sd)
{
	return json_string_value(json_object_get(json_object_get(sd,
	    "storage"), "type"));
}

static int
lookup(struct engine *e, struct http *h, const char *name, char *type,
    size_t len)
{
	json_t		*sd;
	const char	*t;
	int		 rv = -1;

	if (storage_find(e, h, name, &sd) == -1)
		return -1;
	if ((t = storage_type(sd)) == NULL || *t == '\0' ||
	    strspn(t, "abcdefghijklmnopqrstuvwxyz_") != strlen(t))
		snprintf(h->err, sizeof(h->err), "storage domain \"%s\": no "
		    "storage type the wrapper knows", name);
	else {
		strlcpy(type, t, len);
		rv = 0;
	}
	json_decref(sd);
	return rv;
}

/* The password on stdin.  Prints the storage type, or one line why not. */
int
lookup_main(const struct apiopts *o)
{
	struct engine	 e;
	struct http	 h;
	char		*password, type[64], err[512];
	int		 rv = 1;

	if ((password = secret_read_fd(STDIN_FILENO)) == NULL)
		fatalx("lookup: no password on standard input");
	if (engine_parse(&e, o->url, err, sizeof(err)) == -1) {
		secret_free(password);
		printf("%s\n", err);
		return 1;
	}
	if (http_init(&h, o->cafile, o->insecure, API_LOOKUP_MS) == -1)
		fatalx("%s", h.err);
	if (engine_login(&e, &h, password) == 0 &&
	    lookup(&e, &h, o->storage, type, sizeof(type)) == 0) {
		printf("%s\n", type);
		rv = 0;
	} else
		printf("%s\n", h.err);
	secret_free(password);
	engine_logout(&e, &h);
	http_free(&h);
	return rv;
}
