/* SPDX-License-Identifier: ISC */
/*
 * A run's network limit: on the first one, under the host lock, tc
 * shapes the host and reserves our class, and the run's cgroup is
 * steered into it: on cgroup v2 by the class id written to the value
 * the run's BPF program reads (no bpf() call here, a plain store into
 * memory the parent mapped), else by the net_cls cgroup's classid.
 * Later ones change the class's rate.  At the end the class goes, the
 * shared qdisc with it if no run has a class left, and the cgroup.
 * Paths, the lock and class ids: common/netcg.c, common/steer.c.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/netcg.h"
#include "common/slurp.h"
#include "common/steer.h"
#include "common/tc.h"
#include "common/wrapper.h"
#include "priv/priv.h"

/* The run's cgroup: cgroup v2's, or net_cls's, or -1. */
static int
net_cgfd(const struct privconf *c)
{
	return c->steer != NULL ? c->steercgfd : c->netcgfd;
}

/* Is this pid in the run's cgroup?  Without it a limit limits nothing. */
static int
net_joined(const struct privconf *c, pid_t pid)
{
	char	buf[16384], *p, *end;

	if (slurp_at(net_cgfd(c), "cgroup.procs", buf, sizeof(buf)) <= 0)
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

/*
 * Send the run's packets to our class.  cgroup v2: the program's value,
 * and the class named in the private directory for the sweep of dead
 * runs' classes (the value is not readable without bpf()); net_cls: the
 * cgroup's classid, which the sweep reads.  Under the host lock.
 */
static int
net_steer(struct priv *p)
{
	const struct privconf	*c = p->conf;
	char			 buf[16];
	int			 fd, n, ok;

	if (c->steer == NULL) {
		if (netcg_write(c->netcgfd, "net_cls.classid",
		    netcg_classid(p->tc.minor)) == -1) {
			log_warn("net_cls.classid of %s", c->tag);
			return -1;
		}
		return 0;
	}
	n = snprintf(buf, sizeof(buf), "%u\n", p->tc.minor);
	if ((fd = openat(c->privdirfd, STEER_CLASS_NAME, O_WRONLY | O_CREAT |
	    O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600)) == -1) {
		log_warn("%s of %s", STEER_CLASS_NAME, c->tag);
		return -1;
	}
	ok = write(fd, buf, n) == n;
	close(fd);
	if (!ok)
		return -1;
	*c->steer = netcg_classid(p->tc.minor);
	return 0;
}

/* The first limit: shape, reserve, classify.  A limit_status. */
static int
net_first(struct priv *p, uint64_t rate, int *why)
{
	const struct privconf	*c = p->conf;
	int			 lock, r;

	if ((lock = netcg_lock(c->basefd)) == -1)
		return LIMIT_FAILED;
	if (p->tc.sk == NULL && tc_open(&p->tc) == -1) {
		log_warnx("tc: no rtnetlink socket");
		netcg_unlock(lock);
		return LIMIT_FAILED;
	}
	r = tc_reserve(&p->tc, rate);
	if (r == 0 && net_steer(p) == -1) {
		tc_release(&p->tc, p->tc.minor);
		r = -1;
	}
	netcg_unlock(lock);
	if (r == 0)
		return LIMIT_APPLIED;
	if (r == -1)
		return LIMIT_FAILED;
	/* Answered once and for all: no churn on the host at each try. */
	p->netwhy = *why = r == TC_ENOCLS ? LIMIT_WHY_NOCLS : LIMIT_WHY_NOIF;
	return LIMIT_UNAVAILABLE;
}

/*
 * A unit's process, right after systemd started it: into the run's
 * cgroup (root's cgroup.procs; cgroup v1 lets euid 0 move any task).
 * The exec helper waits for this before it executes virt-v2v.
 */
void
net_adopt(const struct privconf *c, pid_t pid)
{
	if (c->netcgfd != -1 &&
	    netcg_write(c->netcgfd, "cgroup.procs", pid) == -1)
		log_warn("moving pid %ld into net_cls cgroup %s", (long)pid,
		    c->tag);
}

/* A limit_status; *why when LIMIT_UNAVAILABLE.  0 bytes: unlimited. */
int
net_limit(struct priv *p, long long bytes, int *why)
{
	uint64_t	rate = bytes == 0 ? TC_UNLIMITED : (uint64_t)bytes;

	/* A unit on cgroup v2 has systemd's cgroup, not one of ours. */
	if (p->netwhy != 0 || (net_cgfd(p->conf) == -1 &&
	    p->conf->steer == NULL)) {
		*why = p->netwhy != 0 ? p->netwhy : LIMIT_WHY_CGROUP;
		return LIMIT_UNAVAILABLE;
	}
	if (p->tc.minor != 0)
		return tc_rate(&p->tc, rate) == 0 ? LIMIT_APPLIED :
		    LIMIT_FAILED;
	/* Nothing to lift: the host stays untouched. */
	if (bytes == 0)
		return LIMIT_APPLIED;
	if (net_cgfd(p->conf) != -1 && !net_joined(p->conf, p->v2v_pid)) {
		*why = LIMIT_WHY_NOTJOINED;
		return LIMIT_UNAVAILABLE;
	}
	return net_first(p, rate, why);
}

/* The end of the run: our class, the qdisc if unused, the cgroup. */
void
net_release(struct priv *p)
{
	const struct privconf	*c = p->conf;
	int			 lock;

	if (c->steer != NULL)
		*c->steer = STEER_NONE;
	if (p->tc.minor != 0) {
		if ((lock = netcg_lock(c->basefd)) != -1) {
			tc_release(&p->tc, p->tc.minor);
			unlinkat(c->privdirfd, STEER_CLASS_NAME, 0);
			netcg_unlock(lock);
		} else
			log_warnx("tc: class abc:%x left for the next cleanup",
			    p->tc.minor);
	}
	tc_close(&p->tc);
	netcg_remove(c->netparentfd, c->netcgfd, c->tag);
	steer_remove(c->steerparentfd, c->steercgfd, c->tag);
	if (c->steerpinfd != -1) {
		if (unlinkat(c->steerpinfd, c->tag, 0) == -1)
			log_warn("removing the pinned program %s", c->tag);
		close(c->steerpinfd);
	}
}
