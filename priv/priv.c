/* SPDX-License-Identifier: ISC */
/*
 * The priv loop: start virt-v2v, tell the monitor its pid and its end,
 * stop it when asked (a signal, or the monitor's request), and clean up.
 * Every message from the monitor is checked for its exact length, its
 * values and its moment; a violation ends priv at once (validate, then
 * act, as OpenBSD's vmd priv.c does).
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/imsg.h"
#include "common/log.h"
#include "common/state.h"
#include "common/wrapper.h"
#include "priv/priv.h"

#define STOP_GRACE_SEC	30	/* TERM, then KILL after this long */
#define DISPATCH_MAX	64	/* monitor messages acted on per pass */

struct priv {
	struct privconf	*pc;
	struct imsgbuf	 ibuf;
	pid_t		 v2v_pid;
	int		 pidfd;		/* a unit's MainPID, or -1 */
	int		 show_failures;
	int		 exit_seen;
	int		 v2v_running;
	int		 v2v_started;
	int		 v2v_status;
	int		 v2v_exited;
	int		 stopping;	/* the signal that asked us to stop */
	time_t		 stop_deadline;
	int		 monitor_eof;
	int		 monitor_reaped;
	int		 monitor_done;
	int		 backlog;	/* messages read, not yet acted on */
	int		 failed;
};

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

static void
priv_compose(struct priv *p, enum imsg_type type, const void *data,
    size_t len)
{
	if (p->monitor_eof)
		return;
	if (imsg_compose(&p->ibuf, type, 0, 0, -1, data, len) == -1)
		fatal("imsg_compose");
}

/*
 * The minimal final state, when the monitor cannot write it (DESIGN.md
 * section 3.7): what priv itself knows, after the secrets are gone.
 */
static void
priv_final_state(struct priv *p, const char *why)
{
	struct state	st;

	state_init(&st);
	st.started = p->v2v_started;
	st.pid = p->v2v_pid;
	if (p->v2v_exited && p->v2v_started) {
		st.has_rc = 1;
		st.rc = WIFSIGNALED(p->v2v_status) ?
		    -WTERMSIG(p->v2v_status) : WEXITSTATUS(p->v2v_status);
	}
	state_message(&st, MSG_ERROR, why);
	st.failed = st.finished = 1;
	cleanup_run(p->pc);
	if (state_write(p->pc->rundirfd, &st) == -1)
		log_warn("writing the final state");
	state_free(&st);
}

/*
 * The monitor broke the protocol.  It may be compromised: stop
 * virt-v2v, remove the secrets, write the final state, and end without
 * acting on anything more.
 */
static __attribute__((noreturn, format(printf, 2, 3))) void
priv_violation(struct priv *p, const char *fmt, ...)
{
	char	buf[256];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (p->v2v_running) {
		conv_signal(p->pc, p->v2v_pid, SIGKILL);
		conv_finish(p->pc);
	}
	priv_final_state(p, "the monitor process broke the protocol; the "
	    "conversion was stopped");
	fatalx("protocol violation by the monitor: %s", buf);
}

static void
priv_stop(struct priv *p, int sig)
{
	struct msg_signal	m = { sig };

	if (p->stopping)
		return;
	p->stopping = sig;
	log_info("stopping virt-v2v on %s", strsignal(sig));
	priv_compose(p, IMSG_STOPPING, &m, sizeof(m));
	if (p->v2v_running) {
		conv_signal(p->pc, p->v2v_pid, SIGTERM);
		p->stop_deadline = time(NULL) + STOP_GRACE_SEC;
	}
}

/* virt-v2v ended: secrets go first, then the monitor hears of it. */
static void
priv_ended(struct priv *p, int status)
{
	struct msg_status	m;

	p->v2v_running = 0;
	p->v2v_exited = 1;
	p->v2v_status = status;
	if (p->pidfd != -1) {
		close(p->pidfd);
		p->pidfd = -1;
	}
	log_info("virt-v2v (pid %ld) ended, wait status 0x%x",
	    (long)p->v2v_pid, status);
	conv_finish(p->pc);
	cleanup_secrets(p->pc);
	m.status = status;
	priv_compose(p, IMSG_V2V_EXITED, &m, sizeof(m));
}

/*
 * A unit: ask systemd how it is.  Once the pidfd said the process is
 * gone, systemd may take a moment to say so too: ask every tick, and
 * give up on an answer after 20 of them.
 */
