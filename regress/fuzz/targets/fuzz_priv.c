/* SPDX-License-Identifier: ISC */
/*
 * Fuzz target: priv's dispatcher of the monitor's messages, driven as a
 * hostile monitor would.  The code is priv's own, linked as it is:
 * priv/dispatch.c (the message table, priv_read_monitor()), priv/run.c
 * (what the messages and events do, priv_violation()) and priv/phase.c.
 * The input's bytes go into the monitor's end of a socketpair whose
 * other end is priv's imsgbuf, in the chunks the input says.
 *
 * Input: two bytes of set-up, then operations.
 *   byte 0	bit 0 a systemd unit (else a direct child)
 *		bit 1 virt-v2v cannot be started
 *		bit 2 systemd refuses the CPUQuota
 *		bit 3 the input's throttling has cpu FZ_CPU
 *		bit 4 the input's throttling has network FZ_NET
 *		bit 5 stopping virt-v2v after a lost monitor fails
 *   byte 1	bits 0-2 the run's CPU count as the parent gives it to priv
 *		(ncpus[] below; 0 and -1 stand for 1, as the parent
 *		makes them)
 *		bits 3-4 what tc does with a network limit (applied,
 *		failed, unavailable)
 *   then one byte per operation, followed by the bytes it sends:
 *	00-7f	send the next 1..128 bytes
 *	80-bf	send the next 256..16384 bytes (in steps of 256)
 *	c0-cf	send the next 1..16 bytes with a descriptor (SCM_RIGHTS)
 *	d0-df	virt-v2v ends (ends[] below)
 *	e0-ef	priv gets SIGTERM (even) or SIGINT (odd)
 *	f0-ff	the monitor closes its end
 * After a send, priv reads until the socket is empty, as its poll loop
 * would, and stops once the monitor said DONE (its last word) and
 * virt-v2v ended (priv's loop ends then).  An input that runs out
 * closes the monitor's end.  Header layout: common/imsg.h (host byte
 * order); the seeds in seeds/priv/ are made by privseeds.c.
 *
 * The harness keeps its own model of the protocol (DESIGN.md section
 * 2: exact lengths, values in range, the right moment), fed with the
 * same bytes, and writes down what priv must do at each step: a trace
 * of effects ("quota(50) result(1,1,50) ").  Every external effect of
 * priv's is a recorder that appends to the trace of what priv did:
 * conv_*, unit_cpu_quota, net_limit, cleanup_*, child_stop_wait_for,
 * priv_exit, fatalx (all defined here, as priv.h and log.h declare
 * them), and the final state and the messages priv reads and sends,
 * seen through the linker's --wrap of state_write and imsg_* (fuzz.sh).
 * The two traces are compared after every message priv dispatches
 * (when it frees it), at every violation and after every other step, so
 *   - a valid message does exactly what it must (a cpu limit calls
 *     unit_cpu_quota once with its value, when there is a unit and
 *     virt-v2v runs; a network limit calls net_limit once);
 *   - an invalid one (length, value, kind, padding, moment, framing, a
 *     descriptor) reaches no effect: only the violation's own (kill a
 *     running virt-v2v, clean up, the final state, fatalx);
 *   - after a violation, or after DONE, nothing more is acted on: the
 *     messages queued behind it are never dispatched.
 * The recorders of unit_cpu_quota and net_limit check the value's range
 * themselves too.  A mismatch prints both traces and abort()s.
 *
 * priv_violation() ends in fatalx() and priv_monitor_lost() in
 * priv_exit(): both are noreturn.  The recorders longjmp() back to the
 * input's start instead.  Nothing of priv's runs after that, and what
 * the abandoned frames held (the message being dispatched, the queued
 * replies, a pidfd) is freed here.
 */
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/imsg.h"
#include "common/limits.h"
#include "common/log.h"
#include "common/state.h"
#include "common/wrapper.h"
#include "priv/priv.h"

#define FZ_PID		4242	/* virt-v2v */
#define FZ_MONITOR_PID	4343
#define FZ_RUNDIRFD	1000	/* never opened: only compared */
#define FZ_CPU		50
#define FZ_NET		1048576
#define FZ_GRACE	30	/* priv.c's STOP_GRACE_SEC */
#define FZ_REAP_SEC	5	/* priv.c's wait for the monitor's end */
#define TRACE_MAX	4096

