/* SPDX-License-Identifier: ISC */
/*
 * Writes the seeds of the priv fuzz target (fuzz_priv.c explains their
 * layout) into the directory given: valid runs with framed messages as
 * common/imsg.h and common/wrapper.h define them today, whole, byte by
 * byte and several to a chunk, and a few that end in a violation.  The
 * committed seeds/priv/ are its output; fuzz.sh runs it again when it
 * seeds, so that a renumbered message type cannot leave the seeds
 * stale.  Plain C, no sanitizers.
 *
 *	privseeds DIR
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/imsg.h"
#include "common/wrapper.h"

/* byte 0 */
#define S_UNIT		0x01
#define S_NOSTART	0x02
#define S_NOQUOTA	0x04
#define S_CPU		0x08
#define S_NET		0x10
/* byte 1: the CPU count's index (2: three CPUs), tc's outcome */
#define S_3CPUS		0x02
#define S_TCFAILS	0x08

/* operations */
#define OP_SEND(n)	((uint8_t)((n) - 1))	/* 1..128 bytes */
#define OP_SENDFD(n)	((uint8_t)(0xc0 + (n) - 1))	/* 1..16 bytes */
#define OP_SENDBIG(n)	((uint8_t)(0x80 + (n) / 256 - 1))	/* 256 steps */
#define OP_EXIT0	0xd0
#define OP_EXIT1	0xd1
#define OP_KILLED	0xd5			/* SIGTERM */
#define OP_SIGTERM	0xe0
#define OP_CLOSE	0xf0

struct seed {
	uint8_t		buf[4096];
	size_t		len;
};

static void
put(struct seed *s, const void *p, size_t len)
{
	if (s->len + len > sizeof(s->buf)) {
		fprintf(stderr, "privseeds: seed too long\n");
		exit(1);
	}
	memcpy(s->buf + s->len, p, len);
	s->len += len;
}

static void
op(struct seed *s, uint8_t o)
{
	put(s, &o, 1);
}

/* One framed message, in a buffer of its own. */
static size_t
frame(uint8_t *buf, uint32_t type, const void *data, size_t len)
{
	struct imsg_hdr	h;

	memset(&h, 0, sizeof(h));
	h.type = type;
	h.len = (uint32_t)(sizeof(h) + len);
	h.pid = 4343;
	memcpy(buf, &h, sizeof(h));
	if (len > 0)
		memcpy(buf + sizeof(h), data, len);
	return sizeof(h) + len;
}

/* Messages sent as the chunks say: 0 is the whole of each at once. */
static void
send_msgs(struct seed *s, const uint8_t *m, size_t len, size_t chunk)
{
	size_t	n;

	while (len > 0) {
		n = chunk == 0 || chunk > 128 ? (len > 128 ? 128 : len) : chunk;
		if (n > len)
			n = len;
		op(s, OP_SEND(n));
		put(s, m, n);
		m += n;
		len -= n;
	}
}

static size_t
limit(uint8_t *buf, int kind, long long value)
{
	struct msg_limit	l;

	memset(&l, 0, sizeof(l));
	l.kind = kind;
	l.value = value;
	return frame(buf, IMSG_LIMIT, &l, sizeof(l));
}

static size_t
done(uint8_t *buf, int failed)
{
	struct msg_done	d = { failed };

	return frame(buf, IMSG_MONITOR_DONE, &d, sizeof(d));
}

static size_t
stop(uint8_t *buf)
{
	return frame(buf, IMSG_STOP_REQUEST, NULL, 0);
}

static void
write_seed(const char *dir, const char *name, const struct seed *s)
{
	char	path[4096];
	int	fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644)) == -1 ||
	    write(fd, s->buf, s->len) != (ssize_t)s->len || close(fd) == -1) {
		fprintf(stderr, "privseeds: %s: %s\n", path, strerror(errno));
		exit(1);
	}
}

static void
setup(struct seed *s, uint8_t b0, uint8_t b1)
{
	s->len = 0;
	op(s, b0);
	op(s, b1);
}