static void
priv_check_unit(struct priv *p, int woken)
{
	int	status;

	if (!p->v2v_running)
		return;
	if (woken && p->pidfd != -1) {
		close(p->pidfd);
		p->pidfd = -1;
		p->exit_seen = 1;
	}
	if (conv_ended(p->pc, &status)) {
		priv_ended(p, status);
		return;
	}
	if (p->exit_seen && ++p->show_failures > 20) {
		log_warnx("virt-v2v ended, but systemd did not say how");
		priv_ended(p, 1 << 8);
	}
}

static void
priv_reap(struct priv *p)
{
	pid_t			pid;
	int			status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid == p->pc->child_pid && p->v2v_running)
			priv_ended(p, status);
		else if (pid == p->pc->monitor_pid) {
			p->monitor_reaped = 1;
			log_debug("monitor (pid %ld) ended", (long)pid);
		} else if (pid == p->pc->agent_pid) {
			/* Never signal a pid that may be reused. */
			p->pc->agent_pid = -1;
			log_warnx("the ssh-agent ended early");
		}
	}
}

/*
 * Apply a limit, from the input or the monitor, and tell the monitor
 * how it went.  CPU goes through the unit's CPUQuota; a direct child has
 * no unit.  Network goes through tc and the run's net_cls cgroup.
 */
static void
priv_apply_limit(struct priv *p, int kind, long long value)
{
	struct msg_limit_result	r;
	int			why = LIMIT_WHY_NONE;

	memset(&r, 0, sizeof(r));
	r.kind = kind;
	r.value = value;
	r.status = LIMIT_UNAVAILABLE;
	/* With virt-v2v ended there is nothing to limit, and no reason. */
	if (p->v2v_running && kind == LIMIT_NET)
		r.status = net_limit(p->pc, p->v2v_pid, value, &why);
	else if (p->v2v_running && p->pc->unit[0] != '\0')
		r.status = unit_cpu_quota(p->pc, value) == 0 ? LIMIT_APPLIED :
		    LIMIT_FAILED;
	else if (p->v2v_running)
		why = LIMIT_WHY_NOUNIT;
	if (r.status == LIMIT_UNAVAILABLE)
		r.why = why;
	log_info("%s limit %lld: %s", kind == LIMIT_CPU ? "cpu" : "network",
	    value, r.status == LIMIT_APPLIED ? "applied" :
	    r.status == LIMIT_FAILED ? "failed" : "not available");
	priv_compose(p, IMSG_LIMIT_RESULT, &r, sizeof(r));
}

/* A limit the monitor read from the throttling file: numbers in range. */
static void
priv_limit(struct priv *p, struct imsg *imsg)
{
	struct msg_limit	 l;
	long			 ncpu = p->pc->ncpu;

	if (imsg_datalen(imsg) != sizeof(l))
		priv_violation(p, "LIMIT length %zu", imsg_datalen(imsg));
	memcpy(&l, imsg->data, sizeof(l));
	if (l.kind == LIMIT_CPU) {
		if (l.value < 0 || l.value > 100LL * (ncpu < 1 ? 1 : ncpu))
			priv_violation(p, "cpu limit %lld", (long long)l.value);
	} else if (l.kind == LIMIT_NET) {
		if (l.value < 0 || l.value > (1LL << 50))
			priv_violation(p, "network limit %lld",
			    (long long)l.value);
	} else
		priv_violation(p, "limit kind %d", l.kind);
	if (l.pad != 0)
		priv_violation(p, "LIMIT padding");
	priv_apply_limit(p, l.kind, l.value);
}

static void
priv_dispatch_monitor(struct priv *p, struct imsg *imsg)
{
	struct msg_done	m;
	size_t		len = imsg_datalen(imsg);

	switch (imsg->hdr.type) {
	case IMSG_LIMIT:
		priv_limit(p, imsg);
		break;
	case IMSG_STOP_REQUEST:
		if (len != 0)
			priv_violation(p, "STOP_REQUEST length %zu", len);
		priv_stop(p, SIGTERM);
		break;
	case IMSG_MONITOR_DONE:
		if (len != sizeof(m))
			priv_violation(p, "MONITOR_DONE length %zu", len);
		memcpy(&m, imsg->data, sizeof(m));
		if (m.failed != 0 && m.failed != 1)
			priv_violation(p, "MONITOR_DONE failed=%d", m.failed);
		if (p->v2v_running || p->monitor_done)
			priv_violation(p, "MONITOR_DONE while %s",
			    p->v2v_running ? "virt-v2v runs" : "done");
		p->monitor_done = 1;
		/* priv knows how virt-v2v ended: the monitor cannot hide it. */
		p->failed = m.failed || !p->v2v_started || p->stopping ||
		    !WIFEXITED(p->v2v_status) || WEXITSTATUS(p->v2v_status) != 0;
		break;
	default:
		priv_violation(p, "unknown message type %u", imsg->hdr.type);
	}
}