#define FZ_CHECK(cond) do {						\
	if (!(cond))							\
		fz_fail(__FILE__, __LINE__, #cond);			\
} while (0)

static const long	ncpus[8] = { 1, 2, 3, 4, 8, 64, 0, -1 };
/* wait(2) statuses: exit 0, 1, 2, 255; SIGKILL, SIGTERM, SIGABRT, and a
 * SIGSEGV with a core. */
static const int	ends[8] = { 0, 1 << 8, 2 << 8, 255 << 8, SIGKILL,
			    SIGTERM, SIGABRT, 0x80 | SIGSEGV };

/* The model: what priv must believe and do. */
static struct model {
	/* set-up */
	int		 unit;
	int		 start_fails;
	int		 quota_fails;
	int		 stopwait_fails;
	int		 has_cpu, has_net;
	long		 ncpu;
	int		 net_outcome;	/* enum limit_status */
	int		 end_status;	/* for conv_ended() */
	/* the run */
	int		 running, started, exited, status, stopping;
	int		 done, mon_failed, eof;
	/* valid limits taken, not applied yet: the newest per kind */
	int		 pend[LIMIT_NET + 1];
	long long	 pval[LIMIT_NET + 1];
	/* bytes sent and not read by priv yet; read and not got yet */
	unsigned char	 sent[16384];
	size_t		 nsent;
	int		 fd_pending;	/* the unread bytes came with an fd */
	unsigned char	 rbuf[IMSG_READBUF];
	size_t		 rlen;
	int		 closed;
} M;

static struct privconf	pc;
static struct priv	P;
static int		sv[2] = { -1, -1 };	/* priv's end, the monitor's */
static jmp_buf		jb;
static int		over;		/* fatalx or exit was called */
static struct imsg	inflight;	/* being dispatched */
static int		has_inflight;
static char		trace[TRACE_MAX], want[TRACE_MAX];

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* The real functions behind the ones --wrap sends here. */
ssize_t	__real_imsg_read(struct imsgbuf *);
ssize_t	__real_imsg_get(struct imsgbuf *, struct imsg *);
void	__real_imsg_free(struct imsg *);
int	__real_imsg_compose(struct imsgbuf *, uint32_t, const void *, size_t);
ssize_t	__wrap_imsg_read(struct imsgbuf *);
ssize_t	__wrap_imsg_get(struct imsgbuf *, struct imsg *);
void	__wrap_imsg_free(struct imsg *);
int	__wrap_imsg_compose(struct imsgbuf *, uint32_t, const void *, size_t);
int	__wrap_state_write(int, const struct state *);

__attribute__((noreturn)) static void
fz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "FUZZ INVARIANT FAILED: %s:%d: %s\n", file, line,
	    what);
	fprintf(stderr, "  priv did:  %s\n  it should: %s\n", trace, want);
	abort();
}

static void __attribute__((format(printf, 2, 3)))
tr(char *buf, const char *fmt, ...)
{
	size_t	len = strlen(buf);
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(buf + len, TRACE_MAX - len, fmt, ap);
	va_end(ap);
	FZ_CHECK(n >= 0 && (size_t)n < TRACE_MAX - len);
}

/* The end of a step: priv did what it should, no more, no less. */
static void
check(void)
{
	if (strcmp(trace, want) != 0)
		fz_fail(__FILE__, __LINE__, "trace == want");
	trace[0] = want[0] = '\0';
}

/* An effect of priv's: after fatalx() or exit() there is none. */
static void __attribute__((format(printf, 1, 2)))
effect(const char *fmt, ...)
{
	size_t	len = strlen(trace);
	va_list	ap;
	int	n;

	FZ_CHECK(!over);
	va_start(ap, fmt);
	n = vsnprintf(trace + len, TRACE_MAX - len, fmt, ap);
	va_end(ap);
	FZ_CHECK(n >= 0 && (size_t)n < TRACE_MAX - len);
}

