/* SPDX-License-Identifier: ISC */
/*
 * The ISO domain walk in a child of its own.  The walk bounds itself in
 * depth, entries and time, but a single stat() on a dead hard NFS mount
 * blocks in the kernel where no time check runs; from a child, the
 * parent stops waiting at a deadline and goes on, whatever the child's
 * fate.
 */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/spawn.h"
#include "parent/iso.h"
#include "parent/parent.h"

#define ISO_DEADLINE_MS	15000

struct iso_answer {
	int	rv;
	char	out[PATH_MAX];
	char	warn[512];
	char	err[512];
};

int
iso_find_bounded(const char *root, const char *name, char *out,
    size_t outlen, char *warn, size_t warnlen, char *err, size_t errlen)
{
	static struct iso_answer	 a;
	struct pollfd			 pfd;
	int				 p[2], status;
	size_t				 got = 0;
	ssize_t				 n;
	pid_t				 pid;
	long long			 deadline = mono_ms() + ISO_DEADLINE_MS;

	if (pipe2(p, O_CLOEXEC) == -1 || (pid = fork()) == -1) {
		snprintf(err, errlen, "ISO domain search: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		close(p[0]);
		memset(&a, 0, sizeof(a));
		a.rv = iso_find(root, name, a.out, sizeof(a.out), a.warn,
		    sizeof(a.warn), a.err, sizeof(a.err));
		n = write(p[1], &a, sizeof(a));
		_exit(n == sizeof(a) ? 0 : 1);
	}
	close(p[1]);
	pfd.fd = p[0];
	pfd.events = POLLIN;
	while (got < sizeof(a) && mono_ms() < deadline) {
		if (poll(&pfd, 1, deadline - mono_ms()) <= 0)
			continue;
		if ((n = read(p[0], (char *)&a + got, sizeof(a) - got)) <= 0)
			break;
		got += n;
	}
	close(p[0]);
	if (got != sizeof(a)) {
		/* It may hang in the kernel for good: do not wait for it. */
		kill(pid, SIGKILL);
		if (waitpid(pid, &status, WNOHANG) == 0)
			log_warnx("the ISO domain search (pid %ld) is stuck in "
			    "the kernel", (long)pid);
		snprintf(err, errlen, "ISO domain search under %s gave no "
		    "answer within %d seconds (a dead NFS mount?)", root,
		    ISO_DEADLINE_MS / 1000);
		return -1;
	}
	waitpid(pid, &status, 0);
	strlcpy(out, a.out, outlen);
	strlcpy(warn, a.warn, warnlen);
	strlcpy(err, a.err, errlen);
	return a.rv;
}
