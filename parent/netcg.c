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

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/config.h"
#include "common/log.h"
#include "common/netcg.h"
#include "common/slurp.h"
#include "common/wrapper.h"
#include "parent/parent.h"
#include "priv/priv.h"

#define NETCG_WAIT_MS	10000

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

static int
netcg_has_cgroup2(void)
{
	FILE	*f;
	char	*line = NULL;
	size_t	 len = 0;
	int	 found = 0;

	if ((f = fopen("/proc/self/mountinfo", "re")) == NULL)
		return 1;	/* cannot tell: assume the worst */
	while (!found && getline(&line, &len, f) != -1)
		found = strstr(line, " - cgroup2 ") != NULL;
	free(line);
	fclose(f);
	return found;
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
	struct utsname	u;
	int		rootfd;

	r->netwhy = !r->root ? LIMIT_WHY_NOTROOT :
	    !cf->daemonize ? LIMIT_WHY_FOREGROUND : 0;
	if (r->netwhy != 0 || (rootfd = netcg_root(r, &r->netwhy)) == -1)
		return;
	if (uname(&u) == -1 ||
	    netcg_hybrid_unsafe(u.release, netcg_has_cgroup2())) {
		r->netwhy = LIMIT_WHY_HYBRID;
		close(rootfd);
		return;
	}
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
	/*
	 * cgroup.procs stays root's: the conversion user cannot move its
	 * processes in or out.  A direct child joins while still root; in a
	 * unit priv moves the helper and the helper waits to be moved.
	 */
	if (snprintf(r->netcgpath, sizeof(r->netcgpath), "/%s/%s", NETCG_DIR,
	    r->tag) >= (int)sizeof(r->netcgpath)) {
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
	r->netcgpath[0] = '\0';
}

/* Is this process in the net_cls cgroup at path (as /proc shows it)? */
static int
netcg_in(const char *path)
{
	char	buf[4096], *line, *ctls, *ctl, *cg, *save = NULL;

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
 * The exec helper, as the conversion user: wait until priv has moved us
 * into the run's cgroup, so that virt-v2v and everything it forks are
 * classified from the first packet.  After NETCG_WAIT_MS, go on
 * unclassified (priv will answer network limits "not available").
 */
void
netcg_wait(const char *path)
{
	struct timespec	ts = { 0, 10 * 1000000L };
	int		i;

	for (i = 0; i < NETCG_WAIT_MS / 10; i++) {
		if (netcg_in(path))
			return;
		nanosleep(&ts, NULL);
	}
	log_warnx("not moved into the net_cls cgroup %s", path);
}

static int
netcg_parent(const struct env *e)
{
	char	path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/net_cls/%s", e->cgroup_root,
	    NETCG_DIR) >= (int)sizeof(path))
		return -1;
	return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* A dead run's cgroup: its classid no longer holds a class (the sweep
 * removes what no cgroup names), then the directory. */
void
netcg_reap(const struct env *e, const char *tag)
{
	int	parentfd, cgfd;

	if ((parentfd = netcg_parent(e)) == -1)
		return;
	if ((cgfd = openat(parentfd, tag, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) == -1) {
		close(parentfd);
		return;
	}
	log_info("cleanup: net_cls cgroup %s", tag);
	netcg_remove(parentfd, cgfd, tag);
}

/* The minors that the cgroups of live runs name. */
static void
netcg_keep(int parentfd, uint8_t *keep)
{
	struct dirent	*de;
	DIR		*d;
	char		 path[NAME_MAX + 32], buf[32];
	unsigned long	 id;
	int		 fd;

	if ((fd = dup(parentfd)) == -1 || (d = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || snprintf(path, sizeof(path),
		    "%s/net_cls.classid", de->d_name) >= (int)sizeof(path) ||
		    slurp_at(parentfd, path, buf, sizeof(buf)) <= 0)
			continue;
		id = strtoul(buf, NULL, 10);
		if ((id >> 16) == TC_MAJOR)
			keep[(id & 0xffff) / 8] |= 1 << (id & 7);
	}
	closedir(d);
}

/*
 * After the dead runs' cgroups are gone: under the host lock, remove
 * every class of abc: that no live run's cgroup names (a run killed
 * before it wrote its classid, or whose release failed), and our qdisc
 * where no class is left.  Nothing to do where net_cls is not in use.
 */
void
netcg_sweep(const struct env *e, int basefd)
{
	static uint8_t	 keep[(TC_MINOR_LAST + 1) / 8];
	struct tc	 t;
	int		 parentfd, lock;

	if ((parentfd = netcg_parent(e)) == -1)
		return;
	memset(keep, 0, sizeof(keep));
	memset(&t, 0, sizeof(t));
	if ((lock = net_lock(basefd)) != -1) {
		netcg_keep(parentfd, keep);
		if (tc_open(&t) == 0) {
			tc_sweep(&t, keep);
			tc_close(&t);
		}
		net_unlock(lock);
	}
	close(parentfd);
}
