/* SPDX-License-Identifier: ISC */
/*
 * What priv removes when a run ends, however it ends: the secrets first
 * (they must be gone by the time a caller reads "finished"), then the
 * network limit, then the lock, whose presence marks a run that still
 * has something to clean.  Each step happens once.
 */
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/wrapper.h"
#include "priv/priv.h"

/* virt-v2v is done with them: gone before the monitor writes "finished".
 * The ssh-agent holds a key too, so it goes with them.  The rhv password
 * stays while the disk cleanup may need it (priv/cleaner.c); the next
 * call takes it. */
void
cleanup_secrets(struct priv *p)
{
	const struct privconf	*c = p->conf;
	int			 i, keep;

	if (p->agent_pid > 0) {
		/* It removes its socket on SIGTERM; wait for that. */
		child_stop_wait(p->agent_pid, 5);
		p->agent_pid = -1;
		if (unlinkat(c->privdirfd, AGENT_DIR, AT_REMOVEDIR) == -1)
			log_warn("removing the ssh-agent directory");
	}
	if (p->secrets_gone || c->secretdirfd == -1)
		return;
	keep = cleaner_needs_secret(p);
	for (i = 0; i < c->nsecrets; i++) {
		if (p->secret_gone[i] ||
		    (keep && strcmp(c->secrets[i], SECRET_RHV) == 0))
			continue;
		p->secret_gone[i] = 1;
		if (unlinkat(c->secretdirfd, c->secrets[i], 0) == -1)
			log_warn("removing secret %s", c->secrets[i]);
	}
	if (keep)
		return;
	p->secrets_gone = 1;
	close(c->secretdirfd);
	if (unlinkat(c->privdirfd, SECRETS_DIR, AT_REMOVEDIR) == -1)
		log_warn("removing the secrets directory");
}

void
cleanup_run(struct priv *p)
{
	const struct privconf	*c = p->conf;

	cleaner_stop(p);
	cleanup_secrets(p);
	if (p->cleaned)
		return;
	p->cleaned = 1;
	net_release(p);
	if (c->lockfd != -1) {
		unlinkat(c->privdirfd, LOCK_NAME, 0);
		close(c->lockfd);
		if (unlinkat(c->basefd, c->privname, AT_REMOVEDIR) == -1)
			log_warn("removing %s", c->privname);
	}
}