/* What priv believes, against the model. */
static void
check_view(void)
{
	int	started = priv_v2v_started(&P), running = priv_v2v_running(&P);

	FZ_CHECK(running == M.running);
	FZ_CHECK(started == M.started);
	FZ_CHECK(P.v2v_pid == (M.started ? FZ_PID : 0));
	FZ_CHECK((P.v2v == V2V_ENDED) == M.exited);
	if (M.exited)
		FZ_CHECK(P.v2v_status == M.status);
	FZ_CHECK(P.stop_sig == M.stopping);
	FZ_CHECK((P.mon == MON_DONE) == M.done);
	FZ_CHECK((P.mon == MON_LOST) == M.eof);
	if (M.done)
		FZ_CHECK(P.mon_failed == M.mon_failed);
	/* A pidfd only for a unit's running virt-v2v. */
	if (!M.unit || !M.running)
		FZ_CHECK(P.pidfd == -1);
}

/* ---- the model's side: what priv must do ---- */

static void
want_final(const char *why)
{
	const char	*rc = "-";
	char		 rcbuf[16];

	if (M.exited && M.started) {
		snprintf(rcbuf, sizeof(rcbuf), "%d", WIFSIGNALED(M.status) ?
		    -WTERMSIG(M.status) : WEXITSTATUS(M.status));
		rc = rcbuf;
	}
	tr(want, "cleanup state(%d,%d,%s,1,1,%s) ", M.started,
	    M.started ? FZ_PID : 0, rc, why);
}

static void
want_violation(void)
{
	if (M.running)
		tr(want, "kill(%d,%d) finish ", FZ_PID, SIGKILL);
	/* The monitor must not outlive priv. */
	tr(want, "killmon(%d) ", FZ_MONITOR_PID);
	want_final("broke");
	tr(want, "fatalx ");
}

static void
want_limit(int kind, long long value)
{
	int	status = LIMIT_UNAVAILABLE;

	if (M.running && kind == LIMIT_NET) {
		tr(want, "net(%d,%lld) ", FZ_PID, value);
		status = M.net_outcome;
	} else if (M.running && M.unit) {
		tr(want, "quota(%lld) ", value);
		status = M.quota_fails ? LIMIT_FAILED : LIMIT_APPLIED;
	}
	tr(want, "result(%d,%d,%lld) ", kind, status, value);
}

static void
want_stop(int sig)
{
	if (M.stopping)
		return;
	M.stopping = sig;
	tr(want, "stopping(%d) ", sig);
	if (M.running)
		tr(want, "kill(%d,%d) ", FZ_PID, SIGTERM);
}

static void
want_ended(int status)
{
	if (!M.running)
		return;
	if (M.unit)
		tr(want, "ended ");
	tr(want, "finish secrets exited(%d) ", status);
	M.running = 0;
	M.exited = 1;
	M.status = status;
}

/* One message from the monitor: valid (and its effects) or not. */
static void
want_dispatch(uint32_t type, const unsigned char *data, size_t len)
{
	struct msg_limit	l;
	struct msg_done		d;
	long			ncpu = M.ncpu < 1 ? 1 : M.ncpu;
	int			valid = 0;

	switch (type) {
	case IMSG_LIMIT:
		if (len != sizeof(l))
			break;
		memcpy(&l, data, sizeof(l));
		if (l.pad != 0)
			break;
		if (l.kind == LIMIT_CPU)
			valid = l.value >= 0 && l.value <= 100LL * ncpu;
		else if (l.kind == LIMIT_NET)
			valid = l.value >= 0 && l.value <= NETWORK_MAX;
		/* Taken now, applied when due (priv_limits_due()). */
		if (valid) {
			M.pend[l.kind] = 1;
			M.pval[l.kind] = l.value;
		}
		break;
	case IMSG_STOP_REQUEST:
		if ((valid = len == 0))
			want_stop(SIGTERM);
		break;
	case IMSG_MONITOR_DONE:
		if (len != sizeof(d))
			break;
		memcpy(&d, data, sizeof(d));
		/* Only after virt-v2v ended (or never ran); its last word. */
		if ((d.failed != 0 && d.failed != 1) || M.running)
			break;
		valid = 1;
		M.done = 1;
		M.mon_failed = d.failed;
		break;
	}
	if (!valid)
		want_violation();
}

/* ---- priv's side: the calls --wrap sends here ---- */

