/* SPDX-License-Identifier: ISC */
/*
 * The exec helper: what a systemd unit runs.  systemd starts it as the
 * conversion user; it puts the v2v log on stdout and stderr and the
 * machine-readable log on descriptor 3 (no shell, no redirection), checks
 * that each is the very file the parent created (device and inode: the
 * log directory may be that user's, and a name can be swapped), and
 * execs virt-v2v with exactly the environment given, not systemd's.
 *
 *   virt-v2v-wrapper --exec-helper-internal DEV:INO:V2VLOG DEV:INO:MRLOG
 *       [--cgroup /v2v-conversion/TAG] [--env K=V]... -- VIRT-V2V ARG...
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <paths.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/slurp.h"
#include "common/wrapper.h"
#include "parent/parent.h"

#define HELPER_ENV_MAX	64
#define HELPER_CGROUP_MS	10000

/* "DEV:INO:PATH" opened for appending, and proven to be that file. */
static int
open_checked(const char *spec)
{
	uintmax_t	 dev, ino;
	struct stat	 sb;
	char		*end;
	int		 fd;

	dev = strtoumax(spec, &end, 10);
	if (*end++ != ':')
		fatalx("exec helper: bad file spec");
	ino = strtoumax(end, &end, 10);
	if (*end++ != ':' || *end != '/')
		fatalx("exec helper: bad file spec");
	/* Non-blocking: a FIFO put in its place must not hang us. */
	if ((fd = open(end, O_WRONLY | O_APPEND | O_NOFOLLOW | O_NOCTTY |
	    O_NONBLOCK | O_CLOEXEC)) == -1)
		fatal("exec helper: %s", end);
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode) ||
	    (uintmax_t)sb.st_dev != dev || (uintmax_t)sb.st_ino != ino)
		fatalx("exec helper: %s is not the file the wrapper made", end);
	if (fcntl(fd, F_SETFL, O_APPEND) == -1)
		fatal("exec helper: %s", end);
	return fd;
}

/* Writes "DEV:INO:PATH" of the open fd into buf. */
int
helper_spec(char *buf, size_t len, int fd, const char *path)
{
	struct stat	sb;

	if (fstat(fd, &sb) == -1)
		return -1;
	if (snprintf(buf, len, "%ju:%ju:%s", (uintmax_t)sb.st_dev,
	    (uintmax_t)sb.st_ino, path) >= (int)len)
		return -1;
	return 0;
}

/* Is this process in the net_cls cgroup at path (as /proc shows it)? */
static int
in_cgroup(void *arg)
{
	const char	*path = arg;
	char		 buf[4096], *line, *ctls, *ctl, *cg, *save = NULL;

	if (slurp_at(AT_FDCWD, "/proc/self/cgroup", buf, sizeof(buf)) <= 0)
		return 0;
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		/* "ID:CONTROLLER,CONTROLLER...:PATH" */
		if ((ctls = strchr(line, ':')) == NULL ||
		    (cg = strchr(++ctls, ':')) == NULL)
			continue;
		*cg++ = '\0';
		if (strcmp(cg, path) != 0)
			continue;
		while ((ctl = strsep(&ctls, ",")) != NULL)
			if (strcmp(ctl, "net_cls") == 0)
				return 1;
	}
	return 0;
}

/*
 * As the conversion user: wait until priv has moved us into the run's
 * cgroup, so that virt-v2v and everything it forks are classified from
 * the first packet.  After HELPER_CGROUP_MS, go on unclassified (priv
 * will answer network limits "not available").
 */
static void
wait_cgroup(const char *path)
{
	if (!wait_for(in_cgroup, (void *)(uintptr_t)path, HELPER_CGROUP_MS,
	    10))
		log_warnx("not moved into the net_cls cgroup %s", path);
}

void
exec_helper(int argc, char *argv[])
{
	char	*envp[HELPER_ENV_MAX + 1];
	int	 log, mr, null, i, n = 0;

	log_procinit("exec-helper");
	log_init(1, 0);
	if (argc < 6)
		fatalx("exec helper: bad arguments");
	log = open_checked(argv[2]);
	mr = open_checked(argv[3]);
	i = 4;
	if (i + 1 < argc && strcmp(argv[i], "--cgroup") == 0) {
		wait_cgroup(argv[i + 1]);
		i += 2;
	}
	for (; i + 1 < argc && strcmp(argv[i], "--env") == 0; i += 2) {
		if (n == HELPER_ENV_MAX)
			fatalx("exec helper: too many --env");
		envp[n++] = argv[i + 1];
	}
	envp[n] = NULL;
	if (i >= argc || strcmp(argv[i], "--") != 0 || i + 1 >= argc)
		fatalx("exec helper: no command");
	if ((null = open(_PATH_DEVNULL, O_RDONLY)) == -1 ||
	    dup2(null, STDIN_FILENO) == -1 ||
	    dup2(log, STDOUT_FILENO) == -1 || dup2(log, STDERR_FILENO) == -1 ||
	    dup2(mr, 3) == -1)
		fatal("exec helper: dup2");
	closefrom(4);
	if (chdir("/") == -1)
		fatal("exec helper: chdir");
	execve(argv[i + 1], argv + i + 1, envp);
	fatal("exec helper: %s", argv[i + 1]);
}
