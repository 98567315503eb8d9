/* SPDX-License-Identifier: ISC */
/*
 * The end of a run, one rule for every writer of a final state
 * (DESIGN.md section 1): return_code is there iff virt-v2v ran and its
 * wait status is known; failed iff it did not start, did not exit 0,
 * was stopped by the wrapper, or a process of the wrapper was lost;
 * last_message says why, as an error.
 */
#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "common/end.h"
#include "common/state.h"

/* Messages of the causes other than virt-v2v's own end. */
static const struct {
	const char	*text;		/* the detail follows it */
	int		 replace;
} causes[END_CAUSE_MAX] = {
	[END_SETUP_FAILED] = { "", 1 },
	[END_START_FAILED] = { "virt-v2v could not be started: ", 1 },
	[END_PRIV_LOST] = { "the privileged wrapper process ended "
	    "unexpectedly; the conversion was stopped", 1 },
	[END_MONITOR_LOST] = { "the monitor process ended unexpectedly; the "
	    "conversion was stopped", 1 },
	[END_VIOLATION] = { "the monitor process broke the protocol; the "
	    "conversion was stopped", 1 },
	/* What the run itself said, if it said an error, stands. */
	[END_WRAPPER_DIED] = { "the wrapper ended unexpectedly; the run was "
	    "cleaned up afterwards", 0 },
};

/* Our own table: sigabbrev_np() needs glibc 2.32, EL8 has 2.28. */
static const char *const signames[] = {
	[SIGHUP] = "HUP", [SIGINT] = "INT", [SIGQUIT] = "QUIT",
	[SIGILL] = "ILL", [SIGTRAP] = "TRAP", [SIGABRT] = "ABRT",
	[SIGBUS] = "BUS", [SIGFPE] = "FPE", [SIGKILL] = "KILL",
	[SIGUSR1] = "USR1", [SIGSEGV] = "SEGV", [SIGUSR2] = "USR2",
	[SIGPIPE] = "PIPE", [SIGALRM] = "ALRM", [SIGTERM] = "TERM",
	[SIGSTKFLT] = "STKFLT", [SIGCHLD] = "CHLD", [SIGCONT] = "CONT",
	[SIGSTOP] = "STOP", [SIGTSTP] = "TSTP", [SIGTTIN] = "TTIN",
	[SIGTTOU] = "TTOU", [SIGURG] = "URG", [SIGXCPU] = "XCPU",
	[SIGXFSZ] = "XFSZ", [SIGVTALRM] = "VTALRM", [SIGPROF] = "PROF",
	[SIGWINCH] = "WINCH", [SIGIO] = "IO", [SIGPWR] = "PWR",
	[SIGSYS] = "SYS",
};

/* "SIGTERM", or "signal 40" for one without a name. */
const char *
sig_name(int sig)
{
	static char	buf[32];

	if (sig > 0 && sig < (int)(sizeof(signames) / sizeof(signames[0])) &&
	    signames[sig] != NULL) {
		snprintf(buf, sizeof(buf), "SIG%s", signames[sig]);
		return buf;
	}
	snprintf(buf, sizeof(buf), "signal %d", sig);
	return buf;
}

void
end_decide(const struct end_facts *f, struct end *e)
{
	memset(e, 0, sizeof(*e));
	if (f->started && f->exited) {
		e->has_rc = 1;
		e->rc = WIFSIGNALED(f->status) ? -WTERMSIG(f->status) :
		    WEXITSTATUS(f->status);
	}
	e->failed = f->failed || f->cause != END_EXITED || !f->started ||
	    !f->exited || f->stop_sig != 0 || e->rc != 0;

	if (f->cause != END_EXITED) {
		snprintf(e->message, sizeof(e->message), "%s%s",
		    causes[f->cause].text, f->detail != NULL ? f->detail : "");
		e->replace = causes[f->cause].replace;
	} else if (f->stop_sig != 0) {
		snprintf(e->message, sizeof(e->message), "the conversion was "
		    "stopped: the wrapper received %s", sig_name(f->stop_sig));
		e->replace = 1;
	} else if (e->rc < 0)
		snprintf(e->message, sizeof(e->message), "virt-v2v was "
		    "killed by %s", sig_name(-e->rc));
	else if (e->rc > 0)
		snprintf(e->message, sizeof(e->message), "virt-v2v exited "
		    "with status %d", e->rc);
}

/* The final values, in the state's last write (with "finished"). */
void
end_apply(const struct end *e, struct state *st)
{
	if (e->has_rc) {
		st->has_rc = 1;
		st->rc = e->rc;
	}
	if (e->message[0] != '\0' && (e->replace || st->msgtype != MSG_ERROR))
		state_message(st, MSG_ERROR, e->message);
	st->failed = e->failed;
	st->finished = 1;
}

/* The same on a state file's JSON, as a dead run left it. */
void
end_apply_json(const struct end *e, json_t *o)
{
	const char	*type;

	type = json_string_value(json_object_get(json_object_get(o,
	    "last_message"), "type"));
	/* Keys not there yet go last: in the contract's order. */
	if (e->message[0] != '\0' && (e->replace || type == NULL ||
	    strcmp(type, "error") != 0))
		json_object_set_new(o, "last_message", json_pack("{s:s, s:s}",
		    "message", e->message, "type", "error"));
	if (e->has_rc)
		json_object_set_new(o, "return_code", json_integer(e->rc));
	if (e->failed)
		json_object_set_new(o, "failed", json_true());
	json_object_set_new(o, "finished", json_true());
}