ssize_t
__wrap_imsg_read(struct imsgbuf *ib)
{
	size_t	old = ib->rlen;
	ssize_t	n;
	int	e;

	check();
	n = __real_imsg_read(ib);
	e = errno;
	if (M.fd_pending) {
		/* No descriptor is accepted from the monitor. */
		FZ_CHECK(n == -1 && e == EBADMSG);
		M.fd_pending = 0;
		want_violation();
	} else if (n > 0) {
		FZ_CHECK((size_t)n <= M.nsent);
		FZ_CHECK(memcmp(ib->rbuf + old, M.sent, (size_t)n) == 0);
		FZ_CHECK(M.rlen + (size_t)n <= sizeof(M.rbuf));
		memcpy(M.rbuf + M.rlen, M.sent, (size_t)n);
		M.rlen += (size_t)n;
		M.nsent -= (size_t)n;
		memmove(M.sent, M.sent + n, M.nsent);
	} else if (n == 0) {
		FZ_CHECK(M.closed && M.nsent == 0);
		M.eof = 1;
	} else
		FZ_CHECK(!"read failed");
	errno = e;
	return n;
}

ssize_t
__wrap_imsg_get(struct imsgbuf *ib, struct imsg *im)
{
	struct imsg_hdr	 h;
	ssize_t		 n, expect = 0;
	size_t		 datalen;
	int		 e;

	memset(&h, 0, sizeof(h));
	check();
	FZ_CHECK(!has_inflight);
	if (M.rlen >= sizeof(h)) {
		memcpy(&h, M.rbuf, sizeof(h));
		if (h.len < sizeof(h) || h.len > IMSG_MAXSIZE)
			expect = -1;
		else if (M.rlen >= h.len)
			expect = (ssize_t)h.len;
	}
	n = __real_imsg_get(ib, im);
	e = errno;
	FZ_CHECK(n == expect);
	if (n == -1)
		want_violation();
	if (n <= 0) {
		errno = e;
		return n;
	}
	datalen = h.len - sizeof(h);
	FZ_CHECK(memcmp(&im->hdr, &h, sizeof(h)) == 0);
	FZ_CHECK((datalen == 0) == (im->data == NULL));
	FZ_CHECK(datalen == 0 || memcmp(im->data, M.rbuf + sizeof(h),
	    datalen) == 0);
	inflight = *im;
	has_inflight = 1;
	want_dispatch(h.type, M.rbuf + sizeof(h), datalen);
	M.rlen -= h.len;
	memmove(M.rbuf, M.rbuf + h.len, M.rlen);
	errno = e;
	return n;
}

/* priv is done with a message: it did what the model said. */
void
__wrap_imsg_free(struct imsg *im)
{
	FZ_CHECK(has_inflight && im->data == inflight.data);
	has_inflight = 0;
	__real_imsg_free(im);
	check();
}

/* What priv tells the monitor. */
int
__wrap_imsg_compose(struct imsgbuf *ib, uint32_t type, const void *data,
    size_t len)
{
	struct msg_limit_result	r;
	struct msg_signal	s;
	struct msg_status	st;
	struct msg_pid		p;
	const struct msg_text	*t = data;

	FZ_CHECK(ib->fd == sv[0]);
	switch (type) {
	case IMSG_LIMIT_RESULT:
		FZ_CHECK(len == sizeof(r));
		memcpy(&r, data, sizeof(r));
		effect("result(%d,%d,%lld) ", r.kind, r.status,
		    (long long)r.value);
		/* A reason only for an unavailable limit, one we know. */
		FZ_CHECK(r.why >= 0 && r.why < LIMIT_WHY_MAX);
		FZ_CHECK(r.status == LIMIT_UNAVAILABLE || r.why == 0);
		FZ_CHECK(r.pad == 0);
		break;
	case IMSG_STOPPING:
		FZ_CHECK(len == sizeof(s));
		memcpy(&s, data, sizeof(s));
		effect("stopping(%d) ", s.signo);
		break;
	case IMSG_V2V_EXITED:
		FZ_CHECK(len == sizeof(st));
		memcpy(&st, data, sizeof(st));
		effect("exited(%d) ", st.status);
		break;
	case IMSG_V2V_STARTED:
		FZ_CHECK(len == sizeof(p));
		memcpy(&p, data, sizeof(p));
		effect("started(%d) ", p.pid);
		break;
	case IMSG_V2V_START_FAILED:
		FZ_CHECK(len == sizeof(*t));
		FZ_CHECK(memchr(t->text, '\0', sizeof(t->text)) != NULL);
		effect("startfailed ");
		break;
	default:
		effect("msg(%u,%zu) ", type, len);
		break;
	}
	return __real_imsg_compose(ib, type, data, len);
}

