/* SPDX-License-Identifier: ISC */
/*
 * A stand-in for virt-v2v in the tests: it replays a captured log to
 * stdout line by line (\r and \n both end a line, and stay as they were),
 * copies a captured machine-readable log to the --machine-readable=file:
 * path, and exits with a chosen status.  Its own options come first and
 * end at "--"; what follows is the argv the wrapper gave virt-v2v.
 *
 *   --replay FILE       bytes to write to stdout
 *   --mr FILE           lines to write to the machine-readable file
 *   --delay-us N        pause after each line
 *   --slow-at TEXT      after each line containing TEXT (progress frames),
 *   --slow-us N         pause this long instead: a copy to watch
 *   --frame-ms N        pause before each nbdcopy frame ("42% [")
 *   --stamps FILE       at the end, "PCT SEC.NSEC" for each frame
 *                       written (CLOCK_REALTIME), for the benchmarks
 *   --hold-at TEXT      after the first line containing TEXT, wait ...
 *   --go FILE           ... until FILE exists (checked every 10 ms)
 *   --rc N              exit status
 *   --kill SIG          end by this signal instead
 *   --argv-out FILE     write argv and environ there, one a line
 *   --caps FILE         what "virt-v2v --machine-readable" prints
 *                       (default: a 2.2 list with mac-option)
 *   --caps-rc N         the probe's exit status
 *
 * Like virt-v2v, SIGTERM and SIGINT make it exit 1 after a message.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

extern char	**environ;

struct opts {
	const char	*replay, *mr, *hold, *go, *argv_out, *caps, *slow, *stamps;
	long		 delay_us, slow_us, frame_ms;
	int		 rc, sig, caps_rc;
};

static void
on_signal(int sig)
{
	char	msg[64];
	int	n;

	n = snprintf(msg, sizeof(msg), "virt-v2v: Exiting on signal SIG%s\n",
	    sig == SIGTERM ? "TERM" : "INT");
	if (write(STDOUT_FILENO, msg, n) < 0)
		_exit(2);
	_exit(1);
}

static char *
slurp(const char *path, size_t *len)
{
	FILE	*f;
	char	*buf;
	long	 n;

	if ((f = fopen(path, "rb")) == NULL) {
		perror(path);
		exit(3);
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	if ((buf = malloc(n + 1)) == NULL || fread(buf, 1, n, f) != (size_t)n)
		exit(3);
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

static void
wait_go(const char *go)
{
	struct timespec	ts = { 0, 10 * 1000 * 1000 };

	while (go != NULL && access(go, F_OK) == -1)
		nanosleep(&ts, NULL);
}

/* An nbdcopy frame's percentage, or -1. */
static int
frame_pct(const char *s, size_t n)
{
	const char	*at = memmem(s, n, "% [", 3), *d;

	if (at == NULL)
		return -1;
	for (d = at; d > s && d[-1] >= '0' && d[-1] <= '9'; d--)
		;
	return d == at ? -1 : atoi(d);
}

/* Taken before the write: a reader may see it before write() returns. */
static void
stamp(const struct opts *o, FILE **f, int pct, const struct timespec *ts)
{
	if (o->stamps == NULL)
		return;
	if (*f == NULL && (*f = fopen(o->stamps, "w")) == NULL)
		exit(3);
	fprintf(*f, "%d %lld.%09ld\n", pct, (long long)ts->tv_sec,
	    ts->tv_nsec);
}

static void
replay(const struct opts *o)
{
	struct timespec	 gap = { o->frame_ms / 1000,
			    (o->frame_ms % 1000) * 1000000 };
	struct timespec	 at;
	FILE		*stamps = NULL;
	char		*buf, *s, *end;
	size_t		 len, n;
	int		 held = 0, pct;

	if (o->replay == NULL)
		return;
	buf = slurp(o->replay, &len);
	for (s = buf; s < buf + len; s = end) {
		for (end = s; end < buf + len && *end != '\n' && *end != '\r';
		    end++)
			;
		if (end < buf + len)
			end++;
		n = end - s;
		if ((pct = frame_pct(s, n)) >= 0 && o->frame_ms > 0)
			nanosleep(&gap, NULL);
		clock_gettime(CLOCK_REALTIME, &at);
		if (write(STDOUT_FILENO, s, n) != (ssize_t)n)
			exit(3);
		if (pct >= 0)
			stamp(o, &stamps, pct, &at);
		if (!held && o->hold != NULL && memmem(s, n, o->hold,
		    strlen(o->hold)) != NULL) {
			held = 1;
			wait_go(o->go);
		}
		if (o->slow != NULL && memmem(s, n, o->slow,
		    strlen(o->slow)) != NULL)
			usleep(o->slow_us);
		else if (o->delay_us > 0)
			usleep(o->delay_us);
	}
	/* Buffered until now: the file's I/O is not in what is timed. */
	if (stamps != NULL && fclose(stamps) == EOF)
		exit(3);
	free(buf);
}

