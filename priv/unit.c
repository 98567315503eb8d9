/* SPDX-License-Identifier: ISC */
/*
 * virt-v2v in a transient systemd unit (daemonized runs on a host with
 * systemd): started with systemd-run under a name we chose, watched
 * through its MainPID with a pidfd, its end read from "systemctl show",
 * and the unit removed afterwards, so that the name never blocks a later
 * run.  Every program has a deadline.  The argv was built by the parent;
 * nothing here comes from the monitor.
 */
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/spawn.h"
#include "common/wrapper.h"
#include "priv/priv.h"

#define SYSTEMCTL_TIMEOUT_MS	30000
#define SHOW_PROPS	"MainPID,ExecMainPID,ActiveState,LoadState,ExecMainCode," \
			"ExecMainStatus"

static char	 env_path[] = SAFE_PATH;
static char	*systemctl_env[] = { env_path, NULL };

/*
 * Run "systemctl VERB UNIT [A2 [A3]]" (systemctl takes its options after
 * the unit too); its output in out.  0 when it exited 0.
 */
static int
systemctl(const struct privconf *pc, char *out, size_t outlen,
    const char *verb, const char *a2, const char *a3)
{
	char	*argv[6], err[256], scratch[256];
	int	 n = 0, status;

	argv[n++] = (char *)(uintptr_t)pc->systemctl;
	argv[n++] = (char *)(uintptr_t)verb;
	argv[n++] = (char *)(uintptr_t)pc->unit;
	if (a2 != NULL)
		argv[n++] = (char *)(uintptr_t)a2;
	if (a3 != NULL)
		argv[n++] = (char *)(uintptr_t)a3;
	argv[n] = NULL;
	if (out == NULL) {
		out = scratch;
		outlen = sizeof(scratch);
	}
	status = run_capture(NULL, argv, systemctl_env, SYSTEMCTL_TIMEOUT_MS,
	    out, outlen, err, sizeof(err));
	if (status == -1) {
		log_warnx("systemctl %s %s: %s", verb, pc->unit, err);
		return -1;
	}
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* One KEY=VALUE of "systemctl show" output, in any order. */
static const char *
show_value(const char *out, const char *key, char *buf, size_t len)
{
	size_t		 klen = strlen(key);
	const char	*p = out, *end;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, key, klen) == 0 && p[klen] == '=') {
			p += klen + 1;
			end = strchr(p, '\n');
			snprintf(buf, len, "%.*s", end ? (int)(end - p) :
			    (int)strlen(p), p);
			return buf;
		}
		if ((p = strchr(p, '\n')) != NULL)
			p++;
	}
	return NULL;
}

static long
show_number(const char *out, const char *key)
{
	char	 buf[64], *end;
	long	 v;

	if (show_value(out, key, buf, sizeof(buf)) == NULL)
		return -1;
	v = strtol(buf, &end, 10);
	return *end == '\0' && end != buf ? v : -1;
}

int
unit_show(const struct privconf *pc, struct unit_state *us)
{
	char	out[2048];

	memset(us, 0, sizeof(*us));
	if (systemctl(pc, out, sizeof(out), "show", "-p", SHOW_PROPS) == -1)
		return -1;
	us->main_pid = show_number(out, "MainPID");
	us->exec_pid = show_number(out, "ExecMainPID");
	us->code = show_number(out, "ExecMainCode");
	us->status = show_number(out, "ExecMainStatus");
	show_value(out, "ActiveState", us->active, sizeof(us->active));
	show_value(out, "LoadState", us->load, sizeof(us->load));
	return 0;
}

/* systemd's CLD_* code and status as a wait(2) status. */
int
unit_wait_status(const struct unit_state *us)
{
	switch (us->code) {
	case CLD_EXITED:
		return (us->status & 0xff) << 8;
	case CLD_KILLED:
		return us->status & 0x7f;
	case CLD_DUMPED:
		return (us->status & 0x7f) | 0x80;
	default:
		return 1 << 8;	/* never ran: systemd said nothing */
	}
}

/*
 * Start the unit.  Returns its process's pid (MainPID, or ExecMainPID
 * when it ended already: a virt-v2v that fails at once still ran), 0
 * when no process ever ran, or -1 with a reason in why.
 */
pid_t
unit_start(const struct privconf *pc, char *why, size_t whylen)
{
	struct unit_state	us;
	char			out[1024], err[256];
	int			status;

	status = run_capture(NULL, pc->unit_argv, systemctl_env,
	    SYSTEMCTL_TIMEOUT_MS, out, sizeof(out), err, sizeof(err));
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(why, whylen, "systemd-run failed: %s",
		    status == -1 ? err : out[0] ? strtok(out, "\n") :
		    "no output");
		return -1;
	}
	if (unit_show(pc, &us) == -1) {
		snprintf(why, whylen, "systemctl show %s failed", pc->unit);
		unit_remove(pc);
		return -1;
	}
	log_info("unit %s started, MainPID %ld, %s", pc->unit,
	    us.main_pid, us.active);
	if (us.main_pid > 0)
		return us.main_pid;
	return us.exec_pid > 0 ? us.exec_pid : 0;
}

/* A descriptor that polls readable when pid ends, or -1 (old kernel,
 * or it is gone already). */
int
unit_pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
	return syscall(SYS_pidfd_open, pid, 0);
#else
	errno = ENOSYS;
	return -1;
#endif
}

void
unit_kill(const struct privconf *pc, int sig)
{
	char	arg[32];

	snprintf(arg, sizeof(arg), "--signal=%d", sig);
	if (systemctl(pc, NULL, 0, "kill", arg, NULL) == -1)
		log_warnx("systemctl kill %s failed", pc->unit);
}

/* Stop, then forget a failed unit: the name is free again. */
void
unit_remove(const struct privconf *pc)
{
	systemctl(pc, NULL, 0, "stop", NULL, NULL);
	systemctl(pc, NULL, 0, "reset-failed", NULL, NULL);
}

/* CPUQuota in percent of one CPU; 0 removes it. */
int
unit_cpu_quota(const struct privconf *pc, long long pct)
{
	char	prop[64];

	if (pct == 0)
		snprintf(prop, sizeof(prop), "CPUQuota=");
	else
		snprintf(prop, sizeof(prop), "CPUQuota=%lld%%", pct);
	return systemctl(pc, NULL, 0, "set-property", "--runtime", prop);
}
