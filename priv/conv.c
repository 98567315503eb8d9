/* SPDX-License-Identifier: ISC */
/*
 * The conversion process as priv sees it, whichever way it runs: a
 * direct child (foreground, or no systemd) or the MainPID of a transient
 * systemd unit.  priv's loop only starts, signals and waits through here.
 */
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "priv/priv.h"

#define UNIT_POLL_MS	250	/* without a pidfd: how often to ask */

static int
is_unit(const struct privconf *pc)
{
	return pc->unit[0] != '\0';
}

/*
 * Start it.  Returns 0 with *pid set (0 when a unit ended before we saw
 * its MainPID), or -1 with the reason in why.
 */
int
conv_start(const struct privconf *pc, pid_t *pid, int *pidfd, char *why,
    size_t whylen)
{
	int	error, status = 1 << 8;

	*pidfd = -1;
	if (!is_unit(pc)) {
		if ((error = child_release(pc)) != 0) {
			snprintf(why, whylen, "%s", strerror(error));
			return -1;
		}
		*pid = pc->v2v_pid;
		return 0;
	}
	if ((*pid = unit_start(pc, why, whylen)) == -1)
		return -1;
	/* No process ever ran (systemd could not switch to the user,
	 * or could not exec). */
	if (*pid == 0) {
		conv_ended(pc, &status);
		snprintf(why, whylen, "the unit %s ended at once (%s %d)",
		    pc->unit, WIFSIGNALED(status) ? "signal" : "exit status",
		    WIFSIGNALED(status) ? WTERMSIG(status) :
		    WEXITSTATUS(status));
		unit_remove(pc);
		return -1;
	}
	if ((*pidfd = unit_pidfd(*pid)) == -1)
		log_debug("no pidfd for %ld (%s): polling the unit",
		    (long)*pid, strerror(errno));
	return 0;
}

void
conv_signal(const struct privconf *pc, pid_t pid, int sig)
{
	if (is_unit(pc))
		unit_kill(pc, sig);
	else
		child_signal(pid, sig);
}

/* How often priv must look when nothing wakes it (ms), or -1. */
int
conv_poll_ms(const struct privconf *pc, int pidfd)
{
	return is_unit(pc) && pidfd == -1 ? UNIT_POLL_MS : -1;
}

/*
 * For a unit: has it ended?  1 with *status (a wait status) when it
 * has, 0 when it runs.  A direct child ends through SIGCHLD instead.
 */
int
conv_ended(const struct privconf *pc, int *status)
{
	struct unit_state	us;

	if (!is_unit(pc) || unit_show(pc, &us) == -1)
		return 0;
	/* With RemainAfterExit, a unit that exited 0 stays active but
	 * has no MainPID; one that failed is "failed". */
	if (us.main_pid > 0)
		return 0;
	*status = unit_wait_status(&us);
	log_info("unit %s ended: %s, code %ld, status %ld", pc->unit,
	    us.active, us.code, us.status);
	return 1;
}

void
conv_finish(const struct privconf *pc)
{
	if (is_unit(pc))
		unit_remove(pc);
}

struct unitwait {
	const struct privconf	*pc;
	int		 status;
};

static int
unit_gone(void *arg)
{
	struct unitwait	*w = arg;

	return conv_ended(w->pc, &w->status);
}

/* Stop it and wait for its end, outside priv's loop: TERM, then KILL. */
int
conv_stop_wait(const struct privconf *pc, pid_t pid, int grace)
{
	struct unitwait	w = { pc, 0 };

	if (!is_unit(pc))
		return child_stop_wait(pid, grace);
	unit_kill(pc, SIGTERM);
	if (wait_for(unit_gone, &w, grace * 1000, UNIT_POLL_MS))
		return w.status;
	unit_kill(pc, SIGKILL);
	return wait_for(unit_gone, &w, grace * 1000, UNIT_POLL_MS) ?
	    w.status : -1;
}
