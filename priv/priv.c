/* SPDX-License-Identifier: ISC */
/*
 * The priv loop: start virt-v2v, then wait in ppoll() for what moves
 * the run (a signal, a child's end, virt-v2v's unit, the monitor's
 * messages) and hand each to priv/run.c or priv/dispatch.c.  The loop
 * ends once the monitor wrote the final state and virt-v2v is over;
 * then priv cleans up and exits 0 when the run succeeded, 2 when not.
 */
#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/end.h"
#include "common/imsg.h"
#include "common/log.h"
#include "common/wrapper.h"
#include "priv/priv.h"

static volatile sig_atomic_t	got_chld, got_stop;

static void
sighdlr(int sig)
{
	if (sig == SIGCHLD)
		got_chld = 1;
	else
		got_stop = sig;
}

static void
priv_signals(sigset_t *waitmask)
{
	struct sigaction	sa;
	sigset_t		block;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = sighdlr;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	/* Blocked except inside ppoll(): no flag is missed between the
	 * check and the wait. */
	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, waitmask);
	sigdelset(waitmask, SIGCHLD);
	sigdelset(waitmask, SIGTERM);
	sigdelset(waitmask, SIGINT);
}

void
priv_exit(int code)
{
	exit(code);
}

/*
 * Signals that wait, blocked: ppoll() lets them in only when it is
 * interrupted, and since Linux 5.3 one that returns ready descriptors
 * restores the mask without delivering them.  A monitor that keeps the
 * socket readable would hide SIGCHLD and SIGTERM for ever; take them
 * here, each pass.
 */
static void
priv_take_signals(void)
{
	struct timespec	zero = { 0, 0 };
	sigset_t	set;
	int		sig;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	while ((sig = sigtimedwait(&set, NULL, &zero)) > 0)
		sighdlr(sig);
}

static void
priv_reap(struct priv *p)
{
	pid_t	pid;
	int	status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid == p->conf->v2v_pid && priv_v2v_running(p))
			priv_ended(p, status);
		else if (pid == p->monitor_pid) {
			/* Never signal a pid that may be reused. */
			p->monitor_pid = -1;
			log_debug("monitor (pid %ld) ended", (long)pid);
			/* Its last messages wait in the socket, after its
			 * SIGCHLD: DONE may be among them. */
			if (p->mon == MON_RUNNING)
				priv_mon_phase(p, MON_DRAINING);
		} else if (pid == p->kube_pid) {
			p->kube_pid = -1;
		} else if (pid == p->cleaner_pid) {
			cleaner_reaped(p, status);
		} else if (pid == p->agent_pid) {
			p->agent_pid = -1;
			log_warnx("the ssh-agent ended early");
		}
	}
}

static void
priv_ready(const struct privconf *c)
{
	char	ch = READY_BYTE;

	if (c->readyfd == -1)
		return;
	if (write(c->readyfd, &ch, 1) != 1)
		log_warn("telling the first process that we run");
	close(c->readyfd);
}

/* A stop that virt-v2v ignores ends in SIGKILL, again and again. */
static void
priv_stop_deadline(struct priv *p)
{
	if (p->stop_sig == 0 || !priv_v2v_running(p) ||
	    mono_ms() < p->stop_deadline)
		return;
	log_warnx("virt-v2v ignored SIGTERM, killing it");
	conv_signal(p->conf, p->v2v_pid, SIGKILL);
	p->stop_deadline = mono_ms() + PRIV_STOP_GRACE_MS;
}

/*
 * How long priv may wait: until a unit without a pidfd is to be asked
 * (on its own clock, never because the monitor wrote: a chatty monitor
 * must not cost a systemctl call per message), a limit is due, or the
 * monitor's last word is; a second at most.
 */
static int
priv_wait_ms(struct priv *p, int unit_ms)
{
	long long	now = mono_ms();
	int		ms = 1000, due;

	if (unit_ms != -1 && priv_v2v_running(p)) {
		if (p->unit_check_at == 0)
			p->unit_check_at = now + unit_ms;
		ms = p->unit_check_at > now ? p->unit_check_at - now : 0;
	}
	if ((due = priv_limits_due(p, now)) != -1 && due < ms)
		ms = due;
	if (p->done_by != 0 && p->done_by - now < ms)
		ms = p->done_by > now ? p->done_by - now : 0;
	if (p->clean == CLEAN_RUNNING && p->clean_by - now < ms)
		ms = p->clean_by > now ? p->clean_by - now : 0;
	return ms;
}

