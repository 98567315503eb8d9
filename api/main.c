/* SPDX-License-Identifier: ISC */
/*
 * virt-v2v-wrapper-api: the wrapper's HTTP client (api/api.h says why
 * it is a program of its own).  Never set-id; it refuses new privileges
 * and core files before it reads a secret.
 */
#include <sys/prctl.h>
#include <sys/resource.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "api/api.h"
#include "common/log.h"
#include "common/wipe.h"

static __attribute__((noreturn)) void
usage(void)
{
	fprintf(stderr, "usage: virt-v2v-wrapper-api lookup | cleanup "
	    "--url URL --storage NAME [--cafile FILE | --insecure]\n"
	    "           [--password-file FILE] [--disk UUID ...]\n"
	    "       virt-v2v-wrapper-api kube --url POD-URL --cafile FILE "
	    "--state FILE --metadata FILE\n"
	    "(run by virt-v2v-wrapper, see virt-v2v-wrapper(8))\n");
	_exit(1);
}

static void
parse_opts(int argc, char *argv[], struct apiopts *o)
{
	int	i;

	memset(o, 0, sizeof(*o));
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--insecure") == 0)
			o->insecure = 1;
		else if (i + 1 == argc)
			usage();
		else if (strcmp(argv[i], "--url") == 0)
			o->url = argv[++i];
		else if (strcmp(argv[i], "--storage") == 0)
			o->storage = argv[++i];
		else if (strcmp(argv[i], "--cafile") == 0)
			o->cafile = argv[++i];
		else if (strcmp(argv[i], "--password-file") == 0)
			o->pwfile = argv[++i];
		else if (strcmp(argv[i], "--disk") == 0 &&
		    o->ndisks < API_DISKS_MAX)
			o->disks[o->ndisks++] = argv[++i];
		else if (strcmp(argv[i], "--state") == 0)
			o->state = argv[++i];
		else if (strcmp(argv[i], "--metadata") == 0)
			o->metadata = argv[++i];
		else
			usage();
	}
	if (o->url == NULL || (o->storage == NULL &&
	    strcmp(argv[1], "kube") != 0))
		usage();
}

int
main(int argc, char *argv[])
{
	struct rlimit	nocore = { 0, 0 };
	struct apiopts	o;
	int		rv, abi, lookup;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
	    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1 ||
	    setrlimit(RLIMIT_CORE, &nocore) == -1)
		fatal("confining");
	wipe_json_allocs();
	log_procinit("api");
	if (argc < 2)
		usage();
	parse_opts(argc, argv, &o);
	lookup = strcmp(argv[1], "lookup") == 0;
	if (!lookup && strcmp(argv[1], "cleanup") != 0 &&
	    strcmp(argv[1], "kube") != 0)
		usage();
	/* lookup: stdout is the answer, one line either way, and the
	 * wrapper reads stderr with it; else stderr is the wrapper log */
	log_init(lookup, 0);
	if (!lookup)
		log_setfd(STDERR_FILENO);
	/* OpenSSL reads its configuration here, before the confinement. */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatalx("libcurl did not start");
	if ((abi = api_confine(&o)) == 0 && !lookup)
		log_warnx("landlock unavailable: the API client reads and "
		    "connects as its user may");
	else if (abi > 0)
		log_debug("landlock ABI %d", abi);
	if (lookup)
		rv = lookup_main(&o);
	else if (strcmp(argv[1], "cleanup") == 0)
		rv = cleanup_main(&o);
	else
		rv = kube_main(&o);
	curl_global_cleanup();
	return rv;
}
