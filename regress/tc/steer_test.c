/* SPDX-License-Identifier: ISC */
/*
 * The privilege facts cgroup v2 steering rests on, on the running
 * kernel (issue 14): the parent, full root, loads the map and the
 * program; a process with priv's capabilities (CAP_NET_ADMIN and
 * CAP_KILL, priv/caps.c) cannot load or create either, but can attach
 * the loaded program to a cgroup, and a process with no capability at
 * all changes the value the program reads through the mapping.
 */
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/steer.h"
#include "parent/parent.h"
#include "priv/priv.h"
#include "regress/check.h"

enum { LOAD_REFUSED = 1, ATTACH_OK = 2, WRITE_OK = 4, SETUP = 8 };

/* A child as priv is: what it could do, as bits. */
static int
as_priv(int cgfd, int progfd, volatile uint32_t *value)
{
	struct steer_objs	s;
	int			bits = 0;

	caps_drop();
	if (steer_load(&s) == -1 && errno == EPERM)
		bits |= LOAD_REFUSED;
	if (steer_attach(cgfd, progfd) == 0)
		bits |= ATTACH_OK;
	*value = 0xabc0007;
	if (*value == 0xabc0007)
		bits |= WRITE_OK;
	return bits;
}

/* A child with no capability and no root: the mapped write only. */
static int
as_nobody(volatile uint32_t *value)
{
	if (setgroups(0, NULL) == -1 || setresgid(65534, 65534, 65534) == -1 ||
	    setresuid(65534, 65534, 65534) == -1)
		return SETUP;
	*value = 0xabc0009;
	return WRITE_OK;
}

static int
child(int (*fn)(void *), void *arg)
{
	pid_t	pid;
	int	status;

	if ((pid = fork()) == 0)
		_exit(fn(arg));
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static struct steer_objs	S;
static int			CG;

static int
run_as_priv(void *arg)
{
	(void)arg;
	return as_priv(CG, S.progfd, S.value);
}

static int
run_as_nobody(void *arg)
{
	(void)arg;
	return as_nobody(S.value);
}

int
main(void)
{
	char	root[4096], dir[4200];
	int	bits;

	setvbuf(stdout, NULL, _IONBF, 0);
	if (getuid() != 0) {
		printf("skip 1 - steering privileges: needs root\n");
		return 0;
	}
	if (steer_cg2_root(root, sizeof(root)) == -1) {
		printf("skip 1 - steering privileges: no cgroup2 hierarchy\n");
		return 0;
	}
	bits = steer_load(&S);
	CHECK(bits == 0, "full root loads the map and the program%s%s",
	    bits == 0 ? "" : ": ", bits == 0 ? "" : strerror(errno));
	snprintf(dir, sizeof(dir), "%s/v2vw-steer-test-%d", root, (int)getpid());
	if (mkdir(dir, 0755) == -1 || (CG = open(dir, O_RDONLY | O_DIRECTORY)) ==
	    -1) {
		CHECK(0, "a test cgroup %s", dir);
		return report();
	}
	bits = child(run_as_priv, NULL);
	CHECK(bits != -1 && (bits & LOAD_REFUSED), "with priv's capabilities: "
	    "map creation and program load refused (EPERM)");
	CHECK(bits != -1 && (bits & ATTACH_OK), "with priv's capabilities: "
	    "attaching the loaded program to a cgroup works");
	CHECK(bits != -1 && (bits & WRITE_OK) && *S.value == 0xabc0007,
	    "with priv's capabilities: the mapped write reaches the map");
	bits = child(run_as_nobody, NULL);
	CHECK(bits == WRITE_OK && *S.value == 0xabc0009, "with no capability "
	    "and no root: the mapped write reaches the map");
	close(CG);
	CHECK(rmdir(dir) == 0, "the test cgroup goes, its program with it");
	steer_unload(&S);
	return report();
}
