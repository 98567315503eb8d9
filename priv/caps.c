/* SPDX-License-Identifier: ISC */
/*
 * priv keeps uid 0 but only two capabilities: CAP_NET_ADMIN for traffic
 * control and CAP_KILL to signal a virt-v2v that runs as another user.
 * The securebits are locked first, so that uid 0 can never gain the
 * rest back through exec or a uid change.
 */
#include <sys/prctl.h>
#include <sys/resource.h>

#include <cap-ng.h>
#include <linux/capability.h>

#include "common/log.h"
#include "priv/priv.h"

static int
wanted(int cap)
{
	return cap == CAP_NET_ADMIN || cap == CAP_KILL;
}

/* Trust the kernel, not our own bookkeeping: read the sets back. */
static void
caps_verify(void)
{
	int	cap, type;
	int	sets[] = { CAPNG_EFFECTIVE, CAPNG_PERMITTED,
	    CAPNG_BOUNDING_SET };
	size_t	i;

	capng_clear(CAPNG_SELECT_ALL);
	if (capng_get_caps_process() == -1)
		fatalx("reading back our capabilities");
	for (i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		type = sets[i];
		for (cap = 0; cap <= CAP_LAST_CAP; cap++)
			if (capng_have_capability(type, cap) != wanted(cap))
				fatalx("capability %d is %s after the drop",
				    cap, wanted(cap) ? "missing" : "still held");
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_KILL, 0, 0) > 0)
		fatalx("ambient capabilities remain");
}

void
caps_drop(void)
{
	struct rlimit	rl = { 0, 0 };

	/* priv holds the run's secrets' names and the run's facts: no
	 * core file, and no ptrace by another uid-0 process without
	 * CAP_SYS_PTRACE. */
	if (setrlimit(RLIMIT_CORE, &rl) == -1)
		fatal("setrlimit RLIMIT_CORE");
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		fatal("PR_SET_DUMPABLE");
	if (capng_lock() == -1)
		fatalx("capng_lock: cannot lock the securebits");
	capng_clear(CAPNG_SELECT_ALL);
	if (capng_updatev(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED |
	    CAPNG_BOUNDING_SET, CAP_NET_ADMIN, CAP_KILL, -1) == -1)
		fatalx("capng_updatev");
	if (capng_apply(CAPNG_SELECT_ALL) == -1)
		fatalx("capng_apply: cannot drop capabilities");
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) == -1)
		fatal("PR_CAP_AMBIENT_CLEAR_ALL");
	caps_verify();
	log_debug("capabilities dropped to CAP_NET_ADMIN and CAP_KILL");
}

/*
 * uid 0 that may not switch users (a restricted pod): what it can drop
 * without CAP_SETPCAP, which is everything but CAP_NET_ADMIN and CAP_KILL
 * in its own sets.  Its children were forked before.
 */
void
caps_trim(void)
{
	struct rlimit	rl = { 0, 0 };
	int		keep[] = { CAP_NET_ADMIN, CAP_KILL };
	size_t		i;

	if (setrlimit(RLIMIT_CORE, &rl) == -1 ||
	    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		fatal("not dumpable");
	capng_get_caps_process();
	capng_clear(CAPNG_SELECT_CAPS);
	for (i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
		if (capng_have_capability(CAPNG_BOUNDING_SET, keep[i]))
			capng_update(CAPNG_ADD, CAPNG_EFFECTIVE |
			    CAPNG_PERMITTED, keep[i]);
	if (capng_apply(CAPNG_SELECT_CAPS) == -1)
		fatalx("capng_apply: cannot drop capabilities");
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) == -1)
		fatal("PR_CAP_AMBIENT_CLEAR_ALL");
	log_info("uid 0 without CAP_SETUID: capabilities trimmed to "
	    "CAP_NET_ADMIN and CAP_KILL");
}
