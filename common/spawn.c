/* SPDX-License-Identifier: ISC */
/*
 * Running other programs: the parent's helpers (the virt-v2v capability
 * probe, ssh-agent, ssh-add), run as the conversion user while the
 * parent is still full root, and priv's (systemd-run, systemctl), run as
 * priv is.  fork, drop credentials if asked, exec with an argv and an
 * environment built in code; no shell.  Every program that is waited for
 * has a deadline and is killed when it passes.
 */
#include <sys/prctl.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <grp.h>
#include <paths.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/spawn.h"

int
creds_drop(const struct creds *c)
{
	if (c == NULL || !c->drop)
		return 0;
	if (setgroups(1, &c->gid) == -1 ||
	    setresgid(c->gid, c->gid, c->gid) == -1 ||
	    setresuid(c->uid, c->uid, c->uid) == -1)
		return -1;
	return 0;
}

/* Ignored signals and the mask survive exec: a program we start gets
 * the defaults. */
void
signals_default(void)
{
	struct sigaction	sa;
	sigset_t		none;
	int			sig;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (sig = 1; sig < NSIG; sig++)
		sigaction(sig, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* In the child: stdin from infd, stdout and stderr to outfd (each
 * /dev/null when -1); nothing else open; default signals; then exec. */
static __attribute__((noreturn)) void
run_child(const struct creds *c, char *const argv[], char *const envp[],
    int infd, int outfd)
{
	int			null;

	signals_default();
	if ((null = open(_PATH_DEVNULL, O_RDWR)) == -1 ||
	    dup2(infd == -1 ? null : infd, STDIN_FILENO) == -1 ||
	    dup2(outfd == -1 ? null : outfd, STDOUT_FILENO) == -1 ||
	    dup2(outfd == -1 ? null : outfd, STDERR_FILENO) == -1)
		_exit(127);
	closefrom(STDERR_FILENO + 1);
	umask(022);
	if (setsid() == -1 || creds_drop(c) == -1)
		_exit(127);
	/* An ssh-agent must not outlive the run: priv is its parent. */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0) == -1)
		_exit(127);
	execve(argv[0], argv, envp);
	_exit(127);
}

/* Start argv with its stdin and output on the given descriptors. */
pid_t
run_start(const struct creds *c, char *const argv[], char *const envp[],
    int infd, int outfd)
{
	pid_t	pid;

	if ((pid = fork()) == 0)
		run_child(c, argv, envp, infd, outfd);
	return pid;
}

/* Start argv; *outfd (if not NULL) reads its stdout and stderr. */
pid_t
run_spawn(const struct creds *c, char *const argv[], char *const envp[],
    int *outfd)
{
	int	p[2] = { -1, -1 };
	pid_t	pid;

	if (outfd != NULL && pipe2(p, O_CLOEXEC) == -1)
		return -1;
	pid = run_start(c, argv, envp, -1, p[1]);
	if (outfd != NULL) {
		close(p[1]);
		*outfd = pid == -1 ? -1 : p[0];
		if (pid == -1)
			close(p[0]);
	}
	return pid;
}

/*
 * Read fd into out (NUL-terminated, the rest dropped) until EOF, or
 * until the text holds stop (when not NULL), or the deadline.  Returns
 * 0, or -1 with errno ETIMEDOUT.
 */
int
run_read(int fd, char *out, size_t outlen, const char *stop,
    long long deadline)
{
	struct pollfd	pfd = { fd, POLLIN, 0 };
	size_t		len = 0;
	char		scratch[512];
	ssize_t		n;
	long long	left;

	out[0] = '\0';
	for (;;) {
		if (stop != NULL && strstr(out, stop) != NULL)
			return 0;
		if ((left = deadline - mono_ms()) <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (poll(&pfd, 1, left) == -1 && errno != EINTR)
			return -1;
		if (len + 1 < outlen)
			n = read(fd, out + len, outlen - len - 1);
		else
			n = read(fd, scratch, sizeof(scratch));
		if (n == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return 0;
		if (len + 1 < outlen) {
			len += n;
			out[len] = '\0';
		}
	}
}

struct pidwait {
	pid_t	pid;
	int	status;
	int	error;
};

static int
pid_ended(void *arg)
{
	struct pidwait	*w = arg;
	pid_t		 r;

	while ((r = waitpid(w->pid, &w->status, WNOHANG)) == -1 &&
	    errno == EINTR)
		;
	if (r == -1)
		w->error = 1;
	return r != 0;
}

/*
 * Wait up to ms (-1: for ever) for our child pid to end.  1 with its
 * wait status in *status, 0 when the time ran out, -1 on an error.
 */
int
pid_wait(pid_t pid, int ms, int *status)
{
	struct pidwait	w = { pid, 0, 0 };

	if (!wait_for(pid_ended, &w, ms, 10))
		return 0;
	if (w.error)
		return -1;
	*status = w.status;
	return 1;
}

/* Wait for pid until the deadline, then kill it.  Returns the status. */
int
run_wait(pid_t pid, long long deadline, int *timedout)
{
	long long	left = deadline - mono_ms();
	int		status, r;

	*timedout = 0;
	r = pid_wait(pid, left > 0 ? (int)left : 0, &status);
	if (r == 0) {
		kill(pid, SIGKILL);
		*timedout = 1;
		r = pid_wait(pid, -1, &status);
	}
	return r == 1 ? status : -1;
}

/* Give a child its input whole, then EOF: a pipe holds far more than
 * any input of ours, so the write does not wait for the reader.  *infd
 * is the read end, for the child's stdin. */
int
run_feed(const char *input, size_t len, int *infd)
{
	int	p[2];

	*infd = -1;
	if (len >= PIPE_BUF * 8 || pipe2(p, O_CLOEXEC) == -1)
		return -1;
	if (write(p[1], input, len) != (ssize_t)len) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	close(p[1]);
	*infd = p[0];
	return 0;
}

/*
 * Run argv to its end within timeout_ms, input (or nothing, when NULL)
 * on its stdin, its output (stdout and stderr) in out.  Returns the
 * wait status, or -1 with one line in err.
 */
int
run_capture_input(const struct creds *c, char *const argv[],
    char *const envp[], const char *input, int timeout_ms, char *out,
    size_t outlen, char *err, size_t errlen)
{
	long long	deadline = mono_ms() + timeout_ms;
	int		p[2], infd = -1, status, timedout;
	pid_t		pid;

	if ((input != NULL && run_feed(input, strlen(input), &infd) == -1) ||
	    pipe2(p, O_CLOEXEC) == -1) {
		snprintf(err, errlen, "%s: %s", argv[0], strerror(errno));
		if (infd != -1)
			close(infd);
		return -1;
	}
	pid = run_start(c, argv, envp, infd, p[1]);
	close(p[1]);
	if (infd != -1)
		close(infd);
	if (pid == -1) {
		snprintf(err, errlen, "%s: %s", argv[0], strerror(errno));
		close(p[0]);
		return -1;
	}
	run_read(p[0], out, outlen, NULL, deadline);
	close(p[0]);
	status = run_wait(pid, deadline, &timedout);
	if (timedout) {
		snprintf(err, errlen, "%s: no answer within %d seconds",
		    argv[0], timeout_ms / 1000);
		return -1;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
		snprintf(err, errlen, "%s: could not be run", argv[0]);
		return -1;
	}
	return status;
}

int
run_capture(const struct creds *c, char *const argv[], char *const envp[],
    int timeout_ms, char *out, size_t outlen, char *err, size_t errlen)
{
	return run_capture_input(c, argv, envp, NULL, timeout_ms, out, outlen,
	    err, errlen);
}