int
__wrap_state_write(int dirfd, const struct state *st)
{
	const char	*why = "?";
	char		 rc[16] = "-";

	FZ_CHECK(dirfd == FZ_RUNDIRFD);
	FZ_CHECK(st->msgtype == MSG_ERROR && st->message != NULL);
	if (strstr(st->message, "broke the protocol") != NULL)
		why = "broke";
	else if (strstr(st->message, "ended unexpectedly") != NULL)
		why = "lost";
	if (st->has_rc)
		snprintf(rc, sizeof(rc), "%d", st->rc);
	effect("state(%d,%d,%s,%d,%d,%s) ", st->started, (int)st->pid, rc,
	    st->failed, st->finished, why);
	return 0;
}

void
priv_exit(int code)
{
	effect("exit(%d) ", code);
	check();
	over = 1;
	longjmp(jb, 2);
}

/* ---- priv's effects (priv.h) ---- */

void
child_stop_wait_for(pid_t pid, int secs)
{
	effect("reap(%d,%d) ", (int)pid, secs);
}

void
child_kill_wait(pid_t pid)
{
	effect("killmon(%d) ", (int)pid);
}

int
unit_cpu_quota(const struct privconf *c, long long value)
{
	long	ncpu = M.ncpu < 1 ? 1 : M.ncpu;

	FZ_CHECK(c == &pc && M.unit);
	FZ_CHECK(value >= 0 && value <= 100LL * ncpu);
	effect("quota(%lld) ", value);
	return M.quota_fails ? -1 : 0;
}

/* At the start of a unit only, never from a message: not an effect the
 * model follows, but checked for its arguments. */
void
net_adopt(const struct privconf *c, pid_t pid)
{
	FZ_CHECK(c == &pc);
	FZ_CHECK(c->unit[0] != '\0' && pid > 0);
}

int
net_limit(struct priv *p, long long value, int *why)
{
	FZ_CHECK(p == &P);
	FZ_CHECK(value >= 0 && value <= NETWORK_MAX);
	effect("net(%d,%lld) ", (int)p->v2v_pid, value);
	if (M.net_outcome == LIMIT_UNAVAILABLE)
		*why = LIMIT_WHY_NOIF;
	return M.net_outcome;
}

int
conv_start(const struct privconf *c, pid_t *pid, int *pidfd, char *why,
    size_t whylen)
{
	FZ_CHECK(c == &pc);
	effect("start ");
	*pidfd = -1;
	if (M.start_fails) {
		snprintf(why, whylen, "fuzz: no virt-v2v");
		return -1;
	}
	*pid = FZ_PID;
	if (M.unit && (*pidfd = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1)
		FZ_CHECK(!"open /dev/null");
	return 0;
}

void
conv_signal(const struct privconf *c, pid_t pid, int sig)
{
	FZ_CHECK(c == &pc);
	effect("kill(%d,%d) ", (int)pid, sig);
}

int
conv_ended(const struct privconf *c, int *status)
{
	FZ_CHECK(c == &pc && M.unit);
	effect("ended ");
	*status = M.end_status;
	return 1;
}

void
conv_finish(const struct privconf *c)
{
	FZ_CHECK(c == &pc);
	effect("finish ");
}

int
conv_stop_wait(const struct privconf *c, pid_t pid, int grace)
{
	FZ_CHECK(c == &pc);
	effect("stopwait(%d,%d) ", (int)pid, grace);
	return M.stopwait_fails ? -1 : SIGKILL;
}

void
cleanup_secrets(struct priv *p)
{
	FZ_CHECK(p == &P);
	effect("secrets ");
}

void
cleanup_run(struct priv *p)
{
	FZ_CHECK(p == &P);
	effect("cleanup ");
}

/* ---- common/log.h: formats checked, nothing written ---- */

static void
sink(const char *fmt, va_list ap)
{
	char	buf[LOG_LINE_MAX];

	vsnprintf(buf, sizeof(buf), fmt, ap);
}

#define SINK(fmt) do {							\
	va_list	ap;							\
	va_start(ap, fmt);						\
	sink(fmt, ap);							\
	va_end(ap);							\
} while (0)

