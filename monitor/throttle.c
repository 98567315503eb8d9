/* SPDX-License-Identifier: ISC */
/*
 * The throttling file, written by the caller into the run directory:
 *   {"cpu": "50%" | "50" | 50 | "unlimited" | null,
 *    "network": "1048576" | 1048576 | "unlimited" | null}
 * It is renamed to a private name before it is read, so a newer file
 * written meanwhile is kept for the next round; it must be a regular
 * file (opened O_NONBLOCK|O_NOFOLLOW: no FIFO or symlink games) of
 * bounded size, and it is removed after reading, as upstream did.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "common/limits.h"
#include "common/wrapper.h"
#include "monitor/monitor.h"

#define THROTTLE_PRIVATE	".throttle.json.reading"
#define THROTTLE_MAX		(64 * 1024)

/*
 * Parse the file's bytes.  Valid keys are set in *l; bad ones are left
 * out and named in warn.  Returns -1 when the whole file is unusable.
 */
int
throttle_parse(const char *buf, size_t len, long ncpu, struct limits *l,
    char *warn, size_t warnlen)
{
	json_error_t	 err;
	json_t		*o;
	char		 w[400];

	memset(l, 0, sizeof(*l));
	warn[0] = w[0] = '\0';
	if ((o = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &err)) == NULL ||
	    !json_is_object(o)) {
		json_decref(o);
		/* An admin looks for an editor's encoding first. */
		snprintf(warn, warnlen, "throttling file: %s", o == NULL &&
		    json_error_code(&err) == json_error_invalid_utf8 ?
		    "not valid UTF-8" : "not a JSON object");
		return -1;
	}
	if (limits_from_json(o, ncpu, l, w, sizeof(w)) == -1)
		snprintf(warn, warnlen, "throttling file: %s", w);
	json_decref(o);
	return 0;
}

/* Read the whole file at fd, at most THROTTLE_MAX bytes; -1 if larger. */
static ssize_t
read_capped(int fd, char *buf)
{
	ssize_t	n, len = 0;

	while (len <= THROTTLE_MAX) {
		n = read(fd, buf + len, THROTTLE_MAX + 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return n == 0 ? len : -1;
		len += n;
	}
	return -1;
}

/*
 * Take the throttling file if there is one.  Returns 0 when there is
 * none, 1 when *l holds what it asked for (warn may still name bad
 * values), -1 when the file was unusable (warn says why).
 */
int
throttle_take(int dirfd, long ncpu, struct limits *l, char *warn,
    size_t warnlen)
{
	static char	buf[THROTTLE_MAX + 1];
	struct stat	sb;
	ssize_t		len = -1;
	int		fd, rv;

	memset(l, 0, sizeof(*l));
	warn[0] = '\0';
	if (renameat(dirfd, THROTTLE_NAME, dirfd, THROTTLE_PRIVATE) == -1)
		return 0;
	fd = openat(dirfd, THROTTLE_PRIVATE, O_RDONLY | O_NONBLOCK |
	    O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1)
		snprintf(warn, warnlen, "throttling file: %s", errno == ELOOP ?
		    "a symbolic link, ignored" : strerror(errno));
	else if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode))
		snprintf(warn, warnlen, "throttling file: not a regular file, "
		    "ignored");
	else if (sb.st_size > THROTTLE_MAX ||
	    (len = read_capped(fd, buf)) == -1)
		snprintf(warn, warnlen, "throttling file: larger than %d bytes, "
		    "ignored", THROTTLE_MAX);
	if (fd != -1)
		close(fd);
	unlinkat(dirfd, THROTTLE_PRIVATE, 0);
	if (len == -1)
		return -1;
	rv = throttle_parse(buf, len, ncpu, l, warn, warnlen);
	return rv == -1 ? -1 : 1;
}