static void
write_mr(const struct opts *o, int argc, char *argv[])
{
	const char	*prefix = "--machine-readable=file:";
	char		*buf;
	size_t		 len;
	int		 i, fd;

	if (o->mr == NULL)
		return;
	for (i = 0; i < argc; i++)
		if (strncmp(argv[i], prefix, strlen(prefix)) == 0)
			break;
	if (i == argc)
		return;
	buf = slurp(o->mr, &len);
	fd = open(argv[i] + strlen(prefix), O_WRONLY | O_APPEND);
	if (fd == -1 || write(fd, buf, len) != (ssize_t)len)
		exit(3);
	close(fd);
	free(buf);
}

static void
write_argv(const struct opts *o, int argc, char *argv[])
{
	FILE	*f;
	char	**e;
	int	 i;

	if (o->argv_out == NULL)
		return;
	if ((f = fopen(o->argv_out, "w")) == NULL)
		exit(3);
	for (i = 0; i < argc; i++)
		fprintf(f, "argv %s\n", argv[i]);
	for (e = environ; *e != NULL; e++)
		fprintf(f, "env %s\n", *e);
	fclose(f);
}

int
main(int argc, char *argv[])
{
	struct opts	o = { .rc = 0 };
	char		*caps;
	size_t		 len;
	int		 i;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i += 2) {
		if (i + 1 >= argc)
			exit(3);
		if (!strcmp(argv[i], "--replay")) o.replay = argv[i + 1];
		else if (!strcmp(argv[i], "--mr")) o.mr = argv[i + 1];
		else if (!strcmp(argv[i], "--hold-at")) o.hold = argv[i + 1];
		else if (!strcmp(argv[i], "--go")) o.go = argv[i + 1];
		else if (!strcmp(argv[i], "--argv-out")) o.argv_out = argv[i + 1];
		else if (!strcmp(argv[i], "--caps")) o.caps = argv[i + 1];
		else if (!strcmp(argv[i], "--delay-us")) o.delay_us = atol(argv[i + 1]);
		else if (!strcmp(argv[i], "--slow-at")) o.slow = argv[i + 1];
		else if (!strcmp(argv[i], "--slow-us")) o.slow_us = atol(argv[i + 1]);
		else if (!strcmp(argv[i], "--frame-ms")) o.frame_ms = atol(argv[i + 1]);
		else if (!strcmp(argv[i], "--stamps")) o.stamps = argv[i + 1];
		else if (!strcmp(argv[i], "--rc")) o.rc = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--caps-rc")) o.caps_rc = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--kill")) o.sig = atoi(argv[i + 1]);
		else exit(3);
	}
	if (i < argc)
		i++;
	argc -= i;
	argv += i;
	/* The capability probe: real virt-v2v 2.2's list unless given. */
	if (argc == 1 && strcmp(argv[0], "--machine-readable") == 0) {
		if (o.caps == NULL) {
			fputs("virt-v2v\nvirt-v2v-2.0\nvddk\nio/oo\n"
			    "mac-option\nbandwidth-option\nmac-ip-option\n"
			    "input:vmx\noutput:rhv\noutput:rhv-upload\n", stdout);
			return o.caps_rc;
		}
		caps = slurp(o.caps, &len);
		fwrite(caps, 1, len, stdout);
		free(caps);
		return o.caps_rc;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	write_argv(&o, argc, argv);
	write_mr(&o, argc, argv);
	replay(&o);
	if (o.sig != 0) {
		signal(o.sig, SIG_DFL);
		raise(o.sig);
	}
	return o.rc;
}
