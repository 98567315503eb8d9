/* SPDX-License-Identifier: ISC */
/*
 * A run's net_cls cgroup as the parent (it makes it, and a run that
 * fails to start removes it), priv (the end of a run) and the cleanup of
 * dead runs all touch it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "common/log.h"
#include "common/netcg.h"

/*
 * Write a number to a cgroup file (cgroup.procs, net_cls.classid) at
 * dirfd; cgroupfs has no symbolic links, none is followed.  0 or -1.
 */
int
netcg_write(int dirfd, const char *file, unsigned long value)
{
	char	buf[32];
	int	fd, n, ok;

	n = snprintf(buf, sizeof(buf), "%lu\n", value);
	if ((fd = openat(dirfd, file, O_WRONLY | O_NOFOLLOW | O_CLOEXEC)) ==
	    -1)
		return -1;
	ok = write(fd, buf, n) == n;
	close(fd);
	return ok ? 0 : -1;
}

/*
 * Clear the classid of v2v-conversion/TAG, rmdir it and close the
 * descriptors given.
 * v2v-conversion itself stays: the hierarchy's root is 0555, and only
 * the parent, with CAP_DAC_OVERRIDE, may make or remove entries in it.
 */
void
netcg_remove(int parentfd, int cgfd, const char *tag)
{
	if (cgfd != -1) {
		/* If a process stays and the rmdir fails, it must not carry a
		 * class id that a later run may take. */
		if (netcg_write(cgfd, "net_cls.classid", 0) == -1)
			log_warn("net_cls.classid of %s", tag);
		close(cgfd);
	}
	if (parentfd != -1) {
		/* EBUSY: a process of the run is still in it. */
		if (unlinkat(parentfd, tag, AT_REMOVEDIR) == -1 &&
		    errno != ENOENT)
			log_warn("removing net_cls cgroup %s", tag);
		close(parentfd);
	}
}
