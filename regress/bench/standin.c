/* SPDX-License-Identifier: ISC */
/*
 * The virt-v2v the wrapper runs in the end-to-end benchmarks (exec'd
 * from a script, like regress/fake; what follows "--" is the wrapper's
 * argv for virt-v2v and is ignored).  stdout is the wrapper's v2v log.
 *
 *   standin frames SIDEDIR N INTERVAL_MS -- ...
 *	"Copying disk 1/1", then, once SIDEDIR/go exists, N nbdcopy
 *	frames INTERVAL_MS apart with distinct rising percentages; the
 *	CLOCK_REALTIME of each write goes to SIDEDIR/writes as
 *	"PCT SEC.NSEC" lines, written at the end so the file I/O does not
 *	disturb what is timed.
 *   standin cat SIDEDIR FILE -- ...
 *	FILE to stdout in 1 MiB writes once SIDEDIR/go exists.
 *
 * Both then wait for SIDEDIR/done before exiting 0, so the benchmark can
 * read the monitor's /proc entries while the run is still going.  The
 * wrapper's capability probe ("virt-v2v --machine-readable" alone) gets
 * real virt-v2v 2.2's answer at once, as from regress/fake.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_FRAMES	90	/* distinct percentages below 100 */
#define WAIT_S		120	/* for go and done, then give up */
#define CAT_CHUNK	(1024 * 1024)

static void
fail(const char *what)
{
	fprintf(stderr, "standin: %s: %s\n", what, strerror(errno));
	exit(3);
}

static void
write_all(int fd, const char *s, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		if ((n = write(fd, s, len)) == -1) {
			if (errno == EINTR)
				continue;
			fail("write");
		}
		s += n;
		len -= n;
	}
}

/* Poll for a file the benchmark creates; 10 ms is far below what is
 * measured, and only the start and the end wait on it. */
static void
wait_file(const char *dir, const char *name)
{
	struct timespec	ts = { 0, 10 * 1000 * 1000 };
	char		path[PATH_MAX];
	int		i;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    (int)sizeof(path)) {
		fprintf(stderr, "standin: path too long\n");
		exit(3);
	}
	for (i = 0; i < WAIT_S * 100 && access(path, F_OK) == -1; i++)
		nanosleep(&ts, NULL);
}

static void
frame_line(char *buf, size_t bufsz, int pct)
{
	char	bar[41];
	int	i, stars = (pct * 40 + 50) / 100;

	for (i = 0; i < 40; i++)
		bar[i] = i < stars ? '*' : '-';
	bar[40] = '\0';
	snprintf(buf, bufsz, "\xe2\x96\x90%4d%% [%s]\r", pct, bar);
}

static void
frames(const char *dir, int n, long ms)
{
	struct timespec	 gap = { ms / 1000, (ms % 1000) * 1000000 };
	struct timespec	 at[MAX_FRAMES];
	char		 line[128], path[PATH_MAX];
	FILE		*f;
	int		 k, pct[MAX_FRAMES];
	const char	*noise = "nbdkit: vddk[1]: debug: pread count=2097152 "
	    "offset=0\n";

	write_all(STDOUT_FILENO, "[   1.0] Copying disk 1/1\n", 26);
	wait_file(dir, "go");
	for (k = 0; k < n; k++) {
		nanosleep(&gap, NULL);
		pct[k] = (k + 1) * MAX_FRAMES / n;
		frame_line(line, sizeof(line), pct[k]);
		clock_gettime(CLOCK_REALTIME, &at[k]);
		write_all(STDOUT_FILENO, line, strlen(line));
		/* As in -v -x logs: debug text follows on the same line. */
		write_all(STDOUT_FILENO, noise, strlen(noise));
	}
	snprintf(path, sizeof(path), "%s/writes", dir);
	if ((f = fopen(path, "w")) == NULL)
		fail(path);
	for (k = 0; k < n; k++)
		fprintf(f, "%d %lld.%09ld\n", pct[k], (long long)at[k].tv_sec,
		    at[k].tv_nsec);
	if (fclose(f) == EOF)
		fail(path);
}

static void
cat(const char *dir, const char *file)
{
	static char	buf[CAT_CHUNK];
	ssize_t		n;
	int		fd;

	if ((fd = open(file, O_RDONLY)) == -1)
		fail(file);
	wait_file(dir, "go");
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			fail(file);
		}
		write_all(STDOUT_FILENO, buf, n);
	}
	close(fd);
}

/* Only the "--machine-readable" of the probe follows the "--". */
static int
is_probe(int argc, char *argv[])
{
	int	i;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		;
	return i + 2 == argc && strcmp(argv[i + 1], "--machine-readable") == 0;
}

int
main(int argc, char *argv[])
{
	int	n;

	if (is_probe(argc, argv)) {
		fputs("virt-v2v\nvirt-v2v-2.0\nvddk\nio/oo\nmac-option\n"
		    "bandwidth-option\nmac-ip-option\ninput:vmx\noutput:rhv\n"
		    "output:rhv-upload\n", stdout);
		return 0;
	}
	if (argc >= 6 && strcmp(argv[1], "frames") == 0) {
		n = atoi(argv[3]);
		if (n < 1 || n > MAX_FRAMES) {
			fprintf(stderr, "standin: 1..%d frames\n", MAX_FRAMES);
			return 3;
		}
		frames(argv[2], n, atol(argv[4]));
	} else if (argc >= 5 && strcmp(argv[1], "cat") == 0)
		cat(argv[2], argv[3]);
	else {
		fprintf(stderr, "usage: standin frames dir n ms -- ...\n"
		    "       standin cat dir file -- ...\n");
		return 3;
	}
	wait_file(argv[2], "done");
	return 0;
}
