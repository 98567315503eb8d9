/* SPDX-License-Identifier: ISC */
/*
 * The monitor loop.  Re-exec'd by the parent with its descriptors at
 * fixed numbers (common/wrapper.h), it drops to the unprivileged user
 * and then only reads: the two virt-v2v logs and messages from priv.  It
 * writes one thing, the state file, atomically and coalesced: at most
 * every WRITE_MIN_MS while progress moves, at once on start and end, and
 * at least every HEARTBEAT_MS so a caller can tell it is alive.
 */
#include <sys/inotify.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/end.h"
#include "common/imsg.h"
#include "common/limits.h"
#include "common/log.h"
#include "common/state.h"
#include "common/wrapper.h"
#include "monitor/monitor.h"

#define WRITE_MIN_MS	200
#define HEARTBEAT_MS	(60 * 1000)
#define LOGPOLL_MS	1000	/* when inotify says nothing */
#define READ_CHUNK	(64 * 1024)
#define READS_PER_TURN	256	/* then look at priv's messages again */
#define FINAL_WRITE_MS	5000

/*
 * The run as the monitor sees it: priv sends the seeds (CONF), says
 * virt-v2v started (RUNNING) or could not be (ENDED), and says how it
 * ended (ENDED).  A run with a disk cleanup (rhv-upload) waits for it
 * in between (CLEANUP): the final state comes after.  A message is
 * taken only in the phases its entry in priv_msgs[] names.
 */
enum mphase { MPH_CONF, MPH_READY, MPH_RUNNING, MPH_CLEANUP, MPH_ENDED };

struct monitor {
	struct imsgbuf	 ibuf;
	struct state	 st;
	struct parser	 p;
	struct sieve	 sieve;
	struct lines	 v2v;
	struct lines	 mr;
	int		 infd;
	int		 dirwd;		/* the run directory's watch */
	int		 throttle_due;
	long		 ncpu;
	enum mphase	 phase;
	/* how it ended, for end_decide() */
	enum end_cause	 cause;
	char		 detail[sizeof(((struct msg_text *)0)->text)];
	int		 exited;
	int		 status;
	int		 stopped_by;	/* signal priv stopped virt-v2v on */
	int		 exit_code;
	int		 stop_sent;
	int		 cleanup;	/* priv removes a failed run's disks */
	int		 copyfd;	/* Kubevirt: stdout, non-blocking; or -1 */
	long long	 dropped;	/* bytes its reader was too slow for */
	int		 ids_sent;	/* of the parser's disk ids */
	long long	 last_write;
	int		 write_failing;
	/*
	 * One limit request per kind in flight at priv, and only the
	 * newest waiting behind it: a file rewritten a thousand times a
	 * second costs priv one systemctl at a time, not a backlog.
	 */
	struct {
		int		inflight;
		int		pending;
		long long	value;
	}		 lim[LIMIT_NET + 1];
};

static volatile sig_atomic_t	got_term;

static void	v2v_over(struct monitor *);

static void
sighdlr(int sig)
{
	got_term = sig;
}

/* A failed write keeps the previous file; it is retried, logged once. */
static void
monitor_write(struct monitor *m)
{
	if (state_write(MONITOR_FD_RUNDIR, &m->st) == -1) {
		if (!m->write_failing)
			log_warn("writing the state file");
		m->write_failing = 1;
		return;
	}
	if (m->write_failing)
		log_info("the state file is written again");
	m->write_failing = 0;
	m->p.changed = m->p.urgent = 0;
	m->last_write = mono_ms();
}

/*
 * Kubevirt: the bytes go on to stdout as they are, as far as its reader
 * takes them now; the rest is counted, never waited for.
 */
static void
copy_out(struct monitor *m, const char *buf, size_t len)
{
	ssize_t	n;

	n = write(m->copyfd, buf, len);
	if (n == -1 && errno != EAGAIN && errno != EINTR) {
		log_warn("copying virt-v2v's output to standard output, "
		    "stopped");
		m->copyfd = -1;
	}
	m->dropped += len - (n > 0 ? (size_t)n : 0);
}

static void
read_fd(struct monitor *m, int fd, struct lines *l, int copy)
{
	static char	buf[READ_CHUNK];
	ssize_t		n;
	int		i;

	for (i = 0; i < READS_PER_TURN; i++) {
		n = read(fd, buf, sizeof(buf));
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		if (copy && m->copyfd != -1)
			copy_out(m, buf, n);
		lines_feed(l, buf, n);
	}
}

