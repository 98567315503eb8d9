/* SPDX-License-Identifier: ISC */
/*
 * The run's events as priv handles them, wherever they come from (its
 * loop, a signal, the monitor's messages): virt-v2v starts, ends or is
 * stopped, a limit is applied, the monitor is lost or breaks the
 * protocol.  Each moves a phase (priv/phase.c) and tells the monitor.
 */
#include <sys/wait.h>

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/end.h"
#include "common/log.h"
#include "common/state.h"
#include "common/wrapper.h"
#include "priv/priv.h"

#define GONE_TICKS_MAX	20	/* how often to ask systemd after the end */

void
priv_init(struct priv *p, const struct privconf *conf)
{
	memset(p, 0, sizeof(*p));
	p->conf = conf;
	p->v2v = V2V_NEW;
	p->mon = MON_RUNNING;
	p->pidfd = -1;
	p->monitor_pid = conf->monitor_pid;
	p->agent_pid = conf->agent_pid;
	p->kube_pid = conf->kube_pid > 0 ? conf->kube_pid : -1;
	p->netwhy = conf->netwhy;
	p->tc.no_classifier = conf->steer != NULL;
	cleaner_init(p);
	imsg_init(&p->ibuf, conf->sock);
}

/* Nothing is sent to a monitor that is gone or said its last word. */
void
priv_compose(struct priv *p, int type, const void *data, size_t len)
{
	if (p->mon != MON_RUNNING)
		return;
	if (imsg_compose(&p->ibuf, type, data, len) == -1)
		fatal("imsg_compose");
}

void
priv_end_facts(const struct priv *p, enum end_cause cause,
    struct end_facts *f)
{
	memset(f, 0, sizeof(*f));
	f->cause = cause;
	f->started = priv_v2v_started(p);
	f->exited = p->v2v == V2V_ENDED;
	f->status = p->v2v_status;
	f->stop_sig = p->stop_sig;
	f->failed = p->mon_failed;
}

/*
 * The minimal final state, when the monitor cannot write it (DESIGN.md
 * section 3.7): what priv itself knows, after the secrets are gone.
 */
static void
priv_final_state(struct priv *p, enum end_cause cause)
{
	struct end_facts	f;
	struct end		e;
	struct state		st;

	priv_end_facts(p, cause, &f);
	end_decide(&f, &e);
	state_init(&st);
	st.started = f.started;
	st.pid = p->v2v_pid;
	end_apply(&e, &st);
	cleanup_run(p);
	if (state_write(p->conf->rundirfd, &st) == -1)
		log_warn("writing the final state");
	state_free(&st);
}

/*
 * The monitor broke the protocol.  It may be compromised: stop
 * virt-v2v, remove the secrets, write the final state, and end without
 * acting on anything more.
 */
void
priv_violation(struct priv *p, const char *fmt, ...)
{
	char	buf[256];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (priv_v2v_running(p)) {
		conv_signal(p->conf, p->v2v_pid, SIGKILL);
		conv_finish(p->conf);
	}
	/* It must not outlive priv: unwatched, it could rewrite the final
	 * state, and it would keep the run's scope alive. */
	if (p->monitor_pid != -1) {
		child_kill_wait(p->monitor_pid);
		p->monitor_pid = -1;
	}
	priv_final_state(p, END_VIOLATION);
	fatalx("protocol violation by the monitor: %s", buf);
}

/*
 * The monitor is gone without writing the final state.  Stop virt-v2v
 * and write the minimal final state ourselves (DESIGN.md section 3.7).
 */
void
priv_monitor_lost(struct priv *p)
{
	int	status;

	log_warnx("the monitor ended before the run did");
	if (priv_v2v_running(p) && (status = conv_stop_wait(p->conf,
	    p->v2v_pid, PRIV_STOP_GRACE_MS / 1000)) != -1) {
		p->v2v_status = status;
		priv_v2v_phase(p, V2V_ENDED);
	}
	if (priv_v2v_started(p))
		conv_finish(p->conf);
	priv_final_state(p, END_MONITOR_LOST);
	/* Reap it: no zombie of the run outlives priv. */
	if (p->monitor_pid != -1)
		child_stop_wait_for(p->monitor_pid, PRIV_REAP_SEC);
	priv_exit(2);
}

void
priv_stop(struct priv *p, int sig)
{
	struct msg_signal	m = { sig };

	if (p->stop_sig != 0)
		return;
	p->stop_sig = sig;
	/* Asked to stop after virt-v2v's end: the monitor has little left
	 * to do; it gets a shorter while for its last word. */
	if (p->done_by != 0 && p->done_by > mono_ms() + PRIV_DONE_STOP_MS)
		p->done_by = mono_ms() + PRIV_DONE_STOP_MS;
	log_info("stopping virt-v2v on %s", sig_name(sig));
	priv_compose(p, IMSG_STOPPING, &m, sizeof(m));
	if (priv_v2v_running(p)) {
		conv_signal(p->conf, p->v2v_pid, SIGTERM);
		p->stop_deadline = mono_ms() + PRIV_STOP_GRACE_MS;
	}
}

/* virt-v2v ended: secrets go first, then the monitor hears of it. */
void
priv_ended(struct priv *p, int status)
{
	struct msg_status	m;

	p->v2v_status = status;
	priv_v2v_phase(p, V2V_ENDED);
	p->done_by = mono_ms() + (p->stop_sig != 0 ? PRIV_DONE_STOP_MS :
	    PRIV_DONE_MS);
	if (p->pidfd != -1) {
		close(p->pidfd);
		p->pidfd = -1;
	}
	log_info("virt-v2v (pid %ld) ended, wait status 0x%x",
	    (long)p->v2v_pid, status);
	conv_finish(p->conf);
	cleanup_secrets(p);
	m.status = status;
	priv_compose(p, IMSG_V2V_EXITED, &m, sizeof(m));
}