static void
priv_poll(struct priv *p, const sigset_t *waitmask)
{
	struct pollfd	pfd[2] = { { p->conf->sock, POLLIN, 0 },
			    { p->pidfd, POLLIN, 0 } };
	struct timespec	ts;
	int		unit_ms = conv_poll_ms(p->conf, p->pidfd);
	int		ms = priv_wait_ms(p, unit_ms), take;

	/* A monitor that does not read its answers is not read either:
	 * what priv holds for it stays small. */
	take = p->mon == MON_RUNNING && p->ibuf.queued < PRIV_ANSWERS_MAX;
	if (p->mon != MON_RUNNING)
		pfd[0].fd = -1;
	else if (!take)
		pfd[0].events = 0;
	if (p->ibuf.queued > 0)
		pfd[0].events |= POLLOUT;
	/* Messages wait in the buffer: only look for signals and ends. */
	if (take && imsg_pending(&p->ibuf))
		ms = 0;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	if (ppoll(pfd, 2, &ts, waitmask) == -1) {
		if (errno != EINTR)
			fatal("ppoll");
		return;
	}
	/* The monitor closed its end: reading will find out how. */
	if (pfd[0].revents & POLLOUT && imsg_write(&p->ibuf) == -1 &&
	    errno != EAGAIN)
		imsg_clear_write(&p->ibuf);
	if (take && (pfd[0].revents & (POLLIN | POLLHUP | POLLERR) ||
	    imsg_pending(&p->ibuf)))
		priv_read_monitor(p);
	if (pfd[1].revents & POLLIN)
		priv_check_unit(p, 1);
	else if (unit_ms != -1 && priv_v2v_running(p) &&
	    mono_ms() >= p->unit_check_at) {
		p->unit_check_at = mono_ms() + unit_ms;
		priv_check_unit(p, 0);
	}
}

/* Until the monitor said its last word and virt-v2v is over. */
static void
priv_loop(struct priv *p, const sigset_t *waitmask)
{
	for (;;) {
		priv_take_signals();
		if (got_chld) {
			got_chld = 0;
			priv_reap(p);
		}
		if (got_stop) {
			priv_stop(p, got_stop);
			got_stop = 0;
		}
		priv_stop_deadline(p);
		cleaner_deadline(p);
		/* virt-v2v is over; a monitor that never says its last word
		 * must not keep the run's lock, class and cgroup for ever. */
		if (p->mon == MON_RUNNING && p->done_by != 0 &&
		    mono_ms() >= p->done_by) {
			log_warnx("the monitor did not finish the state in time");
			priv_mon_phase(p, MON_LOST);
		}
		if (p->mon == MON_DRAINING)
			priv_drain_monitor(p);
		if (p->mon == MON_DONE && !priv_v2v_running(p))
			return;
		if (p->mon == MON_LOST)
			priv_monitor_lost(p);
		priv_poll(p, waitmask);
	}
}

void
priv_main(const struct privconf *conf)
{
	static struct priv	 p;
	struct end_facts	 f;
	struct end		 e;
	sigset_t		 waitmask;

	priv_init(&p, conf);
	log_procinit("priv");
	if (conf->root)
		caps_drop();
	else if (geteuid() == 0)
		caps_trim();
	priv_signals(&waitmask);
	if (conf->steer != NULL)
		log_info("network limits: cgroup v2, the run's BPF program");
	else if (conf->netcgfd != -1)
		log_info("network limits: the run's net_cls cgroup");
	priv_send_seeds(&p);
	priv_start_v2v(&p);
	if (imsg_flush(&p.ibuf) == -1)
		log_warn("sending to the monitor");
	priv_ready(conf);

	priv_loop(&p, &waitmask);
	cleanup_run(&p);
	/* No process of the run outlives priv; the pod's client sends its
	 * last patches first. */
	if (p.monitor_pid != -1)
		child_stop_wait_for(p.monitor_pid, PRIV_REAP_SEC);
	if (p.kube_pid != -1)
		child_stop_wait_for(p.kube_pid, PRIV_KUBE_SEC);
	priv_end_facts(&p, END_EXITED, &f);
	end_decide(&f, &e);
	log_info("run ended, %s", e.failed ? "failed" : "succeeded");
	exit(e.failed ? 2 : 0);
}
