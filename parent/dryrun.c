/* SPDX-License-Identifier: ISC */
/*
 * -n: validate, then print the virt-v2v command line and environment
 * that would run, as JSON, and create nothing.  Secrets appear as the
 * paths their files would have, never as values.
 */
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "common/config.h"
#include "common/log.h"
#include "parent/parent.h"

static json_t *
strings(char **v)
{
	json_t	*a = json_array();

	for (; *v != NULL; v++)
		json_array_append_new(a, json_string(*v));
	return a;
}

void
dry_run(const struct conf *cf, struct run *r)
{
	json_t	*o;
	char	*s;

	if (setup_paths(r) == -1)
		fatalx("the log or run directory path is too long");
	if (cf->transport == TRANSPORT_SSH)
		agent_paths(r);
	argv_build(cf, r);
	o = json_object();
	json_object_set_new(o, "argv", strings(r->argv));
	json_object_set_new(o, "env", strings(r->envp));
	json_object_set_new(o, "uid", json_integer(r->conv_uid));
	json_object_set_new(o, "gid", json_integer(r->conv_gid));
	if ((s = json_dumps(o, JSON_PRESERVE_ORDER | JSON_INDENT(2))) == NULL)
		fatalx("json_dumps");
	printf("%s\n", s);
	free(s);
	json_decref(o);
	argv_free(r);
}
