/* SPDX-License-Identifier: ISC */
/*
 * The oVirt API client that removes what a failed rhv-upload left
 * (api/cleanup.c), as priv drives it.  The parent started it as the
 * conversion user, before any privilege was dropped; it waits for its
 * orders on cleanerfd.  The monitor passes on the disk ids virt-v2v
 * printed, which priv checks for their shape only (the client asks the
 * engine whether each is virt-v2v's); once the monitor has read the logs
 * to their end, priv orders the cleanup when virt-v2v failed, or lets the
 * client go.  The rhv password stays until the client is done, and the
 * monitor writes "finished" only after that (DESIGN.md section 3.7).
 */
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "priv/priv.h"

void
cleaner_init(struct priv *p)
{
	p->cleaner_pid = p->conf->cleaner_pid;
	p->cleanerfd = p->conf->cleanerfd;
	p->clean = p->cleaner_pid > 0 ? CLEAN_WAITING : CLEAN_NONE;
	if (p->clean == CLEAN_NONE)
		p->cleaner_pid = -1;
}

/* The rhv password outlives virt-v2v while a cleanup may still need it. */
int
cleaner_needs_secret(const struct priv *p)
{
	return (p->clean == CLEAN_WAITING && p->cleaner_pid != -1) ||
	    p->clean == CLEAN_RUNNING;
}

/* An id of the log's, of the right shape: kept once. */
void
cleaner_add_id(struct priv *p, const char *id)
{
	int	i;

	for (i = 0; i < p->nids; i++)
		if (strcasecmp(p->ids[i], id) == 0)
			return;
	strlcpy(p->ids[p->nids++], id, sizeof(p->ids[0]));
}

static void
cleaner_close(struct priv *p)
{
	if (p->cleanerfd != -1)
		close(p->cleanerfd);
	p->cleanerfd = -1;
}

/* Over, however it went: the password goes, the monitor may finish. */
static void
cleaner_finish(struct priv *p)
{
	cleaner_close(p);
	p->clean = CLEAN_DONE;
	cleanup_secrets(p);
	if (p->mon == MON_RUNNING)
		p->done_by = mono_ms() + (p->stop_sig != 0 ? PRIV_DONE_STOP_MS :
		    PRIV_DONE_MS);
	priv_compose(p, IMSG_CLEANUP_DONE, NULL, 0);
}

static int
v2v_failed(const struct priv *p)
{
	return p->v2v == V2V_ENDED && !(WIFEXITED(p->v2v_status) &&
	    WEXITSTATUS(p->v2v_status) == 0);
}

/* "disk ID" for each logged id, then "clean"; a pipe holds it all. */
static int
cleaner_write_orders(struct priv *p)
{
	char	buf[DISK_IDS_MAX * 48 + 16];
	size_t	len = 0;
	ssize_t	n;
	int	i;

	for (i = 0; i < p->nids; i++)
		len += snprintf(buf + len, sizeof(buf) - len, "disk %s\n",
		    p->ids[i]);
	len += snprintf(buf + len, sizeof(buf) - len, "clean\n");
	do {
		n = write(p->cleanerfd, buf, len);
	} while (n == -1 && errno == EINTR);
	return n == (ssize_t)len ? 0 : -1;
}

/* The monitor read the logs to their end: every logged id is here. */
void
cleaner_order(struct priv *p)
{
	struct msg_pid	started;

	p->log_done = 1;
	if (p->clean != CLEAN_WAITING || p->cleaner_pid == -1 ||
	    !v2v_failed(p)) {
		/* EOF without "clean": the client ends without a request */
		cleaner_finish(p);
		return;
	}
	if (cleaner_write_orders(p) == -1) {
		log_warn("ordering the disk cleanup");
		cleaner_finish(p);
		return;
	}
	cleaner_close(p);
	p->clean = CLEAN_RUNNING;
	p->clean_by = mono_ms() + PRIV_CLEANER_MS;
	/* virt-v2v's pid is free now and may be reused; a caller that
	 * cancels kills the state's pid, which must be this run's. */
	started.pid = p->cleaner_pid;
	priv_compose(p, IMSG_CLEANUP_STARTED, &started, sizeof(started));
	/* The monitor waits for us now, not the other way round. */
	p->done_by = 0;
	log_info("removing what the failed upload left in the engine (%d "
	    "disk ids from the log)", p->nids);
}

/* Its SIGCHLD. */
void
cleaner_reaped(struct priv *p, int status)
{
	p->cleaner_pid = -1;
	/* The password stays for virt-v2v, which reads it again at its
	 * end; without a client it goes with the others then. */
	if (p->clean == CLEAN_WAITING) {
		log_warnx("the oVirt API client ended early: the disks of a "
		    "failed upload will not be removed");
		return;
	}
	if (p->clean != CLEAN_RUNNING)
		return;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		log_info("the failed upload's disks are removed");
	else
		log_warnx("removing the failed upload's disks did not "
		    "complete; the wrapper log says which are left");
	cleaner_finish(p);
}

/* Bounded: the client bounds itself, and priv bounds the client. */
void
cleaner_deadline(struct priv *p)
{
	if (p->clean != CLEAN_RUNNING || mono_ms() < p->clean_by)
		return;
	log_warnx("the disk cleanup took too long, stopping it");
	if (p->cleaner_pid != -1)
		child_kill_wait(p->cleaner_pid);
	p->cleaner_pid = -1;
	cleaner_finish(p);
}

/* The run ends early or badly: no cleanup outlives priv. */
void
cleaner_stop(struct priv *p)
{
	cleaner_close(p);
	if (p->cleaner_pid != -1)
		child_kill_wait(p->cleaner_pid);
	p->cleaner_pid = -1;
	if (p->clean != CLEAN_NONE)
		p->clean = CLEAN_DONE;
}
