/* SPDX-License-Identifier: ISC */
/*
 * tryptrace PID: try to attach to PID with ptrace; print "attached" or
 * the error.  The tests run it as the conversion user against the
 * monitor, which must refuse.
 */
#include <sys/ptrace.h>
#include <sys/wait.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
main(int argc, char *argv[])
{
	pid_t	pid;

	if (argc != 2)
		return 2;
	pid = atoi(argv[1]);
	if (ptrace(PTRACE_ATTACH, pid, NULL, NULL) == -1) {
		printf("%s\n", strerrorname_np(errno));
		return 1;
	}
	waitpid(pid, NULL, 0);
	ptrace(PTRACE_DETACH, pid, NULL, NULL);
	printf("attached\n");
	return 0;
}