/*
 * Read what the monitor sent and act on at most DISPATCH_MAX messages:
 * a flood of valid requests must not keep priv from seeing a signal or
 * virt-v2v's end for long.  The rest waits in the buffer (p->backlog),
 * and is taken before anything more is read, EOF included.
 */
static void
priv_read_monitor(struct priv *p)
{
	struct imsg	imsg;
	ssize_t		n;
	int		i;

	if (!p->backlog) {
		if ((n = imsg_read(&p->ibuf)) == -1) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			/* A monitor that died with our message unread: gone,
			 * not hostile. */
			if (errno != ECONNRESET && errno != EPIPE)
				priv_violation(p, "read: %s", strerror(errno));
			n = 0;
		}
		if (n == 0) {
			p->monitor_eof = 1;
			return;
		}
	}
	for (i = 0; i < DISPATCH_MAX; i++) {
		if ((n = imsg_get(&p->ibuf, &imsg)) == -1)
			priv_violation(p, "framing: %s", strerror(errno));
		if (n == 0) {
			p->backlog = 0;
			return;
		}
		priv_dispatch_monitor(p, &imsg);
		imsg_free(&imsg);
	}
	p->backlog = 1;
}

/* Read what an exited monitor left in the socket, up to its EOF. */
static void
priv_drain_monitor(struct priv *p)
{
	struct pollfd	pfd = { p->pc->sock, POLLIN, 0 };

	while (!p->monitor_eof && (p->backlog || poll(&pfd, 1, 1000) == 1))
		priv_read_monitor(p);
}

static void
priv_send_seeds(struct priv *p)
{
	struct msg_disk	m;
	struct msg_text	t;
	size_t		i;

	for (i = 0; i < p->pc->ndisks; i++) {
		memset(&m, 0, sizeof(m));
		strlcpy(m.path, p->pc->disks[i], sizeof(m.path));
		priv_compose(p, IMSG_DISK_SEED, &m, sizeof(m));
	}
	if (p->pc->warning != NULL && p->pc->warning[0] != '\0') {
		memset(&t, 0, sizeof(t));
		strlcpy(t.text, p->pc->warning, sizeof(t.text));
		priv_compose(p, IMSG_CONF_WARNING, &t, sizeof(t));
	}
	priv_compose(p, IMSG_CONF_DONE, NULL, 0);
}

static void
priv_start_v2v(struct priv *p)
{
	struct msg_pid		mp;
	struct msg_text		mt;

	memset(&mt, 0, sizeof(mt));
	if (conv_start(p->pc, &p->v2v_pid, &p->pidfd, mt.text,
	    sizeof(mt.text)) == 0) {
		p->v2v_running = p->v2v_started = 1;
		/* A direct child joined the net_cls cgroup itself. */
		if (p->pc->unit[0] != '\0')
			net_adopt(p->pc, p->v2v_pid);
		mp.pid = p->v2v_pid;
		log_info("virt-v2v started, pid %ld", (long)mp.pid);
		priv_compose(p, IMSG_V2V_STARTED, &mp, sizeof(mp));
		/* The input's throttling, right after the start. */
		if (p->pc->has_cpu)
			priv_apply_limit(p, LIMIT_CPU, p->pc->cpu);
		if (p->pc->has_net)
			priv_apply_limit(p, LIMIT_NET, p->pc->net);
		return;
	}
	/* A child exits on its own; priv_reap() collects it. */
	cleanup_secrets(p->pc);
	log_warnx("virt-v2v could not be started: %s", mt.text);
	priv_compose(p, IMSG_V2V_START_FAILED, &mt, sizeof(mt));
}

