/* SPDX-License-Identifier: ISC */
/*
 * priv's side of the monitor's messages.  The monitor may be
 * compromised: every message is checked against a table (the shape of
 * OpenSSH's mon_table) for its type, its exact length and the phases in
 * which it may come, before any case runs; then its values are checked;
 * only then does priv act.  A violation ends priv at once (validate,
 * then act, as OpenBSD's vmd priv.c does).
 */
#include <sys/wait.h>

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <string.h>

#include "common/clock.h"
#include "common/imsg.h"
#include "common/limits.h"
#include "common/log.h"
#include "common/wrapper.h"
#include "priv/priv.h"

#define DISPATCH_MAX	64	/* monitor messages acted on per pass */
#define DRAIN_MS	1000	/* an exited monitor's last words */

#define IN(p)		(1U << (p))
#define V2V_ANY		(IN(V2V_RUNNING) | IN(V2V_GONE) | IN(V2V_ENDED) | \
			    IN(V2V_NOSTART))

static void	priv_limit(struct priv *, const struct imsg *);
static void	priv_stop_request(struct priv *, const struct imsg *);
static void	priv_monitor_done(struct priv *, const struct imsg *);
static void	priv_disk_id(struct priv *, const struct imsg *);
static void	priv_log_done(struct priv *, const struct imsg *);

static const struct mon_msg {
	enum imsg_type	 type;
	const char	*name;
	size_t		 len;
	unsigned int	 v2v;		/* virt-v2v phases it may come in */
	void		(*act)(struct priv *, const struct imsg *);
} mon_table[] = {
	{ IMSG_LIMIT, "LIMIT", sizeof(struct msg_limit), V2V_ANY,
	    priv_limit },
	{ IMSG_STOP_REQUEST, "STOP_REQUEST", 0, V2V_ANY,
	    priv_stop_request },
	/* The final state is written once virt-v2v is over, not before. */
	{ IMSG_MONITOR_DONE, "MONITOR_DONE", sizeof(struct msg_done),
	    IN(V2V_ENDED) | IN(V2V_NOSTART), priv_monitor_done },
	{ IMSG_DISK_ID, "DISK_ID", sizeof(struct msg_disk_id), V2V_ANY,
	    priv_disk_id },
	{ IMSG_LOG_DONE, "LOG_DONE", 0, IN(V2V_ENDED) | IN(V2V_NOSTART),
	    priv_log_done },
};

/* The table's verdict; a message it does not allow goes no further. */
static const struct mon_msg *
priv_check_msg(struct priv *p, const struct imsg *imsg)
{
	const struct mon_msg	*m;
	size_t			 i, len = imsg_datalen(imsg);

	for (i = 0; i < sizeof(mon_table) / sizeof(mon_table[0]); i++) {
		m = &mon_table[i];
		if (m->type != imsg->hdr.type)
			continue;
		if (len != m->len)
			priv_violation(p, "%s length %zu", m->name, len);
		if (!(m->v2v & IN(p->v2v)))
			priv_violation(p, "%s in virt-v2v phase %d", m->name,
			    p->v2v);
		return m;
	}
	priv_violation(p, "unknown message type %u", imsg->hdr.type);
}

/* A limit the monitor read from the throttling file: numbers in range. */
static void
priv_limit(struct priv *p, const struct imsg *imsg)
{
	struct msg_limit	 l;

	memcpy(&l, imsg->data, sizeof(l));
	if (l.pad != 0)
		priv_violation(p, "LIMIT padding");
	if (l.kind == LIMIT_CPU) {
		if (l.value < 0 || l.value > 100LL * p->conf->ncpu)
			priv_violation(p, "cpu limit %lld", (long long)l.value);
	} else if (l.kind == LIMIT_NET) {
		if (l.value < 0 || l.value > NETWORK_MAX)
			priv_violation(p, "network limit %lld",
			    (long long)l.value);
	} else
		priv_violation(p, "limit kind %d", l.kind);
	priv_want_limit(p, l.kind, l.value);
}

static void
priv_stop_request(struct priv *p, const struct imsg *imsg)
{
	(void)imsg;	/* empty: the table checked it */
	priv_stop(p, SIGTERM);
}

