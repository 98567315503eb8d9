/* SPDX-License-Identifier: ISC */
/*
 * throttlestorm FILE RATE SECONDS: rewrite the throttling file FILE RATE
 * times a second for SECONDS, as a careless or hostile caller could.
 * Each write is a cpu limit from 1% to 100% (write i asks for i % 100 + 1);
 * even writes go in place (open with O_TRUNC, write, close: a reader can
 * see it half-written), odd ones through a temporary file and rename(2).
 * The pace is kept with absolute deadlines, so a slow write does not
 * lower the rate.
 * stdout: "writes N in MS ms".  Exit 1 on any failed write or rename.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int
put(const char *path, const char *buf, size_t len, int flags)
{
	int	fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | flags,
	    0644)) == -1)
		return -1;
	if (write(fd, buf, len) != (ssize_t)len) {
		close(fd);
		return -1;
	}
	return close(fd);
}

int
main(int argc, char *argv[])
{
	struct timespec	 t0, next, end;
	char		 tmp[4096], buf[64];
	long		 rate, secs, i, n;
	long long	 step;
	int		 len;

	if (argc != 4 || (rate = atol(argv[2])) < 1 || rate > 100000 ||
	    (secs = atol(argv[3])) < 1) {
		fprintf(stderr, "usage: throttlestorm file rate seconds\n");
		return 2;
	}
	snprintf(tmp, sizeof(tmp), "%s.storm-tmp", argv[1]);
	step = 1000000000LL / rate;
	n = rate * secs;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	next = t0;
	for (i = 0; i < n; i++) {
		len = snprintf(buf, sizeof(buf), "{\"cpu\": \"%ld%%\"}",
		    i % 100 + 1);
		if (i % 2 == 0) {
			if (put(argv[1], buf, len, O_TRUNC) == -1) {
				perror(argv[1]);
				return 1;
			}
		} else if (put(tmp, buf, len, O_TRUNC | O_EXCL) == -1 ||
		    rename(tmp, argv[1]) == -1) {
			perror(tmp);
			return 1;
		}
		next.tv_nsec += step;
		while (next.tv_nsec >= 1000000000L) {
			next.tv_nsec -= 1000000000L;
			next.tv_sec++;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
	}
	clock_gettime(CLOCK_MONOTONIC, &end);
	printf("writes %ld in %lld ms\n", n,
	    (long long)(end.tv_sec - t0.tv_sec) * 1000 +
	    (end.tv_nsec - t0.tv_nsec) / 1000000);
	return 0;
}
