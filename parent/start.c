/* SPDX-License-Identifier: ISC */
/*
 * From a prepared run to three processes: the waiting virt-v2v child,
 * the monitor (fork and re-exec of our own binary through /proc/self/exe,
 * so it gets a fresh address space without the config or any secret,
 * and an upgrade on disk cannot swap the program), and priv, which this
 * process becomes.
 */
#include <sys/socket.h>
#include <sys/syscall.h>

#include <fcntl.h>
#include <paths.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/config.h"
#include "common/log.h"
#include "common/wrapper.h"
#include "parent/parent.h"

/* A sanitizer build keeps its report settings in the monitor and the
 * API client too: envp has room for two. */
void
sanitizer_env(char **envp)
{
#if defined(__SANITIZE_ADDRESS__)
	static char	asan[1024], ubsan[1024];
	const char	*a = getenv("ASAN_OPTIONS"), *u = getenv("UBSAN_OPTIONS");
	int		n = 0;

	if (a != NULL && snprintf(asan, sizeof(asan), "ASAN_OPTIONS=%s", a) <
	    (int)sizeof(asan))
		envp[n++] = asan;
	if (u != NULL && snprintf(ubsan, sizeof(ubsan), "UBSAN_OPTIONS=%s",
	    u) < (int)sizeof(ubsan))
		envp[n++] = ubsan;
#else
	(void)envp;
#endif
}

static __attribute__((noreturn)) void
monitor_exec(const struct run *r, int sock)
{
	static char	 prog[] = "virt-v2v-wrapper", flag[] = MONITOR_FLAG;
	char		 uid[16], gid[16], fl[8], ncpu[24];
	char		*argv[] = { prog, flag, uid, gid, fl, ncpu, NULL };
	char		*envp[] = { NULL, NULL, NULL };
	int		 src[] = { sock, r->pc.rundirfd, r->v2vlogrfd,
			    r->mrlogrfd, r->logfd, -1 };
	int		 tmp[6], i, n, null, exe, copy = r->copy_stdout;
	sigset_t	 none;

	snprintf(uid, sizeof(uid), "%u", r->mon_uid);
	snprintf(gid, sizeof(gid), "%u", r->mon_gid);
	snprintf(fl, sizeof(fl), "%d", (r->verbose ? MONITOR_OPT_VERBOSE : 0) |
	    (r->pc.root ? MONITOR_OPT_ROOT : 0) |
	    (copy ? MONITOR_OPT_COPY : 0));
	/* priv bounds a cpu limit by the same count: one for the run. */
	snprintf(ncpu, sizeof(ncpu), "%ld", r->pc.ncpu);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/*
	 * Nothing of the caller's: not its stdin (the input with the
	 * secrets, when it is a file), not its terminal (TIOCSTI), not its
	 * session.  The monitor logs to the wrapper log only.
	 */
	if ((null = open(_PATH_DEVNULL, O_RDWR)) == -1)
		fatal("%s", _PATH_DEVNULL);
	/* Kubevirt: virt-v2v's output goes on to the pod's log, which is
	 * our stdout; the monitor never waits for its reader. */
	n = copy ? 6 : 5;
	/* A description of its own where the kernel gives one (a pipe, a
	 * file, a tty): non-blocking there changes nothing of priv's. */
	if (copy && (src[5] = open("/proc/self/fd/1", O_WRONLY | O_APPEND |
	    O_NONBLOCK | O_CLOEXEC)) == -1 &&
	    (src[5] = fcntl(STDOUT_FILENO, F_DUPFD, 16)) == -1)
		fatal("fcntl F_DUPFD");
	if (dup2(null, STDIN_FILENO) == -1 || dup2(null, STDOUT_FILENO) == -1 ||
	    dup2(null, STDERR_FILENO) == -1)
		fatal("%s", _PATH_DEVNULL);
	if (setsid() == -1 || chdir("/") == -1)
		fatal("setsid");
	for (i = 0; i < n; i++)
		if ((tmp[i] = fcntl(src[i], F_DUPFD, 16)) == -1)
			fatal("fcntl F_DUPFD");
	for (i = 0; i < n; i++)
		if (dup2(tmp[i], MONITOR_FD_SOCK + i) == -1)
			fatal("dup2");
	/* FD_COPY only where there is something to copy to. */
	closefrom(MONITOR_FD_SOCK + n);
	log_setfd(MONITOR_FD_LOG);
	sanitizer_env(envp);
	/*
	 * The very file we run, through a descriptor: execveat of the open
	 * /proc/self/exe, not a path (valgrind, for one, takes the path
	 * /proc/self/exe for its own program).
	 */
	if ((exe = open("/proc/self/exe", O_PATH | O_CLOEXEC)) == -1)
		fatal("/proc/self/exe");
	/* The raw call: glibc's execveat() wrapper needs 2.34, EL8 has
	 * 2.28. */
	syscall(SYS_execveat, exe, "", argv, envp, AT_EMPTY_PATH);
	fatal("execveat /proc/self/exe");
}

static pid_t
monitor_fork(const struct run *r, int sock)
{
	pid_t	pid;

	if ((pid = fork()) == -1)
		fatal("fork");
	if (pid == 0)
		monitor_exec(r, sock);
	return pid;
}

/* Only what priv needs stays open past this point. */
static void
close_setup_fds(struct run *r)
{
	int	*fds[] = { &r->logdirfd, &r->v2vlogfd, &r->v2vlogrfd,
		    &r->mrlogrfd, &r->mrlogfd };
	size_t	 i;

	for (i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] != -1)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

void
start(const struct conf *cf, struct run *r, int readyfd)
{
	struct privconf	*pc = &r->pc;
	int		 sp[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == -1)
		fatal("socketpair");
	if (fcntl(sp[0], F_SETFL, O_NONBLOCK) == -1)
		fatal("fcntl O_NONBLOCK");
	argv_build(cf, r);
	if (r->use_unit)
		unit_argv_build(r);
	else
		pc->v2v_pid = child_fork(r, &pc->gofd, &pc->execfd);
	argv_free(r);
	pc->monitor_pid = monitor_fork(r, sp[1]);
	close(sp[1]);
	close_setup_fds(r);
	log_info("priv pid %ld, monitor pid %ld", (long)getpid(),
	    (long)pc->monitor_pid);
	pc->sock = sp[0];
	pc->readyfd = readyfd;
	priv_main(pc);
}
