/* SPDX-License-Identifier: ISC */
/*
 * follow [-k V2VLOG] [-t SECONDS] [-l LINGER_MS] STATE EVENTS
 *
 * Follows one real run the way an engine would, and writes down what it
 * saw, one JSON object a line, in EVENTS:
 *
 *   {"ev":"state","t":MS,"state":{...}}   each new state file (a rename
 *                                          into its directory), as read
 *   {"ev":"pid","t":MS,"pid":N,"exe":P}   virt-v2v's pid, first seen, and
 *                                          /proc/N/exe at that moment
 *   {"ev":"proc","pid":N,"start":S,"comm":C}  a descendant of virt-v2v (or
 *                                          itself), with its start time, so
 *                                          that the caller can later tell
 *                                          whether that very process is left
 *   {"ev":"kill","t":MS,"pid":N}          -k: SIGTERM sent, as soon as
 *                                          V2VLOG showed "Copying disk"
 *   {"ev":"exit","t":MS,"wall":MS,"pid":N}  virt-v2v is gone (pidfd)
 *   {"ev":"end","t":MS,"after_finished":N}  writes seen after finished
 *
 * MS is CLOCK_MONOTONIC in milliseconds (wall: CLOCK_REALTIME), so "the
 * state said finished within 2 s of virt-v2v's exit" is measured from
 * two kernel events in one process, not from sleeps.  Everything is
 * event-driven: inotify on the state directory (the file is replaced by
 * rename) and on the log, a pidfd for the exit.  The /proc scan for
 * descendants runs on those events and every 200 ms while virt-v2v lives.
 *
 * It ends LINGER_MS (default 1500) after it saw finished and the exit,
 * with status 0; after SECONDS (default 1800) without them, status 1.
 */
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#define NEEDLE		"Copying disk"
#define MAXPROCS	8192
#define MAXSEEN		1024
#define SCAN_MS		200

struct procinfo {
	pid_t			 pid, ppid;
	unsigned long long	 start;
	char			 comm[32];
};

static FILE		*events;
static const char	*statepath, *statename, *logpath;
static int		 ino_fd = -1, log_wd = -1, log_fd = -1, pidfd = -1;
static pid_t		 v2v_pid;
static int		 exited, killed, kill_wanted, finished;
static long		 after_finished;
static struct stat	 finished_st;	/* identity of the finished write */
static char		*last_state;
static char		 carry[sizeof(NEEDLE)];
static size_t		 ncarry;
static struct procinfo	 seen[MAXSEEN];
static size_t		 nseen;
static double		 last_scan;
static volatile sig_atomic_t quit;

