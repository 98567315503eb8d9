/* SPDX-License-Identifier: ISC */
/*
 * The monitor's confinement (monitor/drop.c monitor_confine()), in a
 * child of the test confined exactly as the monitor is, as root: chroot
 * into a run directory, the uid of the unprivileged user, Landlock,
 * the allow-list seccomp filter.  From inside it tries what a monitor
 * taken over through a hostile log would (issue 13, finding 5): an
 * io_uring (IORING_OP_SOCKET made an AF_INET socket), a descriptor of
 * another process of the same uid (pidfd_getfd), a socket, a signal to
 * that process, its /proc/PID/mem, a program; and what the monitor needs
 * must still work: the state file's write and rename, the throttling
 * file's read and removal, time, sleep, signals to itself.
 */
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "monitor/monitor.h"
#include "regress/check.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open	434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd	438
#endif
#ifndef SYS_io_uring_setup
#define SYS_io_uring_setup 425
#endif

static const char *const what[] = {
	"io_uring_setup",
	"pidfd_getfd of another process of the same uid",
	"socket(AF_UNIX)",
	"socket(AF_INET)",
	"kill of another process of the same uid",
	"SIGIO to another process of the same uid (F_SETOWN, O_ASYNC)",
	"fchmod 0666 of a descriptor it holds",
	"open of its /proc/PID/mem",
	"execve",
	"ptrace",
	"opening a path outside the run directory",
	"writing and renaming the state file in the run directory",
	"reading and removing a throttling file",
	"renaming aside and removing a link and a FIFO put there instead",
	"time, sleep and a signal to itself",
};
#define NPROBES	(sizeof(what) / sizeof(what[0]))

enum { P_URING, P_GETFD, P_UNIX, P_INET, P_KILL, P_SIGIO, P_CHMOD, P_MEM,
    P_EXEC, P_PTRACE,
    P_PASSWD, P_STATE, P_THROTTLE, P_ODD, P_SELF };
#define HOSTILE_MAX	P_STATE		/* the probes below it must fail */

/* Bit i set when probe i worked.  A baseline run (confine 0) takes no
 * exec or ptrace: it shows that the others work unconfined. */
static int
probe(int rundir, pid_t other, int otherfd, int confined)
{
	static char	 prog[] = "/bin/true";
	char		*argv[] = { prog, NULL }, *envp[] = { NULL };
	char		 path[64], buf[16], params[120];
	struct timespec	 now, nap = { 0, 1000000 };
	int		 ok = 0, fd;
	long		 r;

	memset(params, 0, sizeof(params));
	if ((r = syscall(SYS_io_uring_setup, 8, params)) != -1) {
		ok |= 1 << P_URING;
		close(r);
	}
	if ((r = syscall(SYS_pidfd_getfd, otherfd, 0, 0)) != -1) {
		ok |= 1 << P_GETFD;
		close(r);
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) != -1) {
		ok |= 1 << P_UNIX;
		close(fd);
	}
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) != -1) {
		ok |= 1 << P_INET;
		close(fd);
	}
	if (kill(other, 0) == 0)
		ok |= 1 << P_KILL;
	/* The calls that would arm it: no signal is sent here. */
	if ((fd = openat(rundir, ".sigio", O_RDONLY | O_CREAT, 0644)) != -1) {
		if (fcntl(fd, F_SETOWN, other) == 0 &&
		    fcntl(fd, F_SETFL, O_ASYNC) == 0)
			ok |= 1 << P_SIGIO;
		if (fchmod(fd, 0666) == 0)
			ok |= 1 << P_CHMOD;
		close(fd);
		unlinkat(rundir, ".sigio", 0);
	}
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)other);
	if ((fd = open(path, O_RDWR)) != -1) {
		ok |= 1 << P_MEM;
		close(fd);
	}
	if (confined) {
		execve(prog, argv, envp);
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) != -1)
			ok |= 1 << P_PTRACE;
	}
	if ((fd = open("/etc/passwd", O_RDONLY)) != -1) {
		ok |= 1 << P_PASSWD;
		close(fd);
	}
	if ((fd = openat(rundir, ".state.tmp", O_WRONLY | O_CREAT | O_EXCL,
	    0644)) != -1 && write(fd, "{}", 2) == 2 && fchmod(fd, 0644) == 0 &&
	    close(fd) == 0 && renameat(rundir, ".state.tmp", rundir,
	    "state.json") == 0)
		ok |= 1 << P_STATE;
	if (renameat(rundir, "throttle.json", rundir, ".throttle") == 0 &&
	    (fd = openat(rundir, ".throttle", O_RDONLY | O_NOFOLLOW)) != -1 &&
	    read(fd, buf, sizeof(buf)) == 2 && close(fd) == 0 &&
	    unlinkat(rundir, ".throttle", 0) == 0)
		ok |= 1 << P_THROTTLE;
	if (renameat(rundir, "odd.lnk", rundir, ".odd1") == 0 &&
	    unlinkat(rundir, ".odd1", 0) == 0 &&
	    renameat(rundir, "odd.fifo", rundir, ".odd2") == 0 &&
	    unlinkat(rundir, ".odd2", 0) == 0)
		ok |= 1 << P_ODD;
	if (clock_gettime(CLOCK_MONOTONIC, &now) == 0 &&
	    nanosleep(&nap, NULL) == 0 && kill(getpid(), 0) == 0 &&
	    getpid() > 0)
		ok |= 1 << P_SELF;
	return ok;
}

