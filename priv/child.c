/* SPDX-License-Identifier: ISC */
/*
 * The direct virt-v2v child, seen from priv.  The parent forked it while
 * still full root; it dropped its own credentials and now waits on a
 * pipe.  priv lets it go and learns from a CLOEXEC pipe whether execve
 * worked: EOF means it did, four bytes are the errno of the failure.
 */
#include <sys/wait.h>

#include <errno.h>
#include <time.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/wrapper.h"
#include "priv/priv.h"

/* Returns 0 once virt-v2v runs, else the errno of its failed start. */
int
child_release(struct privconf *pc)
{
	char	go = GO_BYTE;
	int	error = 0;
	ssize_t	n;

	n = write(pc->gofd, &go, 1);
	close(pc->gofd);
	pc->gofd = -1;
	if (n != 1)
		return errno ? errno : EPIPE;
	do {
		n = read(pc->execfd, &error, sizeof(error));
	} while (n == -1 && errno == EINTR);
	close(pc->execfd);
	pc->execfd = -1;
	if (n == 0)
		return 0;
	if (n != sizeof(error) || error == 0)
		return ECHILD;
	return error;
}

void
child_signal(pid_t pid, int sig)
{
	if (pid > 0 && kill(pid, sig) == -1 && errno != ESRCH)
		log_warn("kill %ld %s", (long)pid, strsignal(sig));
}

/* Wait up to grace seconds for pid to end by itself, then stop it. */
void
child_stop_wait_for(pid_t pid, int grace)
{
	struct timespec	 nap = { 0, 10 * 1000 * 1000 };
	time_t		 deadline = time(NULL) + grace;
	int		 status;

	while (time(NULL) < deadline) {
		if (waitpid(pid, &status, WNOHANG) != 0)
			return;
		nanosleep(&nap, NULL);
	}
	child_stop_wait(pid, grace);
}

/*
 * Stop pid and wait for it, outside the main loop (the monitor is gone):
 * TERM first, so that virt-v2v removes its temporary files, then KILL
 * after grace seconds.  Returns the wait status, or -1.
 */
int
child_stop_wait(pid_t pid, int grace)
{
	struct timespec	 nap = { 0, 50 * 1000 * 1000 };
	time_t		 deadline = time(NULL) + grace;
	int		 status, killed = 0;
	pid_t		 r;

	child_signal(pid, SIGTERM);
	for (;;) {
		if ((r = waitpid(pid, &status, WNOHANG)) == pid)
			return status;
		if (r == -1 && errno != EINTR)
			return -1;
		if (!killed && time(NULL) >= deadline) {
			child_signal(pid, SIGKILL);
			killed = 1;
		}
		nanosleep(&nap, NULL);
	}
}
