/* SPDX-License-Identifier: ISC */
/*
 * Going to the background.  The caller (often an engine over ssh) must
 * get its stdout line and exit status only once the daemon really runs,
 * and must not wait on a descriptor the daemon keeps: so the first
 * process waits on a pipe for one byte from the daemon, and the daemon
 * keeps none of the caller's descriptors.
 */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <paths.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/log.h"
#include "common/wrapper.h"
#include "parent/parent.h"

static void
devnull_stdio(void)
{
	int	fd;

	if ((fd = open(_PATH_DEVNULL, O_RDWR)) == -1)
		fatal("open %s", _PATH_DEVNULL);
	if (dup2(fd, STDIN_FILENO) == -1 || dup2(fd, STDOUT_FILENO) == -1 ||
	    dup2(fd, STDERR_FILENO) == -1)
		fatal("dup2");
	if (fd > STDERR_FILENO)
		close(fd);
}

/*
 * Returns 1 in the first process once the daemon said it is ready, 0 in
 * the daemon (with *readyfd, where priv writes READY_BYTE once virt-v2v
 * is started), -1 in the first process when the daemon ended without
 * saying so.
 */
int
daemon_detach(int *readyfd)
{
	int	p[2], status;
	pid_t	pid;
	char	c;
	ssize_t	n;

	if (pipe2(p, O_CLOEXEC) == -1)
		fatal("pipe2");
	switch ((pid = fork())) {
	case -1:
		fatal("fork");
	case 0:
		break;
	default:
		close(p[1]);
		do {
			n = read(p[0], &c, 1);
		} while (n == -1 && errno == EINTR);
		close(p[0]);
		/* The middle process exits at once; reap it. */
		waitpid(pid, &status, 0);
		return n == 1 && c == READY_BYTE ? 1 : -1;
	}
	close(p[0]);
	/* A new session: no controlling terminal, and logind's end of
	 * the caller's session does not take the daemon with it. */
	if (setsid() == -1)
		fatal("setsid");
	switch (fork()) {
	case -1:
		fatal("fork");
	case 0:
		break;
	default:
		_exit(0);
	}
	if (chdir("/") == -1)
		fatal("chdir /");
	devnull_stdio();
	log_setstderr(0);
	*readyfd = p[1];
	return 0;
}
