/* SPDX-License-Identifier: ISC */
/*
 * The phases of virt-v2v and of the monitor, as priv sees them, and the
 * only moves between them (the shape of dhcpleased's state_transition):
 *
 *   virt-v2v  NEW -> RUNNING -> [GONE ->] ENDED       (GONE: a unit's
 *             NEW -> NOSTART                           process is gone,
 *                                                      systemd not asked)
 *   monitor   RUNNING -> [DRAINING ->] DONE | LOST     (DRAINING: it
 *                                                      exited, its last
 *                                                      words are unread)
 *
 * A move not in these tables is a bug in priv, not the monitor's doing:
 * the monitor's messages are checked against the phases before they
 * can move anything (priv/dispatch.c).
 */
#include "common/log.h"
#include "priv/priv.h"

#define TO(p)	(1U << (p))

static const char *const v2v_names[V2V_PHASE_MAX] = {
	[V2V_NEW] = "new", [V2V_RUNNING] = "running", [V2V_GONE] = "gone",
	[V2V_ENDED] = "ended", [V2V_NOSTART] = "not started",
};

static const unsigned int v2v_moves[V2V_PHASE_MAX] = {
	[V2V_NEW] = TO(V2V_RUNNING) | TO(V2V_NOSTART),
	[V2V_RUNNING] = TO(V2V_GONE) | TO(V2V_ENDED),
	[V2V_GONE] = TO(V2V_ENDED),
};

static const char *const mon_names[MON_PHASE_MAX] = {
	[MON_RUNNING] = "running", [MON_DRAINING] = "draining",
	[MON_DONE] = "done", [MON_LOST] = "lost",
};

static const unsigned int mon_moves[MON_PHASE_MAX] = {
	[MON_RUNNING] = TO(MON_DRAINING) | TO(MON_DONE) | TO(MON_LOST),
	[MON_DRAINING] = TO(MON_DONE) | TO(MON_LOST),
};

void
priv_v2v_phase(struct priv *p, enum v2v_phase to)
{
	if (!(v2v_moves[p->v2v] & TO(to)))
		fatalx("virt-v2v: no move from %s to %s", v2v_names[p->v2v],
		    v2v_names[to]);
	log_debug("virt-v2v: %s -> %s", v2v_names[p->v2v], v2v_names[to]);
	p->v2v = to;
}

void
priv_mon_phase(struct priv *p, enum mon_phase to)
{
	if (!(mon_moves[p->mon] & TO(to)))
		fatalx("monitor: no move from %s to %s", mon_names[p->mon],
		    mon_names[to]);
	log_debug("monitor: %s -> %s", mon_names[p->mon], mon_names[to]);
	p->mon = to;
}

int
priv_v2v_started(const struct priv *p)
{
	return p->v2v != V2V_NEW && p->v2v != V2V_NOSTART;
}

/* It may still run: signals and limits are for it. */
int
priv_v2v_running(const struct priv *p)
{
	return p->v2v == V2V_RUNNING || p->v2v == V2V_GONE;
}