int
main(int argc, char *argv[])
{
	struct seed	s;
	uint8_t		m[4096];
	size_t		n;

	if (argc != 2) {
		fprintf(stderr, "usage: privseeds DIR\n");
		return 1;
	}

	/* A unit: limits, a stop request, virt-v2v killed, DONE. */
	setup(&s, S_UNIT | S_CPU | S_NET, S_3CPUS);
	n = limit(m, LIMIT_CPU, 150);
	n += limit(m + n, LIMIT_NET, 1048576);
	send_msgs(&s, m, n, 0);
	send_msgs(&s, m, stop(m), 0);
	op(&s, OP_KILLED);
	send_msgs(&s, m, done(m, 1), 0);
	write_seed(argv[1], "unit-limits-stop.bin", &s);

	/* A direct child: limits (no unit: unavailable), exit 0, DONE. */
	setup(&s, 0, 0);
	n = limit(m, LIMIT_CPU, 0);
	n += limit(m + n, LIMIT_NET, 0);
	send_msgs(&s, m, n, 0);
	op(&s, OP_EXIT0);
	send_msgs(&s, m, done(m, 0), 0);
	write_seed(argv[1], "child-exit0-done.bin", &s);

	/* Byte by byte, then several messages in one chunk. */
	setup(&s, S_UNIT | S_NOQUOTA, S_TCFAILS);
	n = limit(m, LIMIT_CPU, 100);
	n += limit(m + n, LIMIT_NET, 1LL << 50);
	n += stop(m + n);
	send_msgs(&s, m, n, 1);
	op(&s, OP_EXIT1);
	n = done(m, 0);
	n += limit(m + n, LIMIT_CPU, 1);
	send_msgs(&s, m, n, 0);
	write_seed(argv[1], "split-bytes.bin", &s);

	/* virt-v2v never started: DONE at once. */
	setup(&s, S_NOSTART | S_CPU, 0);
	send_msgs(&s, m, done(m, 1), 0);
	write_seed(argv[1], "nostart-done.bin", &s);

	/* A signal, then the monitor goes away without its DONE. */
	setup(&s, S_UNIT, 0);
	send_msgs(&s, m, limit(m, LIMIT_CPU, 25), 7);
	op(&s, OP_SIGTERM);
	op(&s, OP_CLOSE);
	write_seed(argv[1], "monitor-lost.bin", &s);

	/* Violations: the first bad message, valid ones queued behind it. */
	setup(&s, S_UNIT, 0);
	n = limit(m, LIMIT_CPU, 101);
	n += limit(m + n, LIMIT_CPU, 50);
	send_msgs(&s, m, n, 0);
	write_seed(argv[1], "bad-cpu-range.bin", &s);

	setup(&s, 0, 0);
	n = limit(m, LIMIT_NET, (1LL << 50) + 1);
	n += stop(m + n);
	send_msgs(&s, m, n, 0);
	write_seed(argv[1], "bad-net-range.bin", &s);

	setup(&s, S_UNIT, 0);
	send_msgs(&s, m, done(m, 0), 0);
	write_seed(argv[1], "bad-done-running.bin", &s);

	/* A flood in one read: 96 limits, more than priv acts on in one
	 * pass (DISPATCH_MAX), then a stop and the end. */
	setup(&s, S_UNIT, S_3CPUS);
	for (n = 0; n < 3072; )
		n += limit(m + n, LIMIT_CPU, 1 + n / 32);
	op(&s, OP_SENDBIG(n));
	put(&s, m, n);
	send_msgs(&s, m, stop(m), 0);
	op(&s, OP_KILLED);
	send_msgs(&s, m, done(m, 1), 0);
	write_seed(argv[1], "flood-backlog.bin", &s);

	/* A descriptor with a valid message. */
	setup(&s, 0, 0);
	n = stop(m);
	op(&s, OP_SENDFD(n));
	put(&s, m, n);
	write_seed(argv[1], "bad-fd.bin", &s);
	return 0;
}