void
log_procinit(const char *name)
{
	(void)name;
}

void
log_warn(const char *fmt, ...)
{
	SINK(fmt);
}

void
log_warnx(const char *fmt, ...)
{
	SINK(fmt);
}

void
log_info(const char *fmt, ...)
{
	SINK(fmt);
}

void
log_debug(const char *fmt, ...)
{
	SINK(fmt);
}

/* Only imsg_compose() failing (no memory) would call it. */
void
fatal(const char *fmt, ...)
{
	SINK(fmt);
	fprintf(stderr, "FUZZ INVARIANT FAILED: priv called fatal()\n");
	abort();
}

/* priv's one fatalx(): the violation, at its very end. */
void
fatalx(const char *fmt, ...)
{
	static const char	 pfx[] = "protocol violation by the monitor: ";
	char			 buf[LOG_LINE_MAX];
	va_list			 ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	FZ_CHECK(strncmp(buf, pfx, sizeof(pfx) - 1) == 0);
	effect("fatalx ");
	check();
	over = 1;
	longjmp(jb, 1);
}

/* ---- the monitor's side ---- */

/* priv reads until the socket is empty and it has acted on all it read
 * (at most DISPATCH_MAX messages a pass), or until its loop would end. */
static void
drain(void)
{
	int	pending;

	for (;;) {
		if (M.done && !M.running)
			return;
		FZ_CHECK(ioctl(sv[0], FIONREAD, &pending) == 0);
		if (pending == 0 && !imsg_pending(&P.ibuf) &&
		    !(M.closed && !M.eof))
			return;
		priv_read_monitor(&P);
		check();
		check_view();
		if (M.eof)
			return;
	}
}

/*
 * The limits taken are applied when their kind's second is over: here
 * at once (a time far ahead), as priv's loop would before its next
 * wait, unless that loop has ended (DONE).  In kind order, the newest
 * value of each, one answer each.
 */
static void
apply_pending(void)
{
	int	kind;

	if (M.done && !M.running)
		return;
	for (kind = LIMIT_CPU; kind <= LIMIT_NET; kind++)
		if (M.pend[kind]) {
			M.pend[kind] = 0;
			want_limit(kind, M.pval[kind]);
		}
	FZ_CHECK(priv_limits_due(&P, LLONG_MAX / 4) == -1);
	check();
	check_view();
}

static void
send_chunk(const uint8_t *buf, size_t len, int withfd)
{
	union {
		struct cmsghdr	hdr;
		unsigned char	buf[CMSG_SPACE(sizeof(int))];
	} cm;
	struct msghdr	 msg;
	struct iovec	 iov;
	struct cmsghdr	*c;
	ssize_t		 n;

	FZ_CHECK(M.nsent == 0 && len <= sizeof(M.sent));
	memset(&msg, 0, sizeof(msg));
	iov.iov_base = (void *)(uintptr_t)buf;
	iov.iov_len = len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (withfd) {
		/* Any descriptor will do: our own end of the socket. */
		memset(&cm, 0, sizeof(cm));
		msg.msg_control = cm.buf;
		msg.msg_controllen = sizeof(cm.buf);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &sv[1], sizeof(int));
	}
	n = sendmsg(sv[1], &msg, MSG_NOSIGNAL);
	FZ_CHECK(n == (ssize_t)len);
	memcpy(M.sent, buf, len);
	M.nsent = len;
	M.fd_pending = withfd;
}

__attribute__((noreturn)) static void
close_monitor(void)
{
	close(sv[1]);
	sv[1] = -1;
	M.closed = 1;
	drain();
	FZ_CHECK(M.eof);
	/* priv_main(): the monitor is gone without its DONE. */
	if (M.running) {
		tr(want, "stopwait(%d,%d) ", FZ_PID, FZ_GRACE);
		if (!M.stopwait_fails) {
			M.exited = 1;
			M.status = SIGKILL;
		}
	}
	if (M.started)
		tr(want, "finish ");
	want_final("lost");
	tr(want, "reap(%d,%d) exit(2) ", FZ_MONITOR_PID, FZ_REAP_SEC);
	priv_monitor_lost(&P);
}