static double
now_ms(clockid_t clk)
{
	struct timespec	ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static void
emit(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
emit(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vfprintf(events, fmt, ap);
	va_end(ap);
	fputc('\n', events);
	fflush(events);
}

/* Paths and names from /proc, made safe inside a JSON string. */
static void
tame(char *s)
{
	for (; *s != '\0'; s++)
		if (*s == '"' || *s == '\\' || (unsigned char)*s < 0x20)
			*s = '?';
}

/* Field 4 (ppid) and 22 (starttime) of /proc/PID/stat; comm may hold
 * spaces and parentheses, so parse from its last ')'. */
static int
read_stat(pid_t pid, struct procinfo *pi)
{
	char		 path[64], buf[1024], *c, *e;
	ssize_t		 n;
	int		 fd, field;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if ((c = strchr(buf, '(')) == NULL || (e = strrchr(buf, ')')) == NULL)
		return -1;
	memset(pi, 0, sizeof(*pi));
	pi->pid = pid;
	snprintf(pi->comm, sizeof(pi->comm), "%.*s", (int)(e - c - 1), c + 1);
	tame(pi->comm);
	/* After ") " comes field 3 (state). */
	c = e + 2;
	for (field = 3; field < 22 && c != NULL; field++) {
		if (field == 4)
			pi->ppid = (pid_t)strtol(c, NULL, 10);
		if ((c = strchr(c, ' ')) != NULL)
			c++;
	}
	if (c == NULL)
		return -1;
	pi->start = strtoull(c, NULL, 10);
	return 0;
}

static int
known(const struct procinfo *pi)
{
	size_t	i;

	for (i = 0; i < nseen; i++)
		if (seen[i].pid == pi->pid && seen[i].start == pi->start)
			return 1;
	return 0;
}

static void
remember(const struct procinfo *pi)
{
	if (known(pi) || nseen == MAXSEEN)
		return;
	seen[nseen++] = *pi;
	emit("{\"ev\":\"proc\",\"pid\":%d,\"start\":%llu,\"comm\":\"%s\"}",
	    (int)pi->pid, pi->start, pi->comm);
}

/* Every live descendant of virt-v2v, and virt-v2v itself. */
static void
scan_descendants(void)
{
	static struct procinfo	 all[MAXPROCS];
	static char		 in[MAXPROCS];
	struct dirent		*de;
	DIR			*d;
	size_t			 n = 0, i, j;
	int			 more;

	last_scan = now_ms(CLOCK_MONOTONIC);
	if (v2v_pid <= 0 || exited || (d = opendir("/proc")) == NULL)
		return;
	while ((de = readdir(d)) != NULL && n < MAXPROCS) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		if (read_stat((pid_t)atoi(de->d_name), &all[n]) == 0)
			n++;
	}
	closedir(d);
	for (i = 0; i < n; i++)
		in[i] = all[i].pid == v2v_pid;
	do {
		more = 0;
		for (i = 0; i < n; i++) {
			if (in[i])
				continue;
			for (j = 0; j < n; j++)
				if (in[j] && all[i].ppid == all[j].pid) {
					in[i] = more = 1;
					break;
				}
		}
	} while (more);
	for (i = 0; i < n; i++)
		if (in[i])
			remember(&all[i]);
}

static void
send_term(void)
{
	int	r;

	if (pidfd != -1)
		r = (int)syscall(SYS_pidfd_send_signal, pidfd, SIGTERM, NULL, 0);
	else
		r = kill(v2v_pid, SIGTERM);
	killed = 1;
	emit("{\"ev\":\"kill\",\"t\":%.3f,\"pid\":%d,\"ok\":%s}",
	    now_ms(CLOCK_MONOTONIC), (int)v2v_pid, r == 0 ? "true" : "false");
}

static void
saw_exit(void)
{
	if (exited)
		return;
	exited = 1;
	emit("{\"ev\":\"exit\",\"t\":%.3f,\"wall\":%.0f,\"pid\":%d}",
	    now_ms(CLOCK_MONOTONIC), now_ms(CLOCK_REALTIME), (int)v2v_pid);
}

static void
saw_pid(pid_t pid)
{
	char	path[64], exe[PATH_MAX];
	ssize_t	n;

	v2v_pid = pid;
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	/* The pidfd first: the exe read then belongs to that process. */
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if ((n = readlink(path, exe, sizeof(exe) - 1)) < 0)
		n = 0;
	exe[n] = '\0';
	tame(exe);
	emit("{\"ev\":\"pid\",\"t\":%.3f,\"pid\":%d,\"exe\":\"%s\"}",
	    now_ms(CLOCK_MONOTONIC), (int)pid, exe);
	if (pidfd == -1)
		saw_exit();	/* ESRCH: gone already */
	else
		scan_descendants();
	if (kill_wanted && !killed && !exited)
		send_term();
}

/* Read the state file if it was replaced since the last read. */
static void
read_state(void)
{
	struct stat	 st;
	json_t		*o, *p;
	char		*s;
	FILE		*f;
	int		 fd;

	if ((fd = open(statepath, O_RDONLY | O_CLOEXEC)) == -1)
		return;
	if (fstat(fd, &st) == -1 || (f = fdopen(fd, "r")) == NULL) {
		close(fd);
		return;
	}
	o = json_loadf(f, 0, NULL);
	fclose(f);
	if (o == NULL)
		return;
	if (finished && (st.st_ino != finished_st.st_ino ||
	    st.st_ctim.tv_sec != finished_st.st_ctim.tv_sec ||
	    st.st_ctim.tv_nsec != finished_st.st_ctim.tv_nsec)) {
		/* A new file after the one that said finished. */
		after_finished++;
		finished_st = st;
	}
	s = json_dumps(o, JSON_PRESERVE_ORDER | JSON_COMPACT);
	if (s != NULL && (last_state == NULL || strcmp(s, last_state) != 0)) {
		emit("{\"ev\":\"state\",\"t\":%.3f,\"state\":%s}",
		    now_ms(CLOCK_MONOTONIC), s);
		free(last_state);
		last_state = s;
	} else
		free(s);
	p = json_object_get(o, "pid");
	if (v2v_pid == 0 && json_is_integer(p) && json_integer_value(p) > 0)
		saw_pid((pid_t)json_integer_value(p));
	if (!finished && json_is_true(json_object_get(o, "finished"))) {
		finished = 1;
		finished_st = st;
	}
	json_decref(o);
}

/* New bytes of the v2v log: look for the needle, across reads too. */
static void
read_log(void)
{
	char	buf[65536 + sizeof(NEEDLE)];
	ssize_t	n;

	if (log_fd == -1 || killed)
		return;
	memcpy(buf, carry, ncarry);
	while ((n = read(log_fd, buf + ncarry, sizeof(buf) - ncarry)) > 0) {
		n += (ssize_t)ncarry;
		if (memmem(buf, (size_t)n, NEEDLE, sizeof(NEEDLE) - 1)) {
			kill_wanted = 1;
			if (v2v_pid > 0 && !exited)
				send_term();
			return;
		}
		ncarry = sizeof(NEEDLE) - 2;
		if ((size_t)n < ncarry)
			ncarry = (size_t)n;
		memmove(buf, buf + n - ncarry, ncarry);
		memcpy(carry, buf, ncarry);
	}
}

static void
drain_inotify(void)
{
	char				 buf[8192]
	    __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event	*ev;
	ssize_t				 n;
	char				*p;
	int				 state = 0, log = 0;

	while ((n = read(ino_fd, buf, sizeof(buf))) > 0) {
		for (p = buf; p < buf + n; p += sizeof(*ev) + ev->len) {
			ev = (const struct inotify_event *)(void *)p;
			if (ev->mask & IN_Q_OVERFLOW)
				state = log = 1;	/* lost some: look */
			else if (ev->wd == log_wd)
				log = 1;
			else if (ev->len > 0 &&
			    strcmp(ev->name, statename) == 0)
				state = 1;
		}
	}
	if (log)
		read_log();
	if (state)
		read_state();
}

static void
on_signal(int sig)
{
	quit = sig;
}

static __attribute__((noreturn)) void
usage(void)
{
	fprintf(stderr, "usage: follow [-k v2vlog] [-t seconds] "
	    "[-l linger_ms] state events\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	struct pollfd	 pfd[2];
	char		 dir[PATH_MAX], base[PATH_MAX];
	double		 deadline, t, done_at = 0;
	long		 seconds = 1800, linger = 1500;
	int		 ch, timeout, rc;

	while ((ch = getopt(argc, argv, "k:t:l:")) != -1) {
		switch (ch) {
		case 'k': logpath = optarg; break;
		case 't': seconds = strtol(optarg, NULL, 10); break;
		case 'l': linger = strtol(optarg, NULL, 10); break;
		default: usage();
		}
	}
	if (argc - optind != 2)
		usage();
	statepath = argv[optind];
	snprintf(dir, sizeof(dir), "%s", statepath);
	snprintf(base, sizeof(base), "%s", statepath);
	statename = basename(base);
	if ((events = fopen(argv[optind + 1], "a")) == NULL) {
		perror(argv[optind + 1]);
		return 2;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	if ((ino_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1 ||
	    inotify_add_watch(ino_fd, dirname(dir), IN_MOVED_TO |
	    IN_CLOSE_WRITE) == -1) {
		perror("inotify");
		return 2;
	}
	if (logpath != NULL &&
	    ((log_wd = inotify_add_watch(ino_fd, logpath, IN_MODIFY)) == -1 ||
	    (log_fd = open(logpath, O_RDONLY | O_CLOEXEC)) == -1)) {
		perror(logpath);
		return 2;
	}
	/* Watch first, then look: nothing between the two is missed. */
	read_log();
	read_state();
	deadline = now_ms(CLOCK_MONOTONIC) + seconds * 1000.0;
	rc = 1;
	while (!quit) {
		t = now_ms(CLOCK_MONOTONIC);
		if (done_at == 0 && finished && (exited || v2v_pid == 0))
			done_at = t + linger;
		if (done_at != 0 && t >= done_at) {
			rc = 0;
			break;
		}
		if (t >= deadline)
			break;
		timeout = (int)(deadline - t) + 1;
		if (done_at != 0 && done_at - t < timeout)
			timeout = (int)(done_at - t) + 1;
		if (v2v_pid > 0 && !exited && timeout > SCAN_MS)
			timeout = SCAN_MS;
		pfd[0].fd = ino_fd;
		pfd[0].events = POLLIN;
		pfd[1].fd = exited ? -1 : pidfd;
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, timeout) == -1 && errno != EINTR)
			break;
		/* The exit first: a finished state read in the same round
		 * must not look earlier than the exit that caused it. */
		if (pfd[1].fd != -1 && (pfd[1].revents & POLLIN))
			saw_exit();
		if (pfd[0].revents & POLLIN)
			drain_inotify();
		if (v2v_pid > 0 && !exited &&
		    now_ms(CLOCK_MONOTONIC) - last_scan >= SCAN_MS)
			scan_descendants();
	}
	emit("{\"ev\":\"end\",\"t\":%.3f,\"after_finished\":%ld,\"timeout\":%s}",
	    now_ms(CLOCK_MONOTONIC), after_finished, rc ? "true" : "false");
	fclose(events);
	return rc;
}