/*
 * Log events only wake us (the reads find what is new); the run
 * directory's events say when the throttling file is complete: closed
 * after writing, or renamed into place.  Never IN_MODIFY, which would
 * hand us half-written JSON.
 */
static void
read_events(struct monitor *m)
{
	char				 buf[4096]
	    __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event	*ev;
	ssize_t				 n;
	char				*p;

	if (m->infd == -1) {
		m->throttle_due = 1;
		return;
	}
	while ((n = read(m->infd, buf, sizeof(buf))) > 0) {
		for (p = buf; p < buf + n; p += sizeof(*ev) + ev->len) {
			ev = (const struct inotify_event *)p;
			if (ev->wd == m->dirwd && ev->len > 0 &&
			    strcmp(ev->name, THROTTLE_NAME) == 0)
				m->throttle_due = 1;
		}
	}
}

static void
read_logs(struct monitor *m)
{
	/* Lines name disks: the seeds from source_disks come first. */
	if (m->phase == MPH_CONF)
		return;
	read_fd(m, MONITOR_FD_MRLOG, &m->mr, 0);
	/* virt-v2v's own output is what Kubevirt's stdout shows */
	read_fd(m, MONITOR_FD_V2VLOG, &m->v2v, 1);
}

static int
state_written(void *arg)
{
	struct monitor	*m = arg;

	monitor_write(m);
	return !m->write_failing;
}

/* The last write: every final value and "finished" together. */
static __attribute__((noreturn)) void
monitor_finish(struct monitor *m)
{
	struct end_facts	f;
	struct end		e;
	struct msg_done		d;

	read_logs(m);
	lines_flush(&m->mr);
	lines_flush(&m->v2v);
	memset(&f, 0, sizeof(f));
	f.cause = m->cause;
	f.detail = m->detail;
	f.started = m->st.started;
	f.exited = m->exited;
	f.status = m->status;
	f.stop_sig = m->stopped_by;
	end_decide(&f, &e);
	if (f.exited && !e.failed)
		parser_success(&m->p);
	end_apply(&e, &m->st);
	/* A full or read-only disk may come back: for a few seconds. */
	if (!wait_for(state_written, m, FINAL_WRITE_MS, 100))
		log_warnx("the final state could not be written");
	if (m->dropped > 0)
		log_warnx("%lld bytes of virt-v2v's output were not copied to "
		    "standard output: its reader was too slow", m->dropped);
	d.failed = e.failed;
	if (imsg_compose(&m->ibuf, IMSG_MONITOR_DONE, &d, sizeof(d)) == 0)
		imsg_flush(&m->ibuf);
	log_info("final state written, %s", e.failed ? "failed" :
	    "succeeded");
	exit(m->exit_code);
}

/* Hand each valid limit to priv; the state changes on its answer. */
static void
limit_send(struct monitor *m, int kind)
{
	struct msg_limit	req;

	memset(&req, 0, sizeof(req));
	req.kind = kind;
	req.value = m->lim[kind].value;
	m->lim[kind].pending = 0;
	m->lim[kind].inflight = 1;
	imsg_compose(&m->ibuf, IMSG_LIMIT, &req, sizeof(req));
}

static void
limit_request(struct monitor *m, int kind, long long value)
{
	m->lim[kind].value = value;
	m->lim[kind].pending = 1;
	if (!m->lim[kind].inflight)
		limit_send(m, kind);
}

static void
take_throttling(struct monitor *m)
{
	struct limits	l;
	char		warn[512];
	int		rv;

	if (!m->throttle_due || m->phase != MPH_RUNNING)
		return;
	m->throttle_due = 0;
	if ((rv = throttle_take(MONITOR_FD_RUNDIR, m->ncpu, &l, warn,
	    sizeof(warn))) == 0)
		return;
	if (warn[0] != '\0') {
		log_warnx("%s", warn);
		state_message(&m->st, MSG_WARNING, warn);
		m->p.changed = 1;
	}
	log_info("throttling file read%s%s", l.has_cpu ? ", cpu" : "",
	    l.has_net ? ", network" : "");
	if (l.has_cpu)
		limit_request(m, LIMIT_CPU, l.cpu);
	if (l.has_net)
		limit_request(m, LIMIT_NET, l.net);
}