static void
priv_monitor_done(struct priv *p, const struct imsg *imsg)
{
	struct msg_done	m;

	memcpy(&m, imsg->data, sizeof(m));
	if (m.failed != 0 && m.failed != 1)
		priv_violation(p, "MONITOR_DONE failed=%d", m.failed);
	/* The final state comes after the disk cleanup, not before. */
	if (p->clean == CLEAN_WAITING || p->clean == CLEAN_RUNNING)
		priv_violation(p, "MONITOR_DONE before CLEANUP_DONE");
	/* How virt-v2v ended is priv's to know: the verdict only adds. */
	p->mon_failed = m.failed;
	priv_mon_phase(p, MON_DONE);
}

/* 8-4-4-4-12 hex digits, the rest of the field NUL. */
static int
disk_id_valid(const struct msg_disk_id *m)
{
	size_t	i;

	for (i = 0; i < sizeof(m->id); i++) {
		if (i >= DISK_ID_LEN) {
			if (m->id[i] != '\0')
				return 0;
		} else if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (m->id[i] != '-')
				return 0;
		} else if (!isxdigit((unsigned char)m->id[i]))
			return 0;
	}
	return 1;
}

/* Only for a run with a cleanup, before the logs are done, bounded. */
static void
priv_disk_id(struct priv *p, const struct imsg *imsg)
{
	struct msg_disk_id	m;

	memcpy(&m, imsg->data, sizeof(m));
	if (p->clean == CLEAN_NONE)
		priv_violation(p, "DISK_ID in a run without a disk cleanup");
	if (p->log_done)
		priv_violation(p, "DISK_ID after LOG_DONE");
	if (!disk_id_valid(&m))
		priv_violation(p, "DISK_ID that is not a disk id");
	if (p->nids == DISK_IDS_MAX)
		priv_violation(p, "more than %d DISK_IDs", DISK_IDS_MAX);
	cleaner_add_id(p, m.id);
}

static void
priv_log_done(struct priv *p, const struct imsg *imsg)
{
	(void)imsg;	/* empty: the table checked it */
	if (p->clean == CLEAN_NONE)
		priv_violation(p, "LOG_DONE in a run without a disk cleanup");
	if (p->log_done)
		priv_violation(p, "LOG_DONE twice");
	cleaner_order(p);
}

/* The monitor's end of the socket closed. */
static void
priv_monitor_eof(struct priv *p)
{
	if (p->mon == MON_RUNNING || p->mon == MON_DRAINING)
		priv_mon_phase(p, MON_LOST);
}

/*
 * Read what the monitor sent and act on at most DISPATCH_MAX messages:
 * a flood of valid requests must not keep priv from seeing a signal or
 * virt-v2v's end for long.  The rest waits in the buffer and is taken
 * before anything more is read, EOF included.  DONE is the monitor's
 * last word: nothing after it is read.
 */
void
priv_read_monitor(struct priv *p)
{
	const struct mon_msg	*m;
	struct imsg		 imsg;
	ssize_t			 n;
	int			 i;

	if (!imsg_pending(&p->ibuf)) {
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
			priv_monitor_eof(p);
			return;
		}
	}
	for (i = 0; i < DISPATCH_MAX && p->mon != MON_DONE; i++) {
		if ((n = imsg_get(&p->ibuf, &imsg)) == -1)
			priv_violation(p, "framing: %s", strerror(errno));
		if (n == 0)
			return;
		m = priv_check_msg(p, &imsg);
		m->act(p, &imsg);
		imsg_free(&imsg);
	}
}

/* Read what an exited monitor left in the socket, up to its EOF. */
void
priv_drain_monitor(struct priv *p)
{
	struct pollfd	pfd = { p->conf->sock, POLLIN, 0 };
	long long	deadline = mono_ms() + DRAIN_MS, left;

	/* Bounded: a child of the monitor could keep the socket open
	 * and keep writing. */
	while (p->mon == MON_DRAINING && (left = deadline - mono_ms()) > 0 &&
	    (imsg_pending(&p->ibuf) || poll(&pfd, 1, left) == 1))
		priv_read_monitor(p);
	/* Nothing more within the time: as good as closed. */
	if (p->mon == MON_DRAINING)
		priv_mon_phase(p, MON_LOST);
}
