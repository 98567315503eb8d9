/*
 * Removing a run's net_cls cgroup: parent (a run that fails to start),
 * priv (the end of a run) and the cleanup of dead runs all do it.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "common/log.h"
#include "common/netcg.h"

/*
 * Clear the classid of v2v-conversion/TAG, rmdir it and close the
 * descriptors given.
 * v2v-conversion itself stays: the hierarchy's root is 0555, and only
 * the parent, with CAP_DAC_OVERRIDE, may make or remove entries in it.
 */
void
netcg_remove(int parentfd, int cgfd, const char *tag)
{
	int	fd;

	if (cgfd != -1) {
		/* If a process stays and the rmdir fails, it must not carry a
		 * class id that a later run may take. */
		if ((fd = openat(cgfd, "net_cls.classid", O_WRONLY |
		    O_CLOEXEC)) != -1) {
			if (write(fd, "0\n", 2) != 2)
				log_warn("net_cls.classid of %s", tag);
			close(fd);
		}
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
