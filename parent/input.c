/* SPDX-License-Identifier: ISC */
/*
 * Read the whole of stdin, bounded in size and time: a caller that never
 * closes its end must get an error, not a wrapper that hangs forever.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/config.h"
#include "parent/parent.h"

#define INPUT_TIMEOUT_MS	30000

char *
input_read(int fd, size_t *lenp, char *err, size_t errlen)
{
	struct pollfd	 pfd = { fd, POLLIN, 0 };
	long long	 deadline = mono_ms() + INPUT_TIMEOUT_MS, left;
	size_t		 len = 0;
	ssize_t		 n;
	char		*buf;

	/* One byte more than the limit tells "too long" from "just fits". */
	if ((buf = malloc(CONF_INPUT_MAX + 1)) == NULL) {
		snprintf(err, errlen, "input: out of memory");
		return NULL;
	}
	for (;;) {
		if ((left = deadline - mono_ms()) <= 0) {
			snprintf(err, errlen, "input: stdin was not closed "
			    "within %d seconds", INPUT_TIMEOUT_MS / 1000);
			goto fail;
		}
		if (poll(&pfd, 1, left) == -1) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "input: poll: %m");
			goto fail;
		}
		n = read(fd, buf + len, CONF_INPUT_MAX + 1 - len);
		if (n == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			snprintf(err, errlen, "input: read: %m");
			goto fail;
		}
		if (n == 0)
			break;
		len += n;
		if (len > CONF_INPUT_MAX) {
			snprintf(err, errlen, "input: more than %d bytes on "
			    "stdin", CONF_INPUT_MAX);
			goto fail;
		}
	}
	*lenp = len;
	return buf;
 fail:
	free(buf);
	return NULL;
}