/* Why a limit could not be applied, as an admin would look into it. */
static const char *const limit_why[LIMIT_WHY_MAX] = {
	[LIMIT_WHY_NONE] = "",
	[LIMIT_WHY_NOUNIT] = ": virt-v2v does not run in a systemd unit",
	[LIMIT_WHY_NOTROOT] = ": the wrapper does not run as root",
	[LIMIT_WHY_FOREGROUND] = ": the wrapper runs in the foreground",
	[LIMIT_WHY_NONETCLS] = ": no net_cls cgroup (v1) hierarchy is mounted",
	[LIMIT_WHY_CGROUP2] = ": the host has cgroup v2 only",
	[LIMIT_WHY_CGROUP] = ": the run's cgroup could not be made",
	[LIMIT_WHY_NOCLS] = ": the kernel has no cgroup classifier "
	    "(cls_cgroup)",
	[LIMIT_WHY_NOIF] = ": no interface may be shaped",
	[LIMIT_WHY_NOTJOINED] = ": virt-v2v is not in the run's cgroup",
	[LIMIT_WHY_HYBRID] = ": a cgroup2 hierarchy is mounted too, and "
	    "before Linux 5.15 a net_cls classid turns off cgroup2 socket "
	    "matching for the whole host",
	[LIMIT_WHY_NOBPF] = ": on cgroup v2 the wrapper's BPF program could "
	    "not be loaded or attached (the wrapper log says why)",
	[LIMIT_WHY_UNIT2] = ": on cgroup v2 a unit needs systemd 243 or later "
	    "and the BPF file system at /sys/fs/bpf",
};

/* The state keeps normalised strings: "50%", "1048576", "unlimited". */
static void
limit_result(struct monitor *m, const struct msg_limit_result *r)
{
	const char	*what = r->kind == LIMIT_CPU ? "cpu" : "network";
	char		 buf[128], **dst;

	dst = r->kind == LIMIT_CPU ? &m->st.thr_cpu : &m->st.thr_net;
	/* priv answers each request once; the input's limits unasked. */
	m->lim[r->kind].inflight = 0;
	if (m->lim[r->kind].pending)
		limit_send(m, r->kind);
	switch (r->status) {
	case LIMIT_APPLIED:
		limits_format(r->kind == LIMIT_CPU, r->value, buf,
		    sizeof(buf));
		state_setstr(dst, buf, strlen(buf));
		log_info("%s limit now %s", what, buf);
		break;
	case LIMIT_UNAVAILABLE:
		snprintf(buf, sizeof(buf), "%s throttling is not available "
		    "for this run%s", what, limit_why[r->why]);
		state_message(&m->st, MSG_WARNING, buf);
		log_warnx("%s", buf);
		break;
	default:
		snprintf(buf, sizeof(buf), "setting the %s limit failed",
		    what);
		state_message(&m->st, MSG_WARNING, buf);
		log_warnx("%s", buf);
		break;
	}
	m->p.changed = 1;
}

/* A NUL-terminated text from priv, or priv is not itself. */
static void
priv_text(const struct imsg *imsg, struct msg_text *t, const char *name)
{
	memcpy(t, imsg->data, sizeof(*t));
	if (memchr(t->text, '\0', sizeof(t->text)) == NULL)
		fatalx("priv sent %s without its end", name);
}

static void
take_seed(struct monitor *m, const struct imsg *imsg)
{
	struct msg_disk	d;

	memcpy(&d, imsg->data, sizeof(d));
	if (memchr(d.path, '\0', sizeof(d.path)) == NULL)
		fatalx("priv sent a DISK_SEED without its end");
	state_add_disk(&m->st, d.path, strlen(d.path));
	m->st.disk_count = m->st.ndisks;
}

static void
take_conf_warning(struct monitor *m, const struct imsg *imsg)
{
	struct msg_text	t;

	priv_text(imsg, &t, "CONF_WARNING");
	state_message(&m->st, MSG_WARNING, t.text);
}

static void
take_conf_done(struct monitor *m, const struct imsg *imsg)
{
	(void)imsg;	/* empty: the table checked it */
	m->phase = MPH_READY;
}

/* The state's pid: the process a caller kills to cancel. */
static void
set_pid(struct monitor *m, const struct imsg *imsg, const char *what)
{
	struct msg_pid	p;

	memcpy(&p, imsg->data, sizeof(p));
	if (p.pid <= 0)
		fatalx("priv sent %s with pid %d", what, p.pid);
	m->st.pid = p.pid;
	m->p.urgent = 1;
}

static void
take_started(struct monitor *m, const struct imsg *imsg)
{
	set_pid(m, imsg, "V2V_STARTED");
	m->st.started = 1;
	m->phase = MPH_RUNNING;
}