static void
priv_ready(struct priv *p)
{
	char	c = READY_BYTE;

	if (p->pc->readyfd == -1)
		return;
	if (write(p->pc->readyfd, &c, 1) != 1)
		log_warn("telling the first process that we run");
	close(p->pc->readyfd);
	p->pc->readyfd = -1;
}

/*
 * The monitor is gone without writing the final state.  Stop virt-v2v
 * and write the minimal final state ourselves (DESIGN.md section 3.7).
 */
static __attribute__((noreturn)) void
priv_monitor_lost(struct priv *p)
{
	int	status;

	log_warnx("the monitor ended before the run did");
	if (p->v2v_running &&
	    (status = conv_stop_wait(p->pc, p->v2v_pid, STOP_GRACE_SEC)) != -1) {
		p->v2v_exited = 1;
		p->v2v_status = status;
	}
	if (p->v2v_started)
		conv_finish(p->pc);
	priv_final_state(p, "the monitor process ended unexpectedly; the "
	    "conversion was stopped");
	/* Reap it: no zombie of the run outlives priv. */
	if (!p->monitor_reaped)
		child_stop_wait_for(p->pc->monitor_pid, 5);
	exit(2);
}

static void
priv_poll(struct priv *p, const sigset_t *waitmask)
{
	struct pollfd	pfd[2] = { { p->pc->sock, POLLIN, 0 },
			    { p->pidfd, POLLIN, 0 } };
	struct timespec	ts = { 1, 0 };
	int		ms = conv_poll_ms(p->pc, p->pidfd);

	if (p->monitor_eof)
		pfd[0].fd = -1;
	if (p->ibuf.queued > 0)
		pfd[0].events |= POLLOUT;
	if (ms != -1 && p->v2v_running) {
		ts.tv_sec = 0;
		ts.tv_nsec = ms * 1000000L;
	}
	/* Messages wait in the buffer: only look for signals and ends. */
	if (p->backlog)
		ts.tv_sec = ts.tv_nsec = 0;
	if (ppoll(pfd, 2, &ts, waitmask) == -1) {
		if (errno != EINTR)
			fatal("ppoll");
		return;
	}
	if (pfd[0].revents & POLLOUT && imsg_write(&p->ibuf) == -1 &&
	    errno != EAGAIN)
		p->monitor_eof = 1;
	if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR) || p->backlog)
		priv_read_monitor(p);
	if (pfd[1].revents & POLLIN || (ms != -1 && p->v2v_running))
		priv_check_unit(p, pfd[1].revents & POLLIN);
}

void
priv_main(struct privconf *pc)
{
	struct priv	p;
	sigset_t	waitmask;

	memset(&p, 0, sizeof(p));
	p.pc = pc;
	p.pidfd = -1;
	log_procinit("priv");
	if (pc->root)
		caps_drop();
	priv_signals(&waitmask);
	imsg_init(&p.ibuf, pc->sock);
	priv_send_seeds(&p);
	priv_start_v2v(&p);
	if (imsg_flush(&p.ibuf) == -1)
		log_warn("sending to the monitor");
	priv_ready(&p);

	for (;;) {
		if (got_chld) {
			got_chld = 0;
			priv_reap(&p);
		}
		if (got_stop) {
			priv_stop(&p, got_stop);
			got_stop = 0;
		}
		if (p.stopping && p.v2v_running &&
		    time(NULL) >= p.stop_deadline) {
			log_warnx("virt-v2v ignored SIGTERM, killing it");
			conv_signal(pc, p.v2v_pid, SIGKILL);
			p.stop_deadline = time(NULL) + STOP_GRACE_SEC;
		}
		if (p.monitor_done && !p.v2v_running)
			break;
		/* A monitor that exited may have said DONE just before: its
		 * last messages wait in the socket, after its SIGCHLD. */
		if (p.monitor_reaped && !p.monitor_eof && !p.monitor_done)
			priv_drain_monitor(&p);
		if (p.monitor_done && !p.v2v_running)
			break;
		if (p.monitor_eof || p.monitor_reaped)
			priv_monitor_lost(&p);
		priv_poll(&p, &waitmask);
	}
	cleanup_run(pc);
	/* No process of the run outlives priv. */
	if (!p.monitor_reaped)
		child_stop_wait_for(pc->monitor_pid, 5);
	log_info("run ended, %s", p.failed ? "failed" : "succeeded");
	exit(p.failed ? 2 : 0);
}
