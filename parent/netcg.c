/* SPDX-License-Identifier: ISC */
/*
 * The run's net_cls cgroup, ROOT/net_cls/v2v-conversion/TAG, made while
 * the parent is full root.  virt-v2v joins it before its exec, so that
 * it and every child it forks carry the classid priv writes once a
 * network limit is asked for.
 *
 * Only a cgroup v1 hierarchy that has net_cls is used, and only if it is
 * already mounted: on a cgroup-v2-only host a net_cls classid would, on
 * older kernels, turn off cgroup2 socket matching for the whole host, so
 * network throttling is unavailable there instead.
 */
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/vfs.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/config.h"
#include "common/log.h"
#include "common/netcg.h"
#include "common/steer.h"
#include "common/wrapper.h"
#include "parent/parent.h"

/* The net_cls hierarchy under the cgroup root, or -1 and why. */
static int
netcg_root(const struct run *r, int *why)
{
	struct statfs	sfs;
	int		fd;

	*why = LIMIT_WHY_NONETCLS;
	if ((fd = netcg_open(r->env.cgroup_root, NULL)) == -1) {
		if (statfs(r->env.cgroup_root, &sfs) == 0 &&
		    sfs.f_type == CGROUP2_SUPER_MAGIC)
			*why = LIMIT_WHY_CGROUP2;
		return -1;
	}
	if (fstatfs(fd, &sfs) == -1 || sfs.f_type != CGROUP_SUPER_MAGIC ||
	    faccessat(fd, "net_cls.classid", F_OK, 0) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Before Linux 5.15 a net_cls classid (and a net_prio map) turns off
 * cgroup2 socket matching for the whole host: systemd's IPAddressDeny=
 * and the like stop working.  So on such a kernel with a cgroup2
 * hierarchy mounted beside v1 (a "hybrid" host) net_cls is not ours to
 * use.  1 when it is not; an unknown release counts as old.
 */
int
netcg_hybrid_unsafe(const char *release, int has_cgroup2)
{
	int	maj, min;

	if (!has_cgroup2)
		return 0;
	if (sscanf(release, "%d.%d", &maj, &min) != 2)
		return 1;
	return maj < 5 || (maj == 5 && min < 15);
}

/*
 * Make the run's cgroup, when network throttling can work at all: root,
 * daemonized (the spec: no throttling in the foreground), net_cls
 * mounted.  Otherwise, or on an error, r->pc.netwhy says why it cannot.
 */
void
netcg_prepare(const struct conf *cf, struct run *r)
{
	struct utsname	u;
	int		rootfd;

	r->pc.netwhy = !r->pc.root ? LIMIT_WHY_NOTROOT :
	    !cf->daemonize ? LIMIT_WHY_FOREGROUND : 0;
	if (r->pc.netwhy != 0 || (rootfd = netcg_root(r, &r->pc.netwhy)) == -1)
		return;
	if (uname(&u) == -1 ||
	    netcg_hybrid_unsafe(u.release, steer_mounted("cgroup2"))) {
		r->pc.netwhy = LIMIT_WHY_HYBRID;
		close(rootfd);
		return;
	}
	r->pc.netwhy = LIMIT_WHY_CGROUP;
	if ((r->pc.netparentfd = netcg_mkdir(rootfd, NETCG_DIR, 0)) != -1 &&
	    (r->pc.netcgfd = netcg_mkdir(r->pc.netparentfd, r->pc.tag, 1)) == -1) {
		close(r->pc.netparentfd);
		r->pc.netparentfd = -1;
	}
	close(rootfd);
	if (r->pc.netcgfd == -1) {
		log_warn("net_cls cgroup %s/%s", NETCG_DIR, r->pc.tag);
		return;
	}
	r->pc.netwhy = 0;
	/*
	 * cgroup.procs stays root's: the conversion user cannot move its
	 * processes in or out.  A direct child joins while still root; in a
	 * unit priv moves the helper and the helper waits to be moved.
	 */
	if (snprintf(r->netcgpath, sizeof(r->netcgpath), "/%s/%s", NETCG_DIR,
	    r->pc.tag) >= (int)sizeof(r->netcgpath)) {
		log_warn("net_cls cgroup %s", r->pc.tag);
		netcg_undo(r);
		r->pc.netwhy = LIMIT_WHY_CGROUP;
	}
}

void
netcg_undo(struct run *r)
{
	netcg_remove(r->pc.netparentfd, r->pc.netcgfd, r->pc.tag);
	r->pc.netparentfd = r->pc.netcgfd = -1;
	r->netcgpath[0] = '\0';
}
