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
 * rmdir ROOT/v2v-conversion/TAG, then v2v-conversion itself unless
 * another run still has a cgroup in it.  Closes the descriptors given.
 */
void
netcg_remove(int rootfd, int parentfd, int cgfd, const char *tag)
{
	if (cgfd != -1)
		close(cgfd);
	if (parentfd != -1) {
		/* EBUSY: a process of the run is still in it. */
		if (unlinkat(parentfd, tag, AT_REMOVEDIR) == -1 &&
		    errno != ENOENT)
			log_warn("removing net_cls cgroup %s", tag);
		close(parentfd);
	}
	if (rootfd != -1) {
		if (unlinkat(rootfd, NETCG_DIR, AT_REMOVEDIR) == -1 &&
		    errno != ENOENT && errno != EBUSY && errno != ENOTEMPTY)
			log_warn("removing net_cls cgroup %s", NETCG_DIR);
		close(rootfd);
	}
}