/*
 * A unit: ask systemd how it is.  Once the pidfd said the process is
 * gone, systemd may take a moment to say so too: ask every tick, and
 * give up on an answer after GONE_TICKS_MAX of them.
 */
void
priv_check_unit(struct priv *p, int woken)
{
	int	status;

	if (!priv_v2v_running(p))
		return;
	if (woken && p->pidfd != -1) {
		close(p->pidfd);
		p->pidfd = -1;
		priv_v2v_phase(p, V2V_GONE);
	}
	if (conv_ended(p->conf, &status)) {
		priv_ended(p, status);
		return;
	}
	if (p->v2v == V2V_GONE && ++p->gone_ticks > GONE_TICKS_MAX) {
		log_warnx("virt-v2v ended, but systemd did not say how");
		priv_ended(p, 1 << 8);
	}
}

/*
 * Apply a limit, from the input or the monitor, and tell the monitor
 * how it went.  CPU goes through the unit's CPUQuota; a direct child has
 * no unit.  Network goes through tc and the run's net_cls cgroup.
 */
void
priv_apply_limit(struct priv *p, int kind, long long value)
{
	struct msg_limit_result	r;
	int			why = LIMIT_WHY_NONE;

	memset(&r, 0, sizeof(r));
	r.kind = kind;
	r.value = value;
	r.status = LIMIT_UNAVAILABLE;
	/* With virt-v2v ended there is nothing to limit, and no reason. */
	if (priv_v2v_running(p) && kind == LIMIT_NET)
		r.status = net_limit(p, value, &why);
	else if (priv_v2v_running(p) && p->conf->unit[0] != '\0')
		r.status = unit_cpu_quota(p->conf, value) == 0 ?
		    LIMIT_APPLIED : LIMIT_FAILED;
	else if (priv_v2v_running(p))
		why = LIMIT_WHY_NOUNIT;
	if (r.status == LIMIT_UNAVAILABLE)
		r.why = why;
	p->lim[kind].last = mono_ms();
	log_info("%s limit %lld: %s", kind == LIMIT_CPU ? "cpu" : "network",
	    value, r.status == LIMIT_APPLIED ? "applied" :
	    r.status == LIMIT_FAILED ? "failed" : "not available");
	priv_compose(p, IMSG_LIMIT_RESULT, &r, sizeof(r));
}

/* A valid request of the monitor's: the newest of its kind wins. */
void
priv_want_limit(struct priv *p, int kind, long long value)
{
	p->lim[kind].pending = 1;
	p->lim[kind].value = value;
}

/*
 * Apply the requests whose kind has not changed for PRIV_LIMIT_MS.
 * Returns the ms until the next one is due, or -1 for none waiting.
 */
int
priv_limits_due(struct priv *p, long long now)
{
	long long	wait, next = -1;
	int		kind;

	for (kind = LIMIT_CPU; kind <= LIMIT_NET; kind++) {
		if (!p->lim[kind].pending)
			continue;
		wait = p->lim[kind].last + PRIV_LIMIT_MS - now;
		if (p->lim[kind].last == 0 || wait <= 0) {
			p->lim[kind].pending = 0;
			priv_apply_limit(p, kind, p->lim[kind].value);
		} else if (next == -1 || wait < next)
			next = wait;
	}
	return (int)next;
}

void
priv_send_seeds(struct priv *p)
{
	const struct privconf	*c = p->conf;
	struct msg_disk		 m;
	struct msg_text		 t;
	size_t			 i;

	for (i = 0; i < c->ndisks; i++) {
		memset(&m, 0, sizeof(m));
		strlcpy(m.path, c->disks[i], sizeof(m.path));
		priv_compose(p, IMSG_DISK_SEED, &m, sizeof(m));
	}
	if (p->clean == CLEAN_WAITING)
		priv_compose(p, IMSG_CLEANUP_ARMED, NULL, 0);
	if (c->warning[0] != '\0') {
		memset(&t, 0, sizeof(t));
		strlcpy(t.text, c->warning, sizeof(t.text));
		priv_compose(p, IMSG_CONF_WARNING, &t, sizeof(t));
	}
	priv_compose(p, IMSG_CONF_DONE, NULL, 0);
}

void
priv_start_v2v(struct priv *p)
{
	const struct privconf	*c = p->conf;
	struct msg_pid		 mp;
	struct msg_text		 mt;

	memset(&mt, 0, sizeof(mt));
	if (conv_start(c, &p->v2v_pid, &p->pidfd, mt.text,
	    sizeof(mt.text)) == -1) {
		priv_v2v_phase(p, V2V_NOSTART);
		p->done_by = mono_ms() + PRIV_DONE_MS;
		/* A child exits on its own; priv's loop reaps it. */
		cleanup_secrets(p);
		log_warnx("virt-v2v could not be started: %s", mt.text);
		priv_compose(p, IMSG_V2V_START_FAILED, &mt, sizeof(mt));
		return;
	}
	priv_v2v_phase(p, V2V_RUNNING);
	/* A direct child joined the net_cls cgroup itself. */
	if (c->unit[0] != '\0')
		net_adopt(c, p->v2v_pid);
	mp.pid = p->v2v_pid;
	log_info("virt-v2v started, pid %ld", (long)mp.pid);
	priv_compose(p, IMSG_V2V_STARTED, &mp, sizeof(mp));
	/* The input's throttling, right after the start. */
	if (c->limits.has_cpu)
		priv_apply_limit(p, LIMIT_CPU, c->limits.cpu);
	if (c->limits.has_net)
		priv_apply_limit(p, LIMIT_NET, c->limits.net);
}