/* The other process: as the same unprivileged uid, it only waits. */
static pid_t
sibling(uid_t uid, gid_t gid)
{
	pid_t	pid;

	if ((pid = fork()) == 0) {
		if (getuid() == 0 && (setgroups(0, NULL) == -1 ||
		    setresgid(gid, gid, gid) == -1 ||
		    setresuid(uid, uid, uid) == -1))
			_exit(1);
		if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) == -1)
			_exit(1);
		for (;;)
			pause();
	}
	return pid;
}

/* A sanitizer build neither chroots nor lands the monitor in Landlock:
 * its reports go to a path. */
static int
sanitized(int probe_no)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_UNDEFINED__)
	return probe_no == P_MEM || probe_no == P_PASSWD;
#else
	(void)probe_no;
	return 0;
#endif
}

static void
throttle_file(const char *dir)
{
	char	path[128];
	int	fd;

	snprintf(path, sizeof(path), "%s/odd.lnk", dir);
	unlink(path);
	if (symlink("/etc/passwd", path) == -1)
		exit(2);
	snprintf(path, sizeof(path), "%s/odd.fifo", dir);
	unlink(path);
	if (mkfifo(path, 0666) == -1 || chmod(path, 0666) == -1)
		exit(2);
	snprintf(path, sizeof(path), "%s/throttle.json", dir);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0666)) == -1 ||
	    write(fd, "{}", 2) != 2 || close(fd) == -1 || chmod(path, 0666) == -1)
		exit(2);
}

/* A child: confined as the monitor (or, for the baseline, only the
 * monitor's uid), its probe's bits, or -1. */
static int
run_probe(int rundir, uid_t uid, gid_t gid, int root, pid_t other,
    int otherfd, int confine)
{
	pid_t	pid;
	int	p[2], ok = -1, status;

	if (pipe(p) == -1)
		exit(2);
	if ((pid = fork()) == 0) {
		close(p[0]);
		if (confine)
			monitor_confine(rundir, uid, gid, root);
		else if (root && (setgroups(0, NULL) == -1 ||
		    setresgid(gid, gid, gid) == -1 ||
		    setresuid(uid, uid, uid) == -1))
			_exit(1);
		ok = probe(rundir, other, otherfd, confine);
		_exit(write(p[1], &ok, sizeof(ok)) == sizeof(ok) ? 0 : 1);
	}
	close(p[1]);
	if (read(p[0], &ok, sizeof(ok)) != sizeof(ok))
		ok = -1;
	close(p[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		ok = -1;
	return ok;
}

int
main(void)
{
	char		 dir[] = "/tmp/v2vw-confine.XXXXXX", path[128];
	struct passwd	*pw;
	uid_t		 uid = getuid();
	gid_t		 gid = getgid();
	pid_t		 other;
	int		 rundir, otherfd, i, ok, base;
	int		 root = getuid() == 0;

	setvbuf(stdout, NULL, _IONBF, 0);
	if (root && (pw = getpwnam("nobody")) != NULL) {
		uid = pw->pw_uid;
		gid = pw->pw_gid;
	}
	if (mkdtemp(dir) == NULL || chmod(dir, 0777) == -1 ||
	    (rundir = open(dir, O_RDONLY | O_DIRECTORY)) == -1)
		return 2;
	other = sibling(uid, gid);
	if ((otherfd = syscall(SYS_pidfd_open, other, 0)) == -1)
		return 2;
	throttle_file(dir);
	base = run_probe(rundir, uid, gid, root, other, otherfd, 0);
	throttle_file(dir);
	ok = run_probe(rundir, uid, gid, root, other, otherfd, 1);
	CHECK(ok != -1 && base != -1, "both children report and exit 0");
	for (i = 0; i < (int)NPROBES; i++) {
		if (i < HOSTILE_MAX && i != P_EXEC && i != P_PTRACE)
			CHECK(base != -1 && (base & (1 << i)), "unconfined, "
			    "the same uid (so the test can fail): %s works",
			    what[i]);
		if (sanitized(i)) {
			SKIP("confined as the monitor: %s: a sanitizer build "
			    "keeps the file system", what[i]);
			continue;
		}
		CHECK(ok != -1 && !(ok & (1 << i)) == (i < HOSTILE_MAX),
		    "confined as the monitor (%s): %s %s", root ?
		    "root, chroot" : "not root", what[i], i < HOSTILE_MAX ?
		    "is refused" : "works");
	}
	kill(other, SIGKILL);
	waitpid(other, NULL, 0);
	snprintf(path, sizeof(path), "%s/state.json", dir);
	unlink(path);
	rmdir(dir);
	return report();
}
