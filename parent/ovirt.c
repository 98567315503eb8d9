/* SPDX-License-Identifier: ISC */
/*
 * What an rhv-upload run asks of the oVirt API, through the client
 * program (api/): the allocation from the storage domain's type, when
 * the input has none, during validation; and the client that removes
 * what a failed upload left, started with the run.  Both run as the
 * conversion user, a fresh exec with an environment of ours; the
 * password goes through a pipe (lookup) or stays in the run's secret
 * file (cleanup), never in argv or the environment.
 */
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/config.h"
#include "common/log.h"
#include "common/wrapper.h"
#include "parent/parent.h"

#define LOOKUP_TIMEOUT_MS	30000
#define API_ARGV_MAX		(16 + 2 * CONF_DISKS_MAX)

/* Block storage takes preallocated disks only; the earlier wrapper's
 * list, file storage types included. */
static const char *const prealloc_types[] = {
	"cinder", "fcp", "glusterfs", "iscsi", "posixfs",
};

static int
wants_api(const struct conf *cf)
{
	return cf->output == OUTPUT_RHV_UPLOAD;
}

/* A root program runs it: root's, not writable by anyone else. */
static int
api_check(const struct run *r, char *err, size_t errlen)
{
	struct stat	sb;

	if (stat(r->env.api, &sb) == -1 || !S_ISREG(sb.st_mode) ||
	    access(r->env.api, X_OK) == -1) {
		snprintf(err, errlen, "%s: the oVirt API client is missing "
		    "or not executable", r->env.api);
		return -1;
	}
	if (r->pc.root && (sb.st_uid != 0 || sb.st_mode & (S_IWGRP |
	    S_IWOTH))) {
		snprintf(err, errlen, "%s: must be owned by root and writable "
		    "by nobody else", r->env.api);
		return -1;
	}
	return 0;
}

/* The client's environment: nothing of the caller's (no proxy either). */
static void
api_env(char **envp)
{
	static char	lc[] = "LC_ALL=C";

	envp[0] = lc;
	sanitizer_env(envp + 1);
}

/* execve() takes char *const []; nothing writes through these. */
static void
put(char **argv, int *n, const char *s)
{
	argv[(*n)++] = (char *)(uintptr_t)s;
}

static void
api_common(const struct conf *cf, const struct run *r, const char *mode,
    char **argv, int *n)
{
	put(argv, n, r->env.api);
	put(argv, n, mode);
	put(argv, n, "--url");
	put(argv, n, cf->rhv_url);
	put(argv, n, "--storage");
	put(argv, n, cf->rhv_storage);
	if (cf->insecure)
		put(argv, n, "--insecure");
	else {
		put(argv, n, "--cafile");
		put(argv, n, cf->rhv_cafile);
	}
}

static const char *
allocation_of(const char *type)
{
	size_t	i;

	for (i = 0; i < sizeof(prealloc_types) / sizeof(prealloc_types[0]);
	    i++)
		if (strcmp(type, prealloc_types[i]) == 0)
			return "preallocated";
	return "sparse";
}

static int
lookup(const struct conf *cf, struct run *r, char *err, size_t errlen)
{
	char		*argv[API_ARGV_MAX] = { NULL };
	char		*envp[4] = { NULL }, out[512];
	int		 n = 0, status;

	api_common(cf, r, "lookup", argv, &n);
	api_env(envp);
	status = run_capture_input(&r->conv, argv, envp,
	    cf->rhv_password, LOOKUP_TIMEOUT_MS, out, sizeof(out), err,
	    errlen);
	if (status == -1)
		return -1;
	out[strcspn(out, "\n")] = '\0';
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(err, errlen, "rhv_storage \"%s\": %s", cf->rhv_storage,
		    out[0] != '\0' ? out : "the oVirt API client failed");
		return -1;
	}
	strlcpy(r->storage_type, out, sizeof(r->storage_type));
	r->allocation = allocation_of(r->storage_type);
	return 0;
}

/* Version 4, random: rhv-upload creates each disk under its id. */
static void
uuid_make(char *out, size_t len)
{
	unsigned char	b[16];

	if (getrandom(b, sizeof(b), 0) != sizeof(b))
		fatal("getrandom");
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	snprintf(out, len, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5],
	    b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

/*
 * During validation, before anything exists: the client is there, the
 * allocation is known (looked up when not given), and each source disk
 * has its id, so that a failed run's disks are known without its log.
 */
int
ovirt_prepare(const struct conf *cf, struct run *r, char *err,
    size_t errlen)
{
	size_t	i;

	if (!wants_api(cf))
		return 0;
	if (api_check(r, err, errlen) == -1)
		return -1;
	if (cf->allocation == NULL && lookup(cf, r, err, errlen) == -1)
		return -1;
	if (cf->nsource_disks == 0)
		return 0;
	if ((r->disk_ids = calloc(cf->nsource_disks,
	    sizeof(*r->disk_ids))) == NULL)
		fatal("calloc");
	for (i = 0; i < cf->nsource_disks; i++)
		uuid_make(r->disk_ids[i], sizeof(r->disk_ids[i]));
	r->ndisk_ids = cf->nsource_disks;
	return 0;
}

/* For the wrapper log, once it is open. */
void
ovirt_log(const struct conf *cf, const struct run *r)
{
	if (r->storage_type[0] != '\0')
		log_info("storage domain %s has storage type %s: allocation "
		    "%s", cf->rhv_storage, r->storage_type, r->allocation);
}

/*
 * The cleanup client, waiting on a pipe that priv writes to when the
 * run is over (api/cleanup.c).  Its output goes to the wrapper log.
 */
int
ovirt_cleaner_start(const struct conf *cf, struct run *r, char *err,
    size_t errlen)
{
	char		*argv[API_ARGV_MAX] = { NULL };
	char		*envp[4] = { NULL }, pwfile[PATH_MAX];
	int		 n = 0, p[2];
	size_t		 i;

	if (!wants_api(cf))
		return 0;
	if ((size_t)snprintf(pwfile, sizeof(pwfile), "%s/%s", r->secretdir,
	    SECRET_RHV) >= sizeof(pwfile)) {
		snprintf(err, errlen, "the secrets directory's name is too "
		    "long");
		return -1;
	}
	api_common(cf, r, "cleanup", argv, &n);
	put(argv, &n, "--password-file");
	put(argv, &n, pwfile);
	for (i = 0; i < r->ndisk_ids; i++) {
		put(argv, &n, "--disk");
		put(argv, &n, r->disk_ids[i]);
	}
	api_env(envp);
	if (pipe2(p, O_CLOEXEC) == -1) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	r->pc.cleaner_pid = run_start(&r->conv, argv, envp,
	    p[0], r->logfd);
	close(p[0]);
	if (r->pc.cleaner_pid == -1) {
		snprintf(err, errlen, "starting the oVirt API client: %s",
		    strerror(errno));
		close(p[1]);
		return -1;
	}
	r->pc.cleanerfd = p[1];
	log_info("oVirt API client for the cleanup, pid %ld",
	    (long)r->pc.cleaner_pid);
	return 0;
}