static void
take_start_failed(struct monitor *m, const struct imsg *imsg)
{
	struct msg_text	t;

	priv_text(imsg, &t, "V2V_START_FAILED");
	strlcpy(m->detail, t.text, sizeof(m->detail));
	m->cause = END_START_FAILED;
	v2v_over(m);
}

/* The disk ids of the log not yet passed on, for the cleanup. */
static void
send_disk_ids(struct monitor *m)
{
	struct msg_disk_id	d;

	for (; m->cleanup && m->ids_sent < m->p.nids; m->ids_sent++) {
		memset(&d, 0, sizeof(d));
		memcpy(d.id, m->p.ids[m->ids_sent], DISK_ID_LEN);
		imsg_compose(&m->ibuf, IMSG_DISK_ID, &d, sizeof(d));
	}
}

/*
 * virt-v2v is over.  With a cleanup to come, the logs are read to their
 * end first, so that priv has every disk id before it decides.
 */
static void
v2v_over(struct monitor *m)
{
	if (!m->cleanup) {
		m->phase = MPH_ENDED;
		return;
	}
	read_logs(m);
	lines_flush(&m->mr);
	lines_flush(&m->v2v);
	send_disk_ids(m);
	imsg_compose(&m->ibuf, IMSG_LOG_DONE, NULL, 0);
	m->phase = MPH_CLEANUP;
}

static void
take_exited(struct monitor *m, const struct imsg *imsg)
{
	struct msg_status	s;

	memcpy(&s, imsg->data, sizeof(s));
	m->exited = 1;
	m->status = s.status;
	m->cause = END_EXITED;
	v2v_over(m);
}

static void
take_cleanup_armed(struct monitor *m, const struct imsg *imsg)
{
	(void)imsg;	/* empty: the table checked it */
	m->cleanup = 1;
}

/* The API client's pid replaces virt-v2v's, which is free by now. */
static void
take_cleanup_started(struct monitor *m, const struct imsg *imsg)
{
	set_pid(m, imsg, "CLEANUP_STARTED");
}

static void
take_cleanup_done(struct monitor *m, const struct imsg *imsg)
{
	(void)imsg;
	m->phase = MPH_ENDED;
}

static void
take_limit_result(struct monitor *m, const struct imsg *imsg)
{
	struct msg_limit_result	lr;

	memcpy(&lr, imsg->data, sizeof(lr));
	if ((lr.kind != LIMIT_CPU && lr.kind != LIMIT_NET) ||
	    lr.status < LIMIT_APPLIED || lr.status > LIMIT_FAILED ||
	    lr.value < 0 || lr.why < 0 || lr.why >= LIMIT_WHY_MAX ||
	    lr.pad != 0)
		fatalx("priv sent a bad LIMIT_RESULT");
	limit_result(m, &lr);
}

static void
take_stopping(struct monitor *m, const struct imsg *imsg)
{
	struct msg_signal	g;

	memcpy(&g, imsg->data, sizeof(g));
	if (g.signo <= 0 || g.signo >= NSIG)
		fatalx("priv sent STOPPING with signal %d", g.signo);
	m->stopped_by = g.signo;
}

#define IN(p)	(1U << (p))

static const struct priv_msg {
	enum imsg_type	 type;
	const char	*name;
	size_t		 len;
	unsigned int	 phases;
	void		(*take)(struct monitor *, const struct imsg *);
} priv_msgs[] = {
	{ IMSG_DISK_SEED, "DISK_SEED", sizeof(struct msg_disk),
	    IN(MPH_CONF), take_seed },
	{ IMSG_CONF_WARNING, "CONF_WARNING", sizeof(struct msg_text),
	    IN(MPH_CONF), take_conf_warning },
	{ IMSG_CONF_DONE, "CONF_DONE", 0, IN(MPH_CONF), take_conf_done },
	{ IMSG_V2V_STARTED, "V2V_STARTED", sizeof(struct msg_pid),
	    IN(MPH_READY), take_started },
	{ IMSG_V2V_START_FAILED, "V2V_START_FAILED", sizeof(struct msg_text),
	    IN(MPH_READY), take_start_failed },
	{ IMSG_V2V_EXITED, "V2V_EXITED", sizeof(struct msg_status),
	    IN(MPH_RUNNING), take_exited },
	/* Both may come after virt-v2v's end, while its disks go. */
	{ IMSG_LIMIT_RESULT, "LIMIT_RESULT", sizeof(struct msg_limit_result),
	    IN(MPH_RUNNING) | IN(MPH_CLEANUP), take_limit_result },
	{ IMSG_STOPPING, "STOPPING", sizeof(struct msg_signal),
	    IN(MPH_READY) | IN(MPH_RUNNING) | IN(MPH_CLEANUP), take_stopping },
	{ IMSG_CLEANUP_ARMED, "CLEANUP_ARMED", 0, IN(MPH_CONF),
	    take_cleanup_armed },
	{ IMSG_CLEANUP_STARTED, "CLEANUP_STARTED", sizeof(struct msg_pid),
	    IN(MPH_CLEANUP), take_cleanup_started },
	{ IMSG_CLEANUP_DONE, "CLEANUP_DONE", 0, IN(MPH_CLEANUP),
	    take_cleanup_done },
};

