/* SPDX-License-Identifier: ISC */
/*
 * The direct virt-v2v child, forked while the parent is still full root
 * (priv will not be able to change uids).  It drops to the conversion
 * user itself, asks to be signalled when priv dies, and waits on a pipe
 * until priv lets it exec.  No shell: stdout and stderr are the v2v log.
 */
#include <sys/prctl.h>

#include <errno.h>
#include <fcntl.h>
#include <paths.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/netcg.h"
#include "common/wrapper.h"
#include "parent/parent.h"

#define CHILD_FD_MRLOG	3	/* kept: --machine-readable=file:/dev/fd/3 */
#define CHILD_FD_GO	4
#define CHILD_FD_EXEC	5

static __attribute__((noreturn)) void
child_fail(int execfd, int error)
{
	ssize_t	n;

	n = write(execfd, &error, sizeof(error));
	(void)n;
	_exit(127);
}

/* Put each descriptor at its fixed number and close every other one. */
static int
child_fds(const struct run *r, int go, int ex)
{
	int	null, tgo, tex, tlog, tmr;

	if ((null = open(_PATH_DEVNULL, O_RDONLY)) == -1)
		return -1;
	/* Out of the way first, so that no dup2 below hits a source. */
	if ((tgo = fcntl(go, F_DUPFD, 10)) == -1 ||
	    (tex = fcntl(ex, F_DUPFD, 10)) == -1 ||
	    (tlog = fcntl(r->v2vlogfd, F_DUPFD, 10)) == -1 ||
	    (tmr = fcntl(r->mrlogfd, F_DUPFD, 10)) == -1)
		return -1;
	if (dup2(null, STDIN_FILENO) == -1 ||
	    dup2(tlog, STDOUT_FILENO) == -1 ||
	    dup2(tlog, STDERR_FILENO) == -1 ||
	    dup2(tmr, CHILD_FD_MRLOG) == -1 ||
	    dup2(tgo, CHILD_FD_GO) == -1 ||
	    dup2(tex, CHILD_FD_EXEC) == -1 ||
	    fcntl(CHILD_FD_EXEC, F_SETFD, FD_CLOEXEC) == -1)
		return -1;
	closefrom(CHILD_FD_EXEC + 1);
	return 0;
}

static __attribute__((noreturn)) void
child_run(const struct run *r, pid_t priv, int go, int ex)
{
	char	c;

	signals_default();
	log_setfd(-1);
	log_setstderr(0);

	/* Its own session: a terminal's ^C goes to priv, which decides. */
	setsid();
	/* Into the run's net_cls cgroup while root, before its descriptor
	 * goes with the others.  A failure leaves virt-v2v unclassified:
	 * priv checks membership before it promises a network limit. */
	if (r->pc.netcgfd != -1)
		netcg_write(r->pc.netcgfd, "cgroup.procs", 0);
	if (r->pc.steercgfd != -1)
		netcg_write(r->pc.steercgfd, "cgroup.procs", 0);
	if (child_fds(r, go, ex) == -1)
		child_fail(ex, errno);
	umask(022);
	/* Not the caller's directory, which the conversion user may not
	 * even reach; the daemon is in / already. */
	if (chdir("/") == -1 || creds_drop(&r->conv) == -1)
		child_fail(CHILD_FD_EXEC, errno);
	/* After the credential change, which would clear it. */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0) == -1)
		child_fail(CHILD_FD_EXEC, errno);
	if (getppid() != priv)
		_exit(127);
	if (read(CHILD_FD_GO, &c, 1) != 1 || c != GO_BYTE)
		_exit(127);
	close(CHILD_FD_GO);
	execve(r->argv[0], r->argv, r->envp);
	child_fail(CHILD_FD_EXEC, errno);
}

/* Returns the child's pid; *gofd and *execfd are priv's ends. */
pid_t
child_fork(const struct run *r, int *gofd, int *execfd)
{
	int	go[2], ex[2];
	pid_t	pid, self = getpid();

	if (pipe2(go, O_CLOEXEC) == -1 || pipe2(ex, O_CLOEXEC) == -1)
		fatal("pipe2");
	if ((pid = fork()) == -1)
		fatal("fork");
	if (pid == 0)
		child_run(r, self, go[0], ex[1]);
	close(go[0]);
	close(ex[1]);
	*gofd = go[1];
	*execfd = ex[0];
	return pid;
}
