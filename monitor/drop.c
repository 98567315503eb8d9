/* SPDX-License-Identifier: ISC */
/*
 * The monitor's privilege drop, in the order DESIGN.md section 2 gives:
 * bounding set (needs CAP_SETPCAP, so while still root), groups, gid,
 * uid, remaining capabilities and the ambient set, no_new_privs, not
 * dumpable (after the uid change, which resets it), and the seccomp
 * filter last.
 */
#include <sys/prctl.h>

#include <errno.h>
#include <grp.h>
#include <unistd.h>

#include <cap-ng.h>

#include "common/log.h"
#include "monitor/monitor.h"

static void
drop_ids(uid_t uid, gid_t gid)
{
	uid_t	ru, eu, su;
	gid_t	rg, eg, sg;

	capng_clear(CAPNG_SELECT_BOUNDS);
	if (capng_apply(CAPNG_SELECT_BOUNDS) == -1)
		fatalx("clearing the capability bounding set");
	if (setgroups(1, &gid) == -1)
		fatal("setgroups");
	if (setresgid(gid, gid, gid) == -1)
		fatal("setresgid %u", gid);
	if (setresuid(uid, uid, uid) == -1)
		fatal("setresuid %u", uid);
	if (getresuid(&ru, &eu, &su) == -1 || getresgid(&rg, &eg, &sg) == -1 ||
	    ru != uid || eu != uid || su != uid ||
	    rg != gid || eg != gid || sg != gid)
		fatalx("the uid or gid did not change");
	/* The way back must be closed. */
	if (setuid(0) != -1 || setgid(0) != -1)
		fatalx("could regain root after the drop");
}

void
drop_privileges(unsigned int uid, unsigned int gid, int root)
{
	if (root) {
		drop_ids(uid, gid);
		capng_clear(CAPNG_SELECT_BOTH);
		if (capng_apply(CAPNG_SELECT_BOTH) == -1)
			fatalx("clearing capabilities");
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0,
		    0) == -1)
			fatal("PR_CAP_AMBIENT_CLEAR_ALL");
		/* Read back from the kernel, not our own bookkeeping. */
		if (capng_get_caps_process() == -1 ||
		    capng_have_capabilities(CAPNG_SELECT_CAPS) != CAPNG_NONE)
			fatalx("capabilities remain after the drop");
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal("PR_SET_NO_NEW_PRIVS");
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		fatal("PR_SET_DUMPABLE");
	/* Where the kernel has seccomp, the monitor runs only under it. */
	if (seccomp_confine() == -1 && errno != ENOSYS)
		fatalx("the seccomp filter could not be installed");
}
