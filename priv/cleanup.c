/* SPDX-License-Identifier: ISC */
/*
 * What priv removes when a run ends, however it ends: the secrets first
 * (they must be gone by the time a caller reads "finished"), then the
 * lock, whose presence marks a run that still has something to clean.
 */
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include "common/log.h"
#include "common/wrapper.h"
#include "priv/priv.h"

/* virt-v2v is done with them: gone before the monitor writes "finished".
 * The ssh-agent holds a key too, so it goes with them. */
void
cleanup_secrets(struct privconf *pc)
{
	int	i;

	if (pc->agent_pid > 0) {
		/* It removes its socket on SIGTERM; wait for that. */
		child_stop_wait(pc->agent_pid, 5);
		pc->agent_pid = -1;
		if (unlinkat(pc->privdirfd, AGENT_DIR, AT_REMOVEDIR) == -1)
			log_warn("removing the ssh-agent directory");
	}

	for (i = 0; i < pc->nsecrets; i++)
		if (unlinkat(pc->secretdirfd, pc->secrets[i], 0) == -1)
			log_warn("removing secret %s", pc->secrets[i]);
	pc->nsecrets = 0;
	if (pc->secretdirfd != -1) {
		close(pc->secretdirfd);
		pc->secretdirfd = -1;
		if (unlinkat(pc->privdirfd, SECRETS_DIR, AT_REMOVEDIR) == -1)
			log_warn("removing the secrets directory");
	}
}

void
cleanup_run(struct privconf *pc)
{
	cleanup_secrets(pc);
	net_release(pc);
	if (pc->lockfd != -1) {
		unlinkat(pc->privdirfd, LOCK_NAME, 0);
		close(pc->lockfd);
		pc->lockfd = -1;
		if (unlinkat(pc->basefd, pc->privname, AT_REMOVEDIR) == -1)
			log_warn("removing %s", pc->privname);
	}
}
