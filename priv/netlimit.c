/* SPDX-License-Identifier: ISC */
/*
 * A run's network limit: on the first one, under the host lock, tc
 * shapes the host and reserves our class, and the run's net_cls cgroup
 * gets that class id; later ones change the class's rate.  At the end
 * the class goes, the shared qdisc with it if no run has a class left,
 * and the cgroup.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/netcg.h"
#include "common/slurp.h"
#include "common/wrapper.h"
#include "priv/priv.h"

#define NET_LOCK_NAME	".tc-lock"
#define NET_LOCK_MS	10000

/*
 * The host lock: a flock on a file of root's, mode 0600, in the base run
 * directory (root's, 0755), which only root can open: no other user can
 * take it and stall every run.  It stays there, empty, between runs.
 * -1 if not had within NET_LOCK_MS.
 */
int
net_lock(int basefd)
{
	struct timespec	ts = { 0, 10 * 1000000L };
	struct stat	sb;
	int		fd, i;

	if ((fd = openat(basefd, NET_LOCK_NAME, O_RDWR | O_CREAT | O_NOFOLLOW |
	    O_NONBLOCK | O_CLOEXEC, 0600)) == -1) {
		log_warn("tc lock %s", NET_LOCK_NAME);
		return -1;
	}
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode) || sb.st_uid != 0 ||
	    (sb.st_mode & 077) != 0) {
		log_warnx("tc lock %s: not a private file of root's",
		    NET_LOCK_NAME);
		close(fd);
		return -1;
	}
	for (i = 0; i < NET_LOCK_MS / 10; i++) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return fd;
		if (errno != EWOULDBLOCK)
			break;
		nanosleep(&ts, NULL);
	}
	log_warnx("tc lock: not had within %d s", NET_LOCK_MS / 1000);
	close(fd);
	return -1;
}

void
net_unlock(int fd)
{
	if (fd != -1)
		close(fd);
}

/* Is this pid in the run's cgroup?  Without it a limit limits nothing. */
static int
net_joined(struct privconf *pc, pid_t pid)
{
	char	buf[16384], *p, *end;

	if (slurp_at(pc->netcgfd, "cgroup.procs", buf, sizeof(buf)) <= 0)
		return 0;
	for (p = buf; *p != '\0'; p = end) {
		if (strtol(p, &end, 10) == pid)
			return 1;
		if (end == p)
			break;
		end += strspn(end, "\n");
	}
	return 0;
}

/* The first limit: shape, reserve, classify.  A limit_status. */
static int
net_first(struct privconf *pc, uint64_t rate, int *why)
{
	int	lock, r;

	if ((lock = net_lock(pc->basefd)) == -1)
		return LIMIT_FAILED;
	if (pc->tc.sk == NULL && tc_open(&pc->tc) == -1) {
		log_warnx("tc: no rtnetlink socket");
		net_unlock(lock);
		return LIMIT_FAILED;
	}
	r = tc_reserve(&pc->tc, rate);
	if (r == 0 && netcg_write(pc->netcgfd, "net_cls.classid",
	    (TC_MAJOR << 16) | pc->tc.minor) == -1) {
		log_warn("net_cls.classid of %s", pc->tag);
		tc_release(&pc->tc, pc->tc.minor);
		r = -1;
	}
	net_unlock(lock);
	if (r == 0)
		return LIMIT_APPLIED;
	if (r == -1)
		return LIMIT_FAILED;
	/* Answered once and for all: no churn on the host at each try. */
	pc->netwhy = *why = r == TC_ENOCLS ? LIMIT_WHY_NOCLS : LIMIT_WHY_NOIF;
	return LIMIT_UNAVAILABLE;
}

/*
 * A unit's process, right after systemd started it: into the run's
 * cgroup (root's cgroup.procs; cgroup v1 lets euid 0 move any task).
 * The exec helper waits for this before it executes virt-v2v.
 */
void
net_adopt(struct privconf *pc, pid_t pid)
{
	if (pc->netcgfd != -1 &&
	    netcg_write(pc->netcgfd, "cgroup.procs", pid) == -1)
		log_warn("moving pid %ld into net_cls cgroup %s", (long)pid,
		    pc->tag);
}

/* A limit_status; *why when LIMIT_UNAVAILABLE.  0 bytes: unlimited. */
int
net_limit(struct privconf *pc, pid_t pid, long long bytes, int *why)
{
	uint64_t	rate = bytes == 0 ? TC_UNLIMITED : (uint64_t)bytes;

	if (pc->netwhy != 0 || pc->netcgfd == -1) {
		*why = pc->netwhy != 0 ? pc->netwhy : LIMIT_WHY_CGROUP;
		return LIMIT_UNAVAILABLE;
	}
	if (pc->tc.minor != 0)
		return tc_rate(&pc->tc, rate) == 0 ? LIMIT_APPLIED :
		    LIMIT_FAILED;
	/* Nothing to lift: the host stays untouched. */
	if (bytes == 0)
		return LIMIT_APPLIED;
	if (!net_joined(pc, pid)) {
		*why = LIMIT_WHY_NOTJOINED;
		return LIMIT_UNAVAILABLE;
	}
	return net_first(pc, rate, why);
}

/* The end of the run: our class, the qdisc if unused, the cgroup. */
void
net_release(struct privconf *pc)
{
	int	lock;

	if (pc->tc.minor != 0) {
		if ((lock = net_lock(pc->basefd)) != -1) {
			tc_release(&pc->tc, pc->tc.minor);
			net_unlock(lock);
		} else
			log_warnx("tc: class abc:%x left for the next cleanup",
			    pc->tc.minor);
	}
	tc_close(&pc->tc);
	if (pc->netcgfd == -1)
		return;
	netcg_remove(pc->netparentfd, pc->netcgfd, pc->tag);
	pc->netparentfd = pc->netcgfd = -1;
}
