/* SPDX-License-Identifier: ISC */
/*
 * A daemonized run's own processes (priv, the monitor, the ssh-agent) go
 * into a transient scope unit of their own, and the conversion's unit is
 * bound to it (BindsTo=): when the wrapper's processes are all gone,
 * however they died, systemd stops virt-v2v, so it never runs on
 * unwatched.  The scope also takes the daemon out of the caller's login
 * session, whose end must not end the conversion.  StartTransientUnit
 * with PIDs= adopts this very process; systemd-run --scope could only
 * start a new one.
 */
#include <sys/wait.h>

#include <stdint.h>
#include <time.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/spawn.h"
#include "common/wrapper.h"
#include "parent/parent.h"

#define BUSCTL_TIMEOUT_MS	30000

/* Whether /proc/self/cgroup names the scope, within a few seconds. */
static int
in_scope(const char *scope)
{
	struct timespec	 nap = { 0, 10 * 1000 * 1000 };
	char		 line[512];
	FILE		*f;
	int		 i, found = 0;

	for (i = 0; i < 500 && !found; i++) {
		if ((f = fopen("/proc/self/cgroup", "re")) == NULL)
			return 0;
		while (!found && fgets(line, sizeof(line), f) != NULL)
			found = strstr(line, scope) != NULL;
		fclose(f);
		if (!found)
			nanosleep(&nap, NULL);
	}
	return found;
}

void
scope_adopt(struct run *r)
{
	static char	 quiet[] = "--quiet", call[] = "call",
			 dest[] = "org.freedesktop.systemd1",
			 path[] = "/org/freedesktop/systemd1",
			 iface[] = "org.freedesktop.systemd1.Manager",
			 method[] = "StartTransientUnit",
			 sig[] = "ssa(sv)a(sa(sv))", mode[] = "fail", two[] = "2",
			 pids[] = "PIDs", au[] = "au", one[] = "1",
			 descr[] = "Description", s[] = "s", zero[] = "0";
	static char	 envpath[] = SAFE_PATH;
	char		 pid[16], text[128], out[512], err[256];
	char		*argv[] = { NULL, quiet, call, dest, path, iface, method,
			    sig, r->scope, mode, two, pids, au, one, pid, descr, s,
			    text, zero, NULL };
	char		*envp[] = { envpath, NULL };
	int		 status;

	snprintf(r->scope, sizeof(r->scope), SCOPE_FMT,
	    r->pc.tag);
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	snprintf(text, sizeof(text), "virt-v2v-wrapper %s", r->pc.tag);
	argv[0] = (char *)(uintptr_t)r->env.busctl;
	status = run_capture(NULL, argv, envp, BUSCTL_TIMEOUT_MS, out,
	    sizeof(out), err, sizeof(err));
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		log_warnx("no scope unit for the wrapper (%s): virt-v2v would "
		    "outlive a killed wrapper until the next cleanup",
		    status == -1 ? err : out[0] ? strtok(out, "\n") :
		    "busctl failed");
		r->scope[0] = '\0';
		return;
	}
	/* The call only queues a job: wait until we are really in the
	 * scope, or the monitor and the agent would be born outside it. */
	if (!in_scope(r->scope)) {
		log_warnx("%s: systemd did not move us into it", r->scope);
		r->scope[0] = '\0';
		return;
	}
	log_info("wrapper processes in %s", r->scope);
}
