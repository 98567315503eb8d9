/* SPDX-License-Identifier: ISC */
/*
 * The monitor's seccomp filter, installed in a child of the test: exec
 * and ptrace fail, network sockets fail, AF_UNIX sockets and ordinary
 * calls still work, and the kernel reports the filter.
 */
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "monitor/monitor.h"

enum { EXEC_OK = 1, EXECAT_OK = 2, PTRACE_OK = 4, INET_OK = 8,
    UNIX_BAD = 16, GETPID_BAD = 32, NOT_MODE2 = 64, INSTALL_BAD = 128 };

static int
seccomp_mode(void)
{
	char	line[256];
	int	mode = -1;
	FILE	*f = fopen("/proc/self/status", "r");

	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "Seccomp: %d", &mode) == 1)
			break;
	if (f != NULL)
		fclose(f);
	return mode;
}

/* In the child: returns a bit per broken expectation. */
static int
probe(void)
{
	static char	 prog[] = "/bin/true";
	char		*argv[] = { prog, NULL }, *envp[] = { NULL };
	int		 bad = 0, fd;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
	    seccomp_confine() == -1)
		return INSTALL_BAD;
	if (execve("/bin/true", argv, envp) != -1 || errno != EPERM)
		bad |= EXEC_OK;
	if (execveat(-1, "/bin/true", argv, envp, 0) != -1 || errno != EPERM)
		bad |= EXECAT_OK;
	if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) != -1 || errno != EPERM)
		bad |= PTRACE_OK;
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) != -1 ||
	    errno != EAFNOSUPPORT)
		bad |= INET_OK;
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		bad |= UNIX_BAD;
	else
		close(fd);
	if (getpid() <= 0)
		bad |= GETPID_BAD;
	if (seccomp_mode() != 2)
		bad |= NOT_MODE2;
	return bad;
}

int
main(void)
{
	static const char *what[] = { "execve fails with EPERM",
	    "execveat fails with EPERM", "ptrace fails with EPERM",
	    "an AF_INET socket fails", "an AF_UNIX socket works",
	    "ordinary calls work", "/proc says Seccomp: 2",
	    "the filter installs" };
	int	status, bad, i, pass = 0, fail = 0;
	pid_t	pid;

	if ((pid = fork()) == 0)
		_exit(probe());
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) {
		printf("not ok 1 - the child ended by signal %d\n",
		    WIFSIGNALED(status) ? WTERMSIG(status) : 0);
		printf("0 passed, 1 failed\n");
		return 1;
	}
	bad = WEXITSTATUS(status);
	for (i = 0; i < 8; i++) {
		printf("%s %d - %s\n", bad & (1 << i) ? "not ok" : "ok",
		    i + 1, what[i]);
		bad & (1 << i) ? fail++ : pass++;
	}
	printf("%d passed, %d failed\n", pass, fail);
	return fail != 0;
}