/* priv is trusted, but a message out of its place is a bug: stop. */
static void
monitor_dispatch_priv(struct monitor *m, const struct imsg *imsg)
{
	const struct priv_msg	*pm;
	size_t			 i;

	for (i = 0; i < sizeof(priv_msgs) / sizeof(priv_msgs[0]); i++) {
		pm = &priv_msgs[i];
		if (pm->type != imsg->hdr.type)
			continue;
		if (imsg_datalen(imsg) != pm->len)
			fatalx("priv sent %s with %zu bytes, not %zu", pm->name,
			    imsg_datalen(imsg), pm->len);
		if (!(pm->phases & IN(m->phase)))
			fatalx("priv sent %s out of turn", pm->name);
		pm->take(m, imsg);
		return;
	}
	fatalx("priv sent unknown message type %u", imsg->hdr.type);
}

/* priv is gone: nobody will tell us how virt-v2v ends. */
static void
monitor_priv_lost(struct monitor *m)
{
	log_warnx("the privileged process ended unexpectedly");
	m->cause = END_PRIV_LOST;
	m->exit_code = 1;
	m->phase = MPH_ENDED;
}

static void
read_priv(struct monitor *m)
{
	struct imsg	imsg;
	ssize_t		n;

	if ((n = imsg_read(&m->ibuf)) == -1) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		if (errno != ECONNRESET && errno != EPIPE)
			fatal("reading from priv");
		n = 0;
	}
	if (n == 0) {
		monitor_priv_lost(m);
		return;
	}
	while (m->phase != MPH_ENDED) {
		if ((n = imsg_get(&m->ibuf, &imsg)) == -1)
			fatal("bad message from priv");
		if (n == 0)
			break;
		monitor_dispatch_priv(m, &imsg);
		imsg_free(&imsg);
	}
}

static void
maybe_write(struct monitor *m)
{
	long long	since = mono_ms() - m->last_write;

	if ((m->p.urgent && m->st.started) ||
	    (m->p.changed && since >= WRITE_MIN_MS) ||
	    since >= HEARTBEAT_MS)
		monitor_write(m);
}

static void
take_term(void)
{
	struct timespec	zero = { 0, 0 };
	sigset_t	set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	if (sigtimedwait(&set, NULL, &zero) == SIGTERM)
		got_term = SIGTERM;
}

/* Until priv says how the run ended, or is gone. */
static void
monitor_loop(struct monitor *m, const sigset_t *waitmask)
{
	struct pollfd	pfd[2];
	struct timespec	ts;
	long long	ms;

	while (m->phase != MPH_ENDED) {
		pfd[0].fd = MONITOR_FD_SOCK;
		pfd[0].events = POLLIN | (m->ibuf.queued ? POLLOUT : 0);
		pfd[1].fd = m->infd;
		pfd[1].events = POLLIN;
		/* Wake when the next write is due, not WRITE_MIN_MS after
		 * each change: that would delay every frame by it. */
		ms = LOGPOLL_MS;
		if (m->p.changed || m->write_failing) {
			ms = WRITE_MIN_MS - (mono_ms() - m->last_write);
			if (ms < 0)
				ms = 0;
		}
		ts.tv_sec = ms / 1000;
		ts.tv_nsec = (ms % 1000) * 1000000;
		if (ppoll(pfd, 2, &ts, waitmask) == -1 && errno != EINTR)
			fatal("ppoll");
		/* A ppoll() with ready descriptors lets no signal in (Linux
		 * 5.3): a log that never stops must not hide SIGTERM. */
		take_term();
		if (got_term) {
			got_term = 0;
			if (!m->stop_sent && imsg_compose(&m->ibuf,
			    IMSG_STOP_REQUEST, NULL, 0) == 0)
				m->stop_sent = 1;
		}
		read_events(m);
		read_logs(m);
		if (m->phase == MPH_RUNNING)
			send_disk_ids(m);
		take_throttling(m);
		if (pfd[0].revents & POLLOUT && imsg_write(&m->ibuf) == -1 &&
		    errno != EAGAIN)
			monitor_priv_lost(m);
		else if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR))
			read_priv(m);
		if (m->phase != MPH_ENDED)
			maybe_write(m);
	}
}

