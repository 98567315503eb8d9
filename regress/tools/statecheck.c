/* SPDX-License-Identifier: ISC */
/*
 * statecheck STATE SECONDS READYFILE: read the state file over and over
 * while a run goes on (at every event in its directory, and at least
 * every millisecond), and check each version a caller could have read:
 * it exists, it is valid UTF-8 (no overlong forms, no surrogates, nothing
 * above U+10FFFF), it is one JSON object without duplicate keys, and it
 * has no trailing newline.  Stops at the first version with "finished".
 * READYFILE is made once the watch is in place.
 *
 * stdout: "reads N versions N invalid N missing N", then the first
 * invalid version's fault, if any.  Exit 0 when every read was valid
 * and "finished" was seen, 1 otherwise, 2 on a usage or system error.
 */
#include <sys/inotify.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "common/clock.h"

#define MAXSTATE	(1024 * 1024)

struct tally {
	long	reads, versions, invalid, missing;
	int	finished;
	char	fault[256];
};

/* Strict UTF-8 (RFC 3629); returns the offset of the first bad byte or -1. */
static long
utf8_bad(const unsigned char *s, size_t len)
{
	size_t		i = 0, n, k;
	unsigned long	cp;

	while (i < len) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if (s[i] >= 0xc2 && s[i] <= 0xdf)
			n = 1, cp = s[i] & 0x1f;
		else if (s[i] >= 0xe0 && s[i] <= 0xef)
			n = 2, cp = s[i] & 0x0f;
		else if (s[i] >= 0xf0 && s[i] <= 0xf4)
			n = 3, cp = s[i] & 0x07;
		else
			return i;
		for (k = 1; k <= n; k++) {
			if (i + k >= len || (s[i + k] & 0xc0) != 0x80)
				return i;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return i;
		i += n + 1;
	}
	return -1;
}

/* Count an invalid version; the first one's fault is kept to print. */
static void
fault(struct tally *t, const char *what, long at)
{
	t->invalid++;
	if (t->fault[0] == '\0')
		snprintf(t->fault, sizeof(t->fault), "%s (byte %ld)", what, at);
}

static void
check(const char *path, struct tally *t, char *last, size_t *lastlen)
{
	static char	 buf[MAXSTATE + 1];
	json_error_t	 err;
	json_t		*o;
	ssize_t		 n;
	size_t		 len = 0;
	long		 bad;
	int		 fd;

	t->reads++;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		t->missing++;
		return;
	}
	while (len < sizeof(buf) - 1 &&
	    (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += n;
	close(fd);
	if (len == *lastlen && memcmp(buf, last, len) == 0)
		return;
	memcpy(last, buf, len);
	*lastlen = len;
	t->versions++;
	if ((bad = utf8_bad((unsigned char *)buf, len)) != -1) {
		fault(t, "invalid UTF-8", bad);
		return;
	}
	if (len > 0 && buf[len - 1] == '\n') {
		fault(t, "a trailing newline", (long)len - 1);
		return;
	}
	o = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &err);
	if (o == NULL || !json_is_object(o)) {
		fault(t, o == NULL ? err.text : "not an object",
		    o == NULL ? (long)err.position : 0);
		json_decref(o);
		return;
	}
	if (json_object_get(o, "finished") != NULL)
		t->finished = 1;
	json_decref(o);
}

int
main(int argc, char *argv[])
{
	static char	 last[MAXSTATE + 1];
	char		 dir[4096], ev[4096];
	struct tally	 t;
	struct pollfd	 pfd;
	long long	 deadline;
	size_t		 lastlen = (size_t)-1;
	int		 fd;

	if (argc != 4) {
		fprintf(stderr, "usage: statecheck state seconds readyfile\n");
		return 2;
	}
	memset(&t, 0, sizeof(t));
	snprintf(dir, sizeof(dir), "%s", argv[1]);
	if ((fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1 ||
	    inotify_add_watch(fd, dirname(dir), IN_MOVED_TO | IN_CLOSE_WRITE |
	    IN_CREATE | IN_DELETE) == -1) {
		perror("inotify");
		return 2;
	}
	if ((pfd.fd = open(argv[3], O_WRONLY | O_CREAT | O_CLOEXEC, 0644)) == -1) {
		perror(argv[3]);
		return 2;
	}
	close(pfd.fd);
	pfd.fd = fd;
	pfd.events = POLLIN;
	deadline = mono_ms() + atol(argv[2]) * 1000;
	while (!t.finished && mono_ms() < deadline) {
		if (poll(&pfd, 1, 1) == -1 && errno != EINTR) {
			perror("poll");
			return 2;
		}
		while (read(fd, ev, sizeof(ev)) > 0)
			;
		check(argv[1], &t, last, &lastlen);
	}
	printf("reads %ld versions %ld invalid %ld missing %ld\n", t.reads,
	    t.versions, t.invalid, t.missing);
	if (t.fault[0] != '\0')
		printf("first fault: %s\n", t.fault);
	if (!t.finished)
		printf("never finished\n");
	return t.invalid == 0 && t.missing == 0 && t.finished ? 0 : 1;
}
