/* SPDX-License-Identifier: ISC */
/*
 * Network limits on cgroup v2: a run's cgroup, CG2/v2v-conversion/TAG
 * under the cgroup2 mount, carries a BPF_PROG_TYPE_CGROUP_SKB egress
 * program that copies one mapped value into skb->priority; HTB takes
 * the run's class straight from it (reference/cgroup2-bpf.md).  Here is
 * what every process needs of it: where the cgroup2 hierarchy is, and
 * the removal of a dead run's cgroup.  The parent loads and attaches
 * (parent/steer.c), priv writes the value (priv/netlimit.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/netcg.h"
#include "common/steer.h"

/*
 * The first cgroup2 mount in /proc/self/mountinfo ("ID PARENT MAJ:MIN
 * ROOT MOUNTPOINT OPTIONS... - cgroup2 SOURCE SUPER"), or -1.
 */
int
steer_cg2_root(char *buf, size_t len)
{
	char	*line = NULL, *mp, *end;
	size_t	 cap = 0;
	FILE	*f;
	int	 i, rv = -1;

	if ((f = fopen("/proc/self/mountinfo", "re")) == NULL)
		return -1;
	while (rv == -1 && getline(&line, &cap, f) != -1) {
		if (strstr(line, " - cgroup2 ") == NULL)
			continue;
		for (mp = line, i = 0; i < 4 && mp != NULL; i++)
			if ((mp = strchr(mp, ' ')) != NULL)
				mp++;
		if (mp == NULL || (end = strchr(mp, ' ')) == NULL)
			continue;
		/* Octal escapes (\040) mean a mount point we will not use. */
		if (memchr(mp, '\\', end - mp) == NULL &&
		    snprintf(buf, len, "%.*s", (int)(end - mp), mp) < (int)len)
			rv = 0;
	}
	free(line);
	fclose(f);
	return rv;
}

/*
 * Is a file system of this type ("cgroup" for v1, "cgroup2") mounted?
 * When /proc cannot tell, yes: the careful answer for both callers.
 */
int
steer_mounted(const char *fstype)
{
	char	 want[32], *line = NULL;
	size_t	 len = 0;
	FILE	*f;
	int	 found = 0;

	snprintf(want, sizeof(want), " - %s ", fstype);
	if ((f = fopen("/proc/self/mountinfo", "re")) == NULL)
		return 1;
	while (!found && getline(&line, &len, f) != -1)
		found = strstr(line, want) != NULL;
	free(line);
	fclose(f);
	return found;
}

/* ROOT/v2v-conversion, or -1 (none for a root of ""). */
int
steer_parent(const char *root)
{
	char	path[4200];

	if (root[0] == '\0' || snprintf(path, sizeof(path), "%s/%s", root,
	    NETCG_DIR) >= (int)sizeof(path))
		return -1;
	return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* The run's cgroup at its end: gone, and its program with it; the
 * descriptors given are closed.  EBUSY: a process of the run stays. */
void
steer_remove(int parentfd, int cgfd, const char *tag)
{
	if (cgfd != -1)
		close(cgfd);
	if (parentfd == -1)
		return;
	if (unlinkat(parentfd, tag, AT_REMOVEDIR) == -1 && errno != ENOENT)
		log_warn("removing cgroup2 cgroup %s", tag);
	close(parentfd);
}

/* A dead run's cgroup, or its unit's pinned program: gone with it. */
void
steer_reap(const char *root, const char *tag)
{
	char	pin[256];
	int	parentfd;

	if (snprintf(pin, sizeof(pin), "%s/%s/%s", STEER_BPFFS, STEER_PIN_DIR,
	    tag) < (int)sizeof(pin) && unlink(pin) == 0)
		log_info("cleanup: pinned program %s", tag);
	if ((parentfd = steer_parent(root)) == -1)
		return;
	if (unlinkat(parentfd, tag, AT_REMOVEDIR) == 0)
		log_info("cleanup: cgroup2 cgroup %s", tag);
	else if (errno != ENOENT)
		log_warn("cleanup: cgroup2 cgroup %s", tag);
	close(parentfd);
}
