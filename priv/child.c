/* SPDX-License-Identifier: ISC */
/*
 * The direct virt-v2v child, seen from priv.  The parent forked it while
 * still full root; it dropped its own credentials and now waits on a
 * pipe.  priv lets it go and learns from a CLOEXEC pipe whether execve
 * worked: EOF means it did, four bytes are the errno of the failure.
 */
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/spawn.h"
#include "common/wrapper.h"
#include "priv/priv.h"

/* Returns 0 once virt-v2v runs, else the errno of its failed start. */
int
child_release(const struct privconf *pc)
{
	char	go = GO_BYTE;
	int	error = 0;
	ssize_t	n;

	n = write(pc->gofd, &go, 1);
	close(pc->gofd);
	if (n != 1)
		return errno ? errno : EPIPE;
	do {
		n = read(pc->execfd, &error, sizeof(error));
	} while (n == -1 && errno == EINTR);
	close(pc->execfd);
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

/* A child that must be gone now: KILL, and reap it. */
void
child_kill_wait(pid_t pid)
{
	int	status;

	child_signal(pid, SIGKILL);
	if (pid_wait(pid, 5000, &status) != 1)
		log_warnx("pid %ld did not end after SIGKILL", (long)pid);
}

/* Wait up to grace seconds for pid to end by itself, then stop it. */
void
child_stop_wait_for(pid_t pid, int grace)
{
	int	status;

	if (pid_wait(pid, grace * 1000, &status) == 0)
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
	int	status, r;

	child_signal(pid, SIGTERM);
	if ((r = pid_wait(pid, grace * 1000, &status)) == 0) {
		child_signal(pid, SIGKILL);
		r = pid_wait(pid, -1, &status);
	}
	return r == 1 ? status : -1;
}
