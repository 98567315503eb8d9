/* SPDX-License-Identifier: ISC */
/*
 * A run's network limit: on the first one, under the host lock, tc
 * shapes the host and reserves our class, and the run's net_cls cgroup
 * gets that class id; later ones change the class's rate.  At the end
 * the class goes, the shared qdisc with it if no run has a class left,
 * and the cgroup.  Paths, the lock and class ids: common/netcg.c.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/netcg.h"
#include "common/slurp.h"
#include "common/tc.h"
#include "common/wrapper.h"
#include "priv/priv.h"

/* Is this pid in the run's cgroup?  Without it a limit limits nothing. */
static int
net_joined(const struct privconf *c, pid_t pid)
{
	char	buf[16384], *p, *end;

	if (slurp_at(c->netcgfd, "cgroup.procs", buf, sizeof(buf)) <= 0)
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
	if (r == 0 && netcg_write(c->netcgfd, "net_cls.classid",
	    netcg_classid(p->tc.minor)) == -1) {
		log_warn("net_cls.classid of %s", c->tag);
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

	if (p->netwhy != 0 || p->conf->netcgfd == -1) {
		*why = p->netwhy != 0 ? p->netwhy : LIMIT_WHY_CGROUP;
		return LIMIT_UNAVAILABLE;
	}
	if (p->tc.minor != 0)
		return tc_rate(&p->tc, rate) == 0 ? LIMIT_APPLIED :
		    LIMIT_FAILED;
	/* Nothing to lift: the host stays untouched. */
	if (bytes == 0)
		return LIMIT_APPLIED;
	if (!net_joined(p->conf, p->v2v_pid)) {
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

	if (p->tc.minor != 0) {
		if ((lock = netcg_lock(c->basefd)) != -1) {
			tc_release(&p->tc, p->tc.minor);
			netcg_unlock(lock);
		} else
			log_warnx("tc: class abc:%x left for the next cleanup",
			    p->tc.minor);
	}
	tc_close(&p->tc);
	netcg_remove(c->netparentfd, c->netcgfd, c->tag);
}
