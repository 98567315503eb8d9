/* SPDX-License-Identifier: ISC */
/*
 * A run's net_cls cgroup and its tc class, for every process that
 * touches them: the parent makes the cgroup (and removes it when a run
 * fails to start), priv writes its class id and removes it at the end,
 * and the cleanup of dead runs removes what they left.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/netcg.h"
#include "common/slurp.h"
#include "common/steer.h"
#include "common/tc.h"
#include "common/wrapper.h"

#define NETCG_LOCK_NAME	".tc-lock"
#define NETCG_LOCK_MS	10000

/* The class id that sends a cgroup's packets to our class minor. */
uint32_t
netcg_classid(uint32_t minor)
{
	return (TC_MAJOR << 16) | (minor & 0xffff);
}

/* The minor of one of our class ids, 0 for anyone else's (or none). */
uint32_t
netcg_minor(unsigned long classid)
{
	return (classid >> 16) == TC_MAJOR ? classid & 0xffff : 0;
}

/*
 * ROOT/net_cls, or with sub, ROOT/net_cls/SUB: often a symlink to
 * net_cls,net_prio, in a directory of root's.  A descriptor, or -1.
 */
int
netcg_open(const char *root, const char *sub)
{
	char	path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/net_cls%s%s", root,
	    sub != NULL ? "/" : "", sub != NULL ? sub : "") >=
	    (int)sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

struct lockwait {
	int	fd;
	int	error;
};

static int
netcg_locked(void *arg)
{
	struct lockwait	*w = arg;

	w->error = flock(w->fd, LOCK_EX | LOCK_NB) == 0 ? 0 : errno;
	return w->error != EWOULDBLOCK;
}

/*
 * The host lock: a flock on a file of root's, mode 0600, in the base run
 * directory (root's, 0755), which only root can open: no other user can
 * take it and stall every run.  It stays there, empty, between runs.
 * -1 if not had within NETCG_LOCK_MS.
 */
int
netcg_lock(int basefd)
{
	struct lockwait	w = { -1, 0 };
	struct stat	sb;

	if ((w.fd = openat(basefd, NETCG_LOCK_NAME, O_RDWR | O_CREAT |
	    O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600)) == -1) {
		log_warn("tc lock %s", NETCG_LOCK_NAME);
		return -1;
	}
	if (fstat(w.fd, &sb) == -1 || !S_ISREG(sb.st_mode) ||
	    sb.st_uid != 0 || (sb.st_mode & 077) != 0) {
		log_warnx("tc lock %s: not a private file of root's",
		    NETCG_LOCK_NAME);
		close(w.fd);
		return -1;
	}
	if (wait_for(netcg_locked, &w, NETCG_LOCK_MS, 10) && w.error == 0)
		return w.fd;
	log_warnx("tc lock: not had within %d s", NETCG_LOCK_MS / 1000);
	close(w.fd);
	return -1;
}

void
netcg_unlock(int fd)
{
	if (fd != -1)
		close(fd);
}

/*
 * A cgroup directory of root's that group and other cannot write, made
 * (excl: it must not exist yet) or found; its descriptor, or -1.
 */
int
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

/* A dead run's cgroup: its classid no longer holds a class (the sweep
 * removes what no cgroup names), then the directory. */
void
netcg_reap(const char *root, const char *tag)
{
	int	parentfd, cgfd;

	if ((parentfd = netcg_open(root, NETCG_DIR)) == -1)
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
	uint32_t	 minor;
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
		if ((minor = netcg_minor(strtoul(buf, NULL, 10))) != 0)
			keep[minor / 8] |= 1 << (minor & 7);
	}
	closedir(d);
}

/* The minors live runs on cgroup v2 named in their private directory. */
static void
netcg_keep_steered(int basefd, uint8_t *keep)
{
	struct dirent	*de;
	DIR		*d;
	char		 path[NAME_MAX + 32], buf[32];
	size_t		 len, slen = strlen(PRIVATE_SUFFIX);
	uint32_t	 minor;
	int		 fd;

	if ((fd = dup(basefd)) == -1 || (d = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len <= slen || strcmp(de->d_name + len - slen,
		    PRIVATE_SUFFIX) != 0 || snprintf(path, sizeof(path),
		    "%s/%s", de->d_name, STEER_CLASS_NAME) >= (int)sizeof(path) ||
		    slurp_at(basefd, path, buf, sizeof(buf)) <= 0)
			continue;
		minor = strtoul(buf, NULL, 10);
		if (minor >= TC_MINOR_FIRST && minor <= TC_MINOR_LAST)
			keep[minor / 8] |= 1 << (minor & 7);
	}
	closedir(d);
}

/*
 * After the dead runs' cgroups are gone: under the host lock, remove
 * every class of abc: that no live run names (a run killed before it
 * wrote its classid, or whose release failed), and our qdisc where no
 * class is left.  Live runs name theirs in their net_cls cgroup's
 * classid or, on cgroup v2, in their private directory.  Nothing to do
 * where neither is in use.
 */
void
netcg_sweep(const char *root, const char *root2, int basefd)
{
	static uint8_t	 keep[(TC_MINOR_LAST + 1) / 8];
	struct tc	 t;
	int		 parentfd, steerfd, lock;

	parentfd = netcg_open(root, NETCG_DIR);
	steerfd = steer_parent(root2);
	if (parentfd == -1 && steerfd == -1)
		return;
	memset(keep, 0, sizeof(keep));
	memset(&t, 0, sizeof(t));
	if ((lock = netcg_lock(basefd)) != -1) {
		if (parentfd != -1)
			netcg_keep(parentfd, keep);
		netcg_keep_steered(basefd, keep);
		if (tc_open(&t) == 0) {
			tc_sweep(&t, keep);
			tc_close(&t);
		}
		netcg_unlock(lock);
	}
	if (parentfd != -1)
		close(parentfd);
	if (steerfd != -1)
		close(steerfd);
}
