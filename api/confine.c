/* SPDX-License-Identifier: ISC */
/*
 * The API client parses what an engine or a Kubernetes API server sends
 * over TLS, as the conversion user, whose files include the ssh key that
 * ManageIQ's role puts in /var/lib/vdsm/.ssh.  Taken over, it could read
 * them, write where that user writes, or connect anywhere.  So before its
 * first request it gives up all but: reading beneath /usr and /etc (the
 * libraries the resolver loads, its configuration, OpenSSL's), reading its
 * own files (the CA, the password file, the directories of the state file
 * and of virt-v2v's metadata), and TCP to its URL's port.  It writes no
 * file: its answer and its log go to descriptors it was given.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/api.h"
#include "common/landlock.h"
#include "common/log.h"

#define RULES_MAX	8

/* The TCP port of an https URL: after any userinfo, 443 by default. */
int
url_port(const char *url)
{
	const char	*host, *end, *at, *colon;
	char		*ep;
	long		 port;

	if (strncmp(url, "https://", 8) != 0)
		return -1;
	host = url + 8;
	end = host + strcspn(host, "/?#");
	/* userinfo is everything before the last '@' (engine.c) */
	for (at = host; (at = memchr(at, '@', end - at)) != NULL; host = ++at)
		;
	if (*host == '[') {
		if ((host = memchr(host, ']', end - host)) == NULL)
			return -1;
		host++;
	}
	if ((colon = memchr(host, ':', end - host)) == NULL)
		return 443;
	errno = 0;
	port = strtol(colon + 1, &ep, 10);
	if (ep != end || ep == colon + 1 || errno != 0 || port < 1 ||
	    port > 65535)
		return -1;
	return (int)port;
}

static void
add(struct landlock_rule *r, size_t *n, const char *path, int dironly)
{
	int	fd, flags = O_PATH | O_CLOEXEC;

	/* /lib and /lib64 are links into /usr where /usr is merged */
	if (dironly)
		flags |= O_DIRECTORY | O_NOFOLLOW;
	if (path == NULL || *n == RULES_MAX || (fd = open(path, flags)) == -1)
		return;
	r[*n].fd = fd;
	r[(*n)++].how = LANDLOCK_READ;
}

/* The directory of path, which may not exist yet. */
static void
add_dir_of(struct landlock_rule *r, size_t *n, const char *path)
{
	char	buf[PATH_MAX];

	if (path == NULL || strlcpy(buf, path, sizeof(buf)) >= sizeof(buf))
		return;
	add(r, n, dirname(buf), 0);
}

/*
 * Returns the ABI confined under, 0 where Landlock is unavailable; dies
 * when it fails.  Sanitizer builds keep the file system, as the monitor
 * does: the sanitizers write their reports by path.
 */
int
api_confine(const struct apiopts *o)
{
	struct landlock_rule	r[RULES_MAX];
	size_t			n = 0, i;
	int			abi, port;

	/* Not an https URL with a port: no TCP at all; the mode's own
	 * parse says what is wrong with it. */
	port = url_port(o->url);
	add(r, &n, "/usr", 1);
	add(r, &n, "/etc", 1);
	add(r, &n, "/lib", 1);
	add(r, &n, "/lib64", 1);
	add(r, &n, o->cafile, 0);
	add(r, &n, o->pwfile, 0);
	add_dir_of(r, &n, o->state);
	add_dir_of(r, &n, o->metadata);
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_UNDEFINED__)
	(void)port;
	abi = 0;
#else
	abi = landlock_confine(r, n, port);
#endif
	for (i = 0; i < n; i++)
		close(r[i].fd);
	if (abi == -1)
		fatal("landlock");
	return abi;
}
