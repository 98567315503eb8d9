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
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "common/wrapper.h"
#include "monitor/monitor.h"

#define THROTTLE_PRIVATE	".throttle.json.reading"
#define THROTTLE_MAX		(64 * 1024)
#define NETWORK_MAX		(1LL << 50)	/* 1 PiB/s: far above any NIC */

/* Append one problem to warn; several are joined with "; ". */
static void __attribute__((format(printf, 3, 4)))
addwarn(char *warn, size_t len, const char *fmt, ...)
{
	va_list	ap;
	size_t	n = strlen(warn);

	if (n > 0 && n + 2 < len) {
		strlcat(warn, "; ", len);
		n += 2;
	}
	va_start(ap, fmt);
	vsnprintf(warn + n, len - n, fmt, ap);
	va_end(ap);
}

/* A whole non-negative decimal number, all of s; -1 otherwise. */
static long long
decimal(const char *s, size_t len, long long max)
{
	long long	v = 0;
	size_t		i;

	if (len == 0 || len > 18)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v > max ? -1 : v;
}

/*
 * One value: 0 for unlimited, the number, or -1 when it is not valid.
 * percent allows the "%" suffix (cpu).
 */
static long long
limit_value(json_t *v, int percent, long long max)
{
	const char	*s;
	size_t		 len;
	long long	 n;

	if (json_is_null(v))
		return 0;
	if (json_is_integer(v)) {
		n = json_integer_value(v);
		return n >= 1 && n <= max ? n : -1;
	}
	if (!json_is_string(v))
		return -1;
	s = json_string_value(v);
	len = json_string_length(v);
	if (strcmp(s, "unlimited") == 0)
		return 0;
	if (percent && len > 0 && s[len - 1] == '%')
		len--;
	n = decimal(s, len, max);
	return n >= 1 ? n : -1;
}

/*
 * Parse the file's bytes.  Valid keys are set in *l; bad ones are left
 * out and named in warn.  Returns -1 when the whole file is unusable.
 */
int
throttle_parse(const char *buf, size_t len, long ncpu, struct limits *l,
    char *warn, size_t warnlen)
{
	json_t		*o, *v;
	long long	 n;

	memset(l, 0, sizeof(*l));
	warn[0] = '\0';
	if ((o = json_loadb(buf, len, JSON_REJECT_DUPLICATES, NULL)) == NULL ||
	    !json_is_object(o)) {
		json_decref(o);
		addwarn(warn, warnlen, "throttling file: %s", "not a JSON object");
		return -1;
	}
	if ((v = json_object_get(o, "cpu")) != NULL) {
		if ((n = limit_value(v, 1, 100LL * ncpu)) == -1)
			addwarn(warn, warnlen, "throttling file: %s: expected "
			    "a percentage from 1 to 100 per CPU, or unlimited",
			    "cpu");
		else {
			l->has_cpu = 1;
			l->cpu = n;
		}
	}
	if ((v = json_object_get(o, "network")) != NULL) {
		if ((n = limit_value(v, 0, NETWORK_MAX)) == -1)
			addwarn(warn, warnlen, "throttling file: %s: expected "
			    "bytes per second from 1 up, or unlimited",
			    "network");
		else {
			l->has_net = 1;
			l->net = n;
		}
	}
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
