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
#include "common/slurp.h"
#include "common/wrapper.h"
#include "parent/parent.h"
#include "priv/priv.h"

/* The net_cls hierarchy under the cgroup root, or -1 and why. */
static int
netcg_root(const struct run *r, int *why)
{
	char		path[PATH_MAX];
	struct statfs	sfs;
	int		fd;

	*why = LIMIT_WHY_NONETCLS;
	if (snprintf(path, sizeof(path), "%s/net_cls", r->env.cgroup_root) >=
	    (int)sizeof(path))
		return -1;
	/* Often a symlink to net_cls,net_prio, in a directory of root's. */
	if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
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

/* A directory of root's that group and other cannot write. */
static int
netcg_mkdir(int dirfd, const char *name, int excl)
{
	struct stat	sb;
	int		fd, made;

	made = mkdirat(dirfd, name, 0755) == 0;
	if (!made && (excl || errno != EEXIST))
		return -1;
	if ((fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return -1;
	if (fstat(fd, &sb) == -1 || sb.st_uid != 0 ||
	    (sb.st_mode & (S_IWGRP | S_IWOTH)) ||
	    /* Our umask is 077: others may read it, as any cgroup. */
	    (made && fchmod(fd, 0755) == -1)) {
		close(fd);
		errno = EPERM;
		return -1;
	}
	return fd;
}

/*
 * Make the run's cgroup, when network throttling can work at all: root,
 * daemonized (the spec: no throttling in the foreground), net_cls
 * mounted.  Otherwise, or on an error, r->netwhy says why it cannot.
 */
void
netcg_prepare(const struct conf *cf, struct run *r)
{
	int	rootfd;

	r->netwhy = !r->root ? LIMIT_WHY_NOTROOT :
	    !cf->daemonize ? LIMIT_WHY_FOREGROUND : 0;
	if (r->netwhy != 0 || (rootfd = netcg_root(r, &r->netwhy)) == -1)
		return;
	r->netwhy = LIMIT_WHY_CGROUP;
	if ((r->netparentfd = netcg_mkdir(rootfd, NETCG_DIR, 0)) != -1 &&
	    (r->netcgfd = netcg_mkdir(r->netparentfd, r->tag, 1)) == -1) {
		close(r->netparentfd);
		r->netparentfd = -1;
	}
	close(rootfd);
	if (r->netcgfd == -1) {
		log_warn("net_cls cgroup %s/%s", NETCG_DIR, r->tag);
		return;
	}
	r->netwhy = 0;
	/* In a unit, virt-v2v joins as the conversion user. */
	if (fchownat(r->netcgfd, "cgroup.procs", r->conv_uid, -1, 0) == -1 ||
	    snprintf(r->netprocs, sizeof(r->netprocs),
	    "%s/net_cls/%s/%s/cgroup.procs", r->env.cgroup_root, NETCG_DIR,
	    r->tag) >= (int)sizeof(r->netprocs)) {
		log_warn("net_cls cgroup %s", r->tag);
		netcg_undo(r);
		r->netwhy = LIMIT_WHY_CGROUP;
	}
}

void
netcg_undo(struct run *r)
{
	netcg_remove(r->netparentfd, r->netcgfd, r->tag);
	r->netparentfd = r->netcgfd = -1;
	r->netprocs[0] = '\0';
}

/*
 * In the process that becomes virt-v2v, before its exec: move ourselves
 * into the run's cgroup.  A failure leaves virt-v2v unclassified; priv
 * checks membership before it promises a network limit.
 */
void
netcg_join(const char *procs)
{
	int	fd;

	if (procs == NULL || procs[0] == '\0')
		return;
	if ((fd = open(procs, O_WRONLY | O_NOFOLLOW | O_CLOEXEC)) == -1 ||
	    write(fd, "0\n", 2) != 2)
		log_warn("joining the net_cls cgroup");
	if (fd != -1)
		close(fd);
}

/* A dead run's class, named by its cgroup's classid: gone, and the
 * shared qdisc with it if no run has a class left. */
static void
netcg_reap_class(int basefd, int cgfd, const char *tag)
{
	struct tc	 t;
	char		 buf[32];
	unsigned long	 id;
	int		 lock;

	if (slurp_at(cgfd, "net_cls.classid", buf, sizeof(buf)) <= 0)
		return;
	id = strtoul(buf, NULL, 10);
	if ((id >> 16) != TC_MAJOR || (id & 0xffff) == 0)
		return;
	memset(&t, 0, sizeof(t));
	if ((lock = net_lock(basefd)) == -1)
		return;
	if (tc_open(&t) == 0) {
		log_info("cleanup: tc class abc:%lx of %s", id & 0xffff, tag);
		tc_release(&t, id & 0xffff);
		tc_close(&t);
	}
	net_unlock(lock);
}

/* What a dead run left of its network limit: its class and cgroup. */
void
netcg_reap(const struct env *e, int basefd, const char *tag)
{
	char	path[PATH_MAX];
	int	parentfd, cgfd;

	if (snprintf(path, sizeof(path), "%s/net_cls/%s", e->cgroup_root,
	    NETCG_DIR) >= (int)sizeof(path) ||
	    (parentfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return;
	if ((cgfd = openat(parentfd, tag, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) == -1) {
		close(parentfd);
		return;
	}
	netcg_reap_class(basefd, cgfd, tag);
	log_info("cleanup: net_cls cgroup %s", tag);
	netcg_remove(parentfd, cgfd, tag);
}