static void
setup(const uint8_t *data)
{
	static const int	net[4] = { LIMIT_APPLIED, LIMIT_FAILED,
				    LIMIT_UNAVAILABLE, LIMIT_APPLIED };

	memset(&M, 0, sizeof(M));
	M.unit = data[0] & 1;
	M.start_fails = !!(data[0] & 2);
	M.quota_fails = !!(data[0] & 4);
	M.has_cpu = !!(data[0] & 8);
	M.has_net = !!(data[0] & 16);
	M.stopwait_fails = !!(data[0] & 32);
	M.ncpu = ncpus[data[1] & 7];
	M.net_outcome = net[(data[1] >> 3) & 3];

	memset(&pc, 0, sizeof(pc));
	FZ_CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	FZ_CHECK(fcntl(sv[0], F_SETFL, O_NONBLOCK) == 0);
	pc.sock = sv[0];
	pc.monitor_pid = FZ_MONITOR_PID;
	/* What the parent gives priv: the count, at least 1. */
	pc.ncpu = M.ncpu < 1 ? 1 : M.ncpu;
	pc.v2v_pid = FZ_PID;
	pc.gofd = pc.execfd = pc.readyfd = -1;
	pc.rundirfd = FZ_RUNDIRFD;
	pc.privdirfd = pc.basefd = pc.secretdirfd = pc.lockfd = -1;
	pc.agent_pid = pc.cleaner_pid = -1;
	pc.cleanerfd = -1;
	pc.root = 1;
	pc.limits.has_cpu = M.has_cpu;
	pc.limits.cpu = FZ_CPU;
	pc.limits.has_net = M.has_net;
	pc.limits.net = FZ_NET;
	if (M.unit)
		snprintf(pc.unit, sizeof(pc.unit), "v2v-fuzz.service");

	trace[0] = want[0] = '\0';
	over = has_inflight = 0;
	priv_init(&P, &pc);
}

/* priv_start_v2v(), and the input's own throttling. */
static void
start(void)
{
	tr(want, "start ");
	if (M.start_fails)
		tr(want, "secrets startfailed ");
	else {
		M.running = M.started = 1;
		tr(want, "started(%d) ", FZ_PID);
		if (M.has_cpu)
			want_limit(LIMIT_CPU, FZ_CPU);
		if (M.has_net)
			want_limit(LIMIT_NET, FZ_NET);
	}
	priv_start_v2v(&P);
	check();
	check_view();
}

static void
run(const uint8_t *data, size_t size)
{
	size_t	i = 2, n;
	uint8_t	op;
	int	sig;

	start();
	while (!(M.done && !M.running)) {
		if (i >= size)
			close_monitor();
		op = data[i++];
		if (op < 0xd0) {
			if (op < 0x80)
				n = (size_t)op + 1;
			else if (op < 0xc0)
				n = ((size_t)(op & 0x3f) + 1) * 256;
			else
				n = (size_t)(op & 0x0f) + 1;
			if (n > size - i)
				n = size - i;
			if (n == 0)
				continue;
			send_chunk(data + i, n, op >= 0xc0);
			i += n;
			drain();
			apply_pending();
		} else if (op < 0xe0) {
			M.end_status = ends[op & 7];
			want_ended(M.end_status);
			/* As priv learns it: a unit through its pidfd and
			 * systemd, a direct child through waitpid(). */
			if (M.unit)
				priv_check_unit(&P, 1);
			else if (priv_v2v_running(&P))
				priv_ended(&P, M.end_status);
			check();
			check_view();
		} else if (op < 0xf0) {
			sig = op & 1 ? SIGINT : SIGTERM;
			want_stop(sig);
			priv_stop(&P, sig);
			check();
			check_view();
		} else
			close_monitor();
	}
	/* priv_main() leaves its loop: how the run went is settled. */
	check_view();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	setup(data);
	if (setjmp(jb) == 0)
		run(data, size);
	/* What the frames left by longjmp() held. */
	if (has_inflight) {
		__real_imsg_free(&inflight);
		has_inflight = 0;
	}
	imsg_clear(&P.ibuf);
	if (P.pidfd != -1) {
		close(P.pidfd);
		P.pidfd = -1;
	}
	close(sv[0]);
	if (sv[1] != -1)
		close(sv[1]);
	sv[0] = sv[1] = -1;
	return 0;
}