static void
monitor_signals(sigset_t *waitmask)
{
	struct sigaction	sa;
	sigset_t		block;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = sighdlr;
	sigaction(SIGTERM, &sa, NULL);
	/* A terminal's ^C reaches priv too, and priv decides. */
	sa.sa_handler = SIG_IGN;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, waitmask);
	sigdelset(waitmask, SIGTERM);
}

/* inotify needs a path; /proc/self/fd/N is one only while we are root
 * enough to read our own /proc entries, so before the drop. */
static void
watch_files(struct monitor *m)
{
	char	path[64];
	int	n;

	m->dirwd = -1;
	if ((m->infd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1) {
		log_warn("inotify, polling the logs instead");
		return;
	}
	for (n = MONITOR_FD_V2VLOG; n <= MONITOR_FD_MRLOG; n++) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", n);
		if (inotify_add_watch(m->infd, path, IN_MODIFY) == -1)
			log_warn("inotify on %s", path);
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", MONITOR_FD_RUNDIR);
	m->dirwd = inotify_add_watch(m->infd, path, IN_CLOSE_WRITE |
	    IN_MOVED_TO | IN_ONLYDIR);
	if (m->dirwd == -1) {
		log_warn("inotify on the run directory, polling instead");
		close(m->infd);
		m->infd = -1;
	}
}

void
monitor_main(int argc, char *argv[])
{
	static struct monitor	 m;
	sigset_t		 waitmask;
	const char		*errstr;
	unsigned int		 uid, gid, flags;
	int			 n;

	log_setfd(MONITOR_FD_LOG);
	log_procinit("monitor");
	if (argc != 6)
		fatalx("monitor: bad arguments");
	uid = strtonum(argv[2], 0, UINT32_MAX - 1, &errstr);
	if (errstr == NULL)
		gid = strtonum(argv[3], 0, UINT32_MAX - 1, &errstr);
	if (errstr == NULL)
		flags = strtonum(argv[4], 0, MONITOR_OPT_ALL, &errstr);
	/* The CPU count priv also bounds a cpu limit by. */
	if (errstr == NULL)
		m.ncpu = strtonum(argv[5], 1, 1 << 20, &errstr);
	if (errstr != NULL)
		fatalx("monitor: bad arguments: %s", errstr);
	log_init(0, flags & MONITOR_OPT_VERBOSE);

	m.copyfd = -1;
	if (flags & MONITOR_OPT_COPY) {
		if ((n = fcntl(MONITOR_FD_COPY, F_GETFL)) == -1 ||
		    fcntl(MONITOR_FD_COPY, F_SETFL, n | O_NONBLOCK) == -1)
			log_warn("standard output: not copying to it");
		else
			m.copyfd = MONITOR_FD_COPY;
	}
	watch_files(&m);
	/* A file written before the watch existed is read once at start. */
	m.throttle_due = 1;
	monitor_confine(MONITOR_FD_RUNDIR, uid, gid, flags & MONITOR_OPT_ROOT);
	monitor_signals(&waitmask);
	if (fcntl(MONITOR_FD_SOCK, F_SETFL, O_NONBLOCK) == -1)
		fatal("fcntl O_NONBLOCK");
	imsg_init(&m.ibuf, MONITOR_FD_SOCK);
	state_init(&m.st);
	parser_init(&m.p, &m.st);
	lines_init(&m.v2v, LINE_MAX_LEN, 1, parser_line, &m.p);
	parser_sieve(&m.sieve, SIEVE_FAST);
	lines_sieve(&m.v2v, &m.sieve);
	lines_init(&m.mr, LINE_MAX_LEN, 0, parser_mr_line, &m.p);
	m.last_write = mono_ms();
	log_debug("monitor running as %u:%u", uid, gid);
	monitor_loop(&m, &waitmask);
	monitor_finish(&m);
}
