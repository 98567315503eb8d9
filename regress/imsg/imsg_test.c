/* SPDX-License-Identifier: ISC */
/*
 * Regress for common/imsg.c: the wire bytes, framing against a raw peer
 * (split, coalesced, bad lengths, EOF), size limits, fd passing and a
 * write queue larger than the socket buffer.
 *
 * The header is in host order; the hand-written frames below are
 * little-endian, so this test assumes a little-endian host (amd64,
 * arm64) and its first check says so when that does not hold.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/imsg.h"

#define CHECK(cond, desc)	check((cond) ? 1 : 0, (desc))

static int	 nchecks, npassed, nfailed;

static void	 check(int, const char *);
static void	 sockpair(int[2], int);
static void	 set_nonblock(int);
static size_t	 put32(unsigned char *, uint32_t);
static size_t	 frame(unsigned char *, uint32_t, uint32_t, const void *,
		    size_t);
static void	 writeall(int, const void *, size_t);
static int	 lowest_free_fd(void);
static void	 test_golden(void);
static void	 test_split(void);
static void	 test_coalesced(void);
static void	 test_thousand(void);
static void	 test_bad_lengths(void);
static void	 test_eof(void);
static void	 test_rbuf_full(void);
static void	 test_sizes(void);
static void	 test_fd_refused(void);
static void	 test_clear(void);
static int	 get_backlog(struct imsgbuf *, unsigned char *, size_t,
		    int *);
static void	 test_backlog(void);
static void	 test_flush_waits(void);
static void	 test_epipe(void);

static void
check(int ok, const char *desc)
{
	nchecks++;
	if (ok)
		npassed++;
	else
		nfailed++;
	printf("%sok %d - %s\n", ok ? "" : "not ", nchecks, desc);
	fflush(stdout);
}

/* Setup that fails is a broken test machine, not a failed check. */
static void
sockpair(int sv[2], int nonblock)
{
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1) {
		perror("socketpair");
		exit(2);
	}
	if (nonblock)
		set_nonblock(sv[0]);
}

static void
set_nonblock(int fd)
{
	int	 fl;

	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1) {
		perror("fcntl");
		exit(2);
	}
}

/* Little-endian, byte by byte: not through any struct. */
static size_t
put32(unsigned char *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = (v >> 24) & 0xff;
	return 4;
}

/* A frame as a raw peer would write it; len is header + payload. */
static size_t
frame(unsigned char *p, uint32_t type, uint32_t len, const void *data,
    size_t datalen)
{
	size_t	 off = 0;

	off += put32(p + off, type);
	off += put32(p + off, len);
	off += put32(p + off, 0xaabbccdd);	/* peerid */
	off += put32(p + off, 4242);		/* pid */
	if (datalen > 0)
		memcpy(p + off, data, datalen);
	return off + datalen;
}

static void
writeall(int fd, const void *buf, size_t len)
{
	const unsigned char	*p = buf;
	ssize_t			 n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			perror("write");
			exit(2);
		}
		p += n;
		len -= n;
	}
}

/* The number the next open() would get: shows an fd leaked or not. */
static int
lowest_free_fd(void)
{
	int	 fd;

	if ((fd = dup(0)) == -1) {
		perror("dup");
		exit(2);
	}
	close(fd);
	return fd;
}

static void
test_golden(void)
{
	/* type 7, len 19, peerid 0, pid (ours, set below), "abc" */
	unsigned char	 golden[] = {
		0x07, 0x00, 0x00, 0x00,
		0x13, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00,
		'a', 'b', 'c'
	};
	struct imsgbuf	*ib;
	unsigned char	 buf[64];
	uint32_t	 one = 1;
	ssize_t		 n;
	int		 sv[2], rc;

	CHECK(*(unsigned char *)&one == 1,
	    "host is little-endian (the golden bytes assume it)");

	sockpair(sv, 0);
	if ((ib = malloc(sizeof(*ib))) == NULL)
		exit(2);
	imsg_init(ib, sv[0]);
	put32(golden + 12, (uint32_t)getpid());
	rc = imsg_compose(ib, 7, "abc", 3);
	CHECK(rc == 0 && ib->queued == 1, "compose queues one message");
	rc = imsg_flush(ib);
	CHECK(rc == 0 && ib->queued == 0 && ib->whead == NULL,
	    "flush empties the queue");
	n = read(sv[1], buf, sizeof(buf));
	CHECK(n == (ssize_t)sizeof(golden) &&
	    memcmp(buf, golden, sizeof(golden)) == 0,
	    "wire bytes match the hand-written golden header and payload");

	imsg_clear(ib);
	free(ib);
	close(sv[0]);
	close(sv[1]);
}

static void
test_split(void)
{
	struct imsgbuf	*ib;
	struct imsg	 imsg;
	unsigned char	 raw[64];
	size_t		 len, i;
	ssize_t		 got = 0;
	int		 sv[2], early = 0, reads_ok = 1;

	sockpair(sv, 0);
	if ((ib = malloc(sizeof(*ib))) == NULL)
		exit(2);
	imsg_init(ib, sv[0]);
	len = frame(raw, 11, 16 + 5, "hello", 5);

	/* every byte its own read: the header arrives in pieces */
	for (i = 0; i < len; i++) {
		writeall(sv[1], raw + i, 1);
		if (imsg_read(ib) != 1)
			reads_ok = 0;
		got = imsg_get(ib, &imsg);
		if (i + 1 < len && got != 0)
			early = 1;
	}
	CHECK(reads_ok && !early,
	    "1-byte writes: imsg_get returns 0 until the frame is whole");
	CHECK(got == (ssize_t)len && imsg.hdr.type == 11 &&
	    imsg.hdr.peerid == 0xaabbccdd && imsg.hdr.pid == 4242 &&
	    imsg_datalen(&imsg) == 5 && memcmp(imsg.data, "hello", 5) == 0 &&
	    ib->rlen == 0,
	    "1-byte writes: the frame is got whole once the last byte lands");
	if (got > 0)
		imsg_free(&imsg);

	imsg_clear(ib);
	free(ib);
	close(sv[0]);
	close(sv[1]);
}

static void
test_coalesced(void)
{
	struct imsgbuf	*ib;
	struct imsg	 a, b, c;
	unsigned char	 raw[64];
	size_t		 len;
	ssize_t		 n, ga, gb, gc;
	int		 sv[2];

	sockpair(sv, 0);
	if ((ib = malloc(sizeof(*ib))) == NULL)
		exit(2);
	imsg_init(ib, sv[0]);
	len = frame(raw, 1, 16 + 2, "xy", 2);
	len += frame(raw + len, 2, 16, NULL, 0);
	writeall(sv[1], raw, len);

	n = imsg_read(ib);
	ga = imsg_get(ib, &a);
	gb = imsg_get(ib, &b);
	gc = imsg_get(ib, &c);
	CHECK(n == (ssize_t)len && ga == 18 && gb == 16 && gc == 0 &&
	    a.hdr.type == 1 && memcmp(a.data, "xy", 2) == 0 &&
	    b.hdr.type == 2 && b.data == NULL && imsg_datalen(&b) == 0,
	    "two frames in one write: one read, two messages, in order");
	if (ga > 0)
		imsg_free(&a);
	if (gb > 0)
		imsg_free(&b);

	imsg_clear(ib);
	free(ib);
	close(sv[0]);
	close(sv[1]);
}

static void
test_thousand(void)
{
	struct imsgbuf	*ib;
	struct imsg	 imsg;
	unsigned char	*raw, pl[8];
	size_t		 len = 0;
	ssize_t		 n, got;
	uint32_t	 i, count = 0;
	int		 sv[2], inorder = 1;

	sockpair(sv, 0);
	if ((ib = malloc(sizeof(*ib))) == NULL ||
	    (raw = malloc(1000 * 24)) == NULL)
		exit(2);
	imsg_init(ib, sv[0]);
	for (i = 0; i < 1000; i++) {
		put32(pl, i);
		put32(pl + 4, ~i);
		len += frame(raw + len, 100 + i, 24, pl, sizeof(pl));
	}
	/* 24000 bytes: well under the default unix socket buffer */
	n = write(sv[1], raw, len);
	CHECK(n == (ssize_t)len, "raw peer writes 1000 frames in one write");

	n = imsg_read(ib);
	CHECK(n == (ssize_t)len, "all 1000 frames land in one imsg_read");

	while ((got = imsg_get(ib, &imsg)) > 0) {
		put32(pl, count);
		put32(pl + 4, ~count);
		if (imsg.hdr.type != 100 + count || got != 24 ||
		    imsg_datalen(&imsg) != 8 ||
		    memcmp(imsg.data, pl, sizeof(pl)) != 0)
			inorder = 0;
		count++;
		imsg_free(&imsg);
	}
	CHECK(got == 0 && count == 1000 && inorder && ib->rlen == 0,
	    "1000 coalesced frames are got in order with intact payloads");

	imsg_clear(ib);
	free(raw);
	free(ib);
	close(sv[0]);
	close(sv[1]);
}

static void
test_bad_lengths(void)
{
	static const struct {
		uint32_t	 len;
		int		 err;
		const char	*desc;
	} bad[] = {
		{ IMSG_MAXSIZE + 1, EMSGSIZE,
		    "hdr.len above IMSG_MAXSIZE: imsg_get -1 EMSGSIZE" },
		{ 0xffffffff, EMSGSIZE,
		    "hdr.len 0xffffffff: imsg_get -1 EMSGSIZE" },
		{ 15, EBADMSG,
		    "hdr.len below the header size: imsg_get -1 EBADMSG" },
		{ 0, EBADMSG, "hdr.len 0: imsg_get -1 EBADMSG" },
	};
	struct imsgbuf	*ib;
	struct imsg	 imsg;
	unsigned char	 raw[16];
	size_t		 i;
	ssize_t		 n, got;
	int		 sv[2], err;

	if ((ib = malloc(sizeof(*ib))) == NULL)
		exit(2);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sockpair(sv, 0);
		imsg_init(ib, sv[0]);
		frame(raw, 5, bad[i].len, NULL, 0);
		writeall(sv[1], raw, sizeof(raw));
		n = imsg_read(ib);
		errno = 0;
		got = imsg_get(ib, &imsg);
		err = errno;
		CHECK(n == 16 && got == -1 && err == bad[i].err, bad[i].desc);
		if (got > 0)
			imsg_free(&imsg);
		imsg_clear(ib);
		close(sv[0]);
		close(sv[1]);
	}
	free(ib);
}

static void
test_eof(void)
{
	struct imsgbuf	*ib;
	unsigned char	 raw[32];
	size_t		 len;
	ssize_t		 n1, n2;
	int		 sv[2];

	sockpair(sv, 0);
	if ((ib = malloc(sizeof(*ib))) == NULL)
		exit(2);
	imsg_init(ib, sv[0]);
	len = frame(raw, 3, 16 + 1, "z", 1);
	writeall(sv[1], raw, len);
	close(sv[1]);
	n1 = imsg_read(ib);
	n2 = imsg_read(ib);
	CHECK(n1 == (ssize_t)len && n2 == 0,
	    "peer closed: data first, then imsg_read returns 0");

	imsg_clear(ib);
	free(ib);
	close(sv[0]);
}

static void
test_rbuf_full(void)
{
	struct imsgbuf	*ib;
	struct imsg	 imsg;
	unsigned char	*raw, *zero;
	size_t		 len = 0, payload = IMSG_MAXSIZE - 16;
	ssize_t		 n;
	int		 sv[2], i, count = 0, err;

	sockpair(sv, 0);
	if ((ib = malloc(sizeof(*ib))) == NULL ||
	    (raw = malloc(IMSG_READBUF + 64)) == NULL ||
	    (zero = calloc(1, payload)) == NULL)
		exit(2);
	imsg_init(ib, sv[0]);
	/* exactly IMSG_READBUF bytes of maximum-size frames, and a bit */
	for (i = 0; i < IMSG_READBUF / IMSG_MAXSIZE; i++)
		len += frame(raw + len, 9, IMSG_MAXSIZE, zero, payload);
	len += frame(raw + len, 10, 16, NULL, 0);
	writeall(sv[1], raw, len);

	for (i = 0; i < 100 && ib->rlen < IMSG_READBUF; i++)
		if (imsg_read(ib) <= 0)
			break;
	errno = 0;
	n = imsg_read(ib);
	err = errno;
	CHECK(ib->rlen == IMSG_READBUF && n == -1 && err == ENOBUFS,
	    "full read buffer: imsg_read -1 ENOBUFS, nothing lost");

	/* drain, then the frame that did not fit comes through */
	while (imsg_get(ib, &imsg) > 0) {
		count++;
		imsg_free(&imsg);
	}
	n = imsg_read(ib);
	if (imsg_get(ib, &imsg) > 0) {
		if (imsg.hdr.type == 10)
			count++;
		imsg_free(&imsg);
	}
	CHECK(n == 16 && count == IMSG_READBUF / IMSG_MAXSIZE + 1,
	    "after imsg_get makes room, reading resumes in step");

	imsg_clear(ib);
	free(zero);
	free(raw);
	free(ib);
	close(sv[0]);
	close(sv[1]);
}

static void
test_sizes(void)
{
	struct imsgbuf	*tx, *rx;
	struct imsg	 imsg;
	unsigned char	*big;
	size_t		 max = IMSG_MAXSIZE - IMSG_HEADER_SIZE, i;
	ssize_t		 got = 0;
	int		 sv[2], rc, err;

	sockpair(sv, 0);
	if ((tx = malloc(sizeof(*tx))) == NULL ||
	    (rx = malloc(sizeof(*rx))) == NULL ||
	    (big = malloc(max + 1)) == NULL)
		exit(2);
	imsg_init(tx, sv[0]);
	imsg_init(rx, sv[1]);
	for (i = 0; i < max + 1; i++)
		big[i] = (unsigned char)(i * 7 + 3);

	errno = 0;
	rc = imsg_compose(tx, 1, big, max + 1);
	err = errno;
	CHECK(rc == -1 && err == EMSGSIZE && tx->queued == 0 &&
	    tx->whead == NULL,
	    "payload one byte too large: -1 EMSGSIZE, nothing queued");
	errno = 0;
	rc = imsg_compose(tx, 1, big, SIZE_MAX);
	err = errno;
	CHECK(rc == -1 && err == EMSGSIZE && tx->queued == 0,
	    "payload SIZE_MAX: -1 EMSGSIZE, no overflow");

	rc = imsg_compose(tx, 2, big, max);
	if (rc == 0)
		rc = imsg_flush(tx);
	for (i = 0; rc == 0 && i < 100 &&
	    (got = imsg_get(rx, &imsg)) == 0; i++)
		if (imsg_read(rx) <= 0)
			break;
	CHECK(rc == 0 && got == IMSG_MAXSIZE && imsg.hdr.len == IMSG_MAXSIZE &&
	    imsg_datalen(&imsg) == max && memcmp(imsg.data, big, max) == 0,
	    "maximum payload goes through end to end");
	if (got > 0)
		imsg_free(&imsg);

	imsg_clear(tx);
	imsg_clear(rx);
	free(big);
	free(tx);
	free(rx);
	close(sv[0]);
	close(sv[1]);
}

/*
 * No descriptor travels on this channel: one a peer sends anyway is
 * dropped by the kernel (no control buffer) and the read refused, the
 * bytes kept so that the stream stays in step.
 */
static void
test_fd_refused(void)
{
	union {
		struct cmsghdr	hdr;
		unsigned char	buf[CMSG_SPACE(sizeof(int))];
	} cm;
	struct imsgbuf	*rx;
	struct msghdr	 msg;
	struct iovec	 iov;
	struct cmsghdr	*c;
	unsigned char	 raw[64];
	ssize_t		 n;
	size_t		 len;
	int		 sv[2], p[2], err, before;

	sockpair(sv, 0);
	if (pipe(p) == -1 || (rx = malloc(sizeof(*rx))) == NULL)
		exit(2);
	imsg_init(rx, sv[1]);
	len = frame(raw, 3, 16 + 2, "fd", 2);
	memset(&msg, 0, sizeof(msg));
	memset(&cm, 0, sizeof(cm));
	iov.iov_base = raw;
	iov.iov_len = len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cm.buf;
	msg.msg_controllen = sizeof(cm.buf);
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &p[1], sizeof(int));
	if (sendmsg(sv[0], &msg, 0) != (ssize_t)len)
		exit(2);
	close(p[1]);

	before = lowest_free_fd();
	errno = 0;
	n = imsg_read(rx);
	err = errno;
	CHECK(n == -1 && err == EBADMSG && lowest_free_fd() == before,
	    "a peer's fd: imsg_read -1 EBADMSG, no fd enters our table");
	/* The only write end was the one sent: dropped, so EOF. */
	CHECK(read(p[0], raw, 1) == 0,
	    "the sent fd was closed by the kernel, not kept anywhere");
	CHECK(rx->rlen == len && imsg_pending(rx),
	    "its bytes are kept: the stream stays in step");

	imsg_clear(rx);
	free(rx);
	close(p[0]);
	close(sv[0]);
	close(sv[1]);
}

static void
test_clear(void)
{
	struct imsgbuf	*tx, *rx;
	int		 sv[2], rc;

	sockpair(sv, 0);
	if ((tx = malloc(sizeof(*tx))) == NULL ||
	    (rx = malloc(sizeof(*rx))) == NULL)
		exit(2);
	imsg_init(tx, sv[0]);
	imsg_init(rx, sv[1]);

	rc = imsg_compose(tx, 1, "a", 1);
	if (rc == 0)
		rc = imsg_compose(tx, 2, "b", 1);
	imsg_clear(tx);
	CHECK(rc == 0 && tx->queued == 0 && tx->whead == NULL,
	    "imsg_clear empties the write queue");

	rc = imsg_compose(tx, 1, "a", 1);
	if (rc == 0)
		rc = imsg_flush(tx);
	if (rc == 0 && imsg_read(rx) <= 0)
		rc = -1;
	CHECK(rc == 0 && imsg_pending(rx), "a whole message is pending");
	imsg_clear_write(rx);
	CHECK(imsg_pending(rx) && rx->queued == 0,
	    "imsg_clear_write keeps what was read");
	imsg_clear(rx);
	CHECK(!imsg_pending(rx) && rx->rlen == 0,
	    "imsg_clear drops what was read");

	imsg_clear(tx);
	free(tx);
	free(rx);
	close(sv[0]);
	close(sv[1]);
}

/* Get what rx holds; count the messages, return how many were wrong. */
static int
get_backlog(struct imsgbuf *rx, unsigned char *pl, size_t plen, int *count)
{
	struct imsg	 imsg;
	int		 bad = 0;

	while (imsg_get(rx, &imsg) > 0) {
		memset(pl, *count & 0xff, plen);
		put32(pl, *count);
		if (imsg.hdr.type != 1000 + (uint32_t)*count ||
		    imsg_datalen(&imsg) != plen ||
		    memcmp(imsg.data, pl, plen) != 0)
			bad++;
		(*count)++;
		imsg_free(&imsg);
	}
	return bad;
}

static void
test_backlog(void)
{
	struct imsgbuf	*tx, *rx;
	unsigned char	*pl;
	size_t		 plen = 8192;
	ssize_t		 n = -1;
	uint32_t	 i;
	int		 sv[2], rc = 0, sndbuf = 16384, rounds, werr = 0;
	int		 eagain = 0, partial = 0, bad = 0, count = 0;

	sockpair(sv, 1);
	set_nonblock(sv[1]);
	/* a small buffer: the queue below is many times its size */
	if (setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sndbuf,
	    sizeof(sndbuf)) == -1)
		exit(2);
	if ((tx = malloc(sizeof(*tx))) == NULL ||
	    (rx = malloc(sizeof(*rx))) == NULL || (pl = malloc(plen)) == NULL)
		exit(2);
	imsg_init(tx, sv[0]);
	imsg_init(rx, sv[1]);

	for (i = 0; i < 200 && rc == 0; i++) {
		memset(pl, (int)(i & 0xff), plen);
		put32(pl, i);
		rc = imsg_compose(tx, 1000 + i, pl, plen);
	}
	CHECK(rc == 0 && tx->queued == 200, "200 messages of 8 KiB queued");

	/* fill the socket until EAGAIN, then empty it from the other end */
	for (rounds = 0; rounds < 10000 && count < 200; rounds++) {
		while (tx->whead != NULL) {
			if (imsg_write(tx) == -1) {
				if (errno == EAGAIN)
					eagain++;
				else
					werr++;
				break;
			}
			if (tx->whead != NULL && tx->whead->rpos > 0)
				partial++;
		}
		while ((n = imsg_read(rx)) > 0)
			bad += get_backlog(rx, pl, plen, &count);
		if (werr || n == 0 || errno != EAGAIN)
			break;
	}
	CHECK(eagain > 0 && partial > 0,
	    "queue outgrows the socket: EAGAIN and partial writes happen");
	CHECK(count == 200 && bad == 0 && tx->queued == 0 && tx->whead == NULL,
	    "all 200 messages arrive in order, payloads intact");

	imsg_clear(tx);
	imsg_clear(rx);
	free(pl);
	free(tx);
	free(rx);
	close(sv[0]);
	close(sv[1]);
}

/* A slow reader in a child: imsg_flush must wait, not fail. */
static void
test_flush_waits(void)
{
	struct imsgbuf	*tx;
	unsigned char	*pl, buf[4096];
	size_t		 plen = 8000, total = 0, want;
	ssize_t		 n;
	pid_t		 pid;
	int		 sv[2], rc = 0, status, i;

	sockpair(sv, 1);
	want = 100 * (IMSG_HEADER_SIZE + plen);
	fflush(stdout);
	switch (pid = fork()) {
	case -1:
		exit(2);
	case 0:
		close(sv[0]);
		usleep(200000);
		while ((n = read(sv[1], buf, sizeof(buf))) > 0)
			total += n;
		close(sv[1]);
		_exit(total == want ? 0 : 1);
	}
	close(sv[1]);
	if ((tx = malloc(sizeof(*tx))) == NULL ||
	    (pl = calloc(1, plen)) == NULL)
		exit(2);
	imsg_init(tx, sv[0]);
	for (i = 0; i < 100 && rc == 0; i++)
		rc = imsg_compose(tx, 1, pl, plen);
	if (rc == 0)
		rc = imsg_flush(tx);
	CHECK(rc == 0 && tx->queued == 0,
	    "imsg_flush on a non-blocking socket waits out EAGAIN");
	close(sv[0]);
	if (waitpid(pid, &status, 0) == -1)
		status = -1;
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "the slow reader got every byte imsg_flush sent");

	imsg_clear(tx);
	free(pl);
	free(tx);
}

static void
test_epipe(void)
{
	struct imsgbuf	*tx;
	int		 sv[2], rc, err;

	sockpair(sv, 0);
	if ((tx = malloc(sizeof(*tx))) == NULL)
		exit(2);
	imsg_init(tx, sv[0]);
	close(sv[1]);
	rc = imsg_compose(tx, 1, "x", 1);
	errno = 0;
	if (rc == 0)
		rc = imsg_write(tx);
	err = errno;
	/* reaching this line at all means no SIGPIPE killed us */
	CHECK(rc == -1 && err == EPIPE && tx->queued == 1,
	    "dead peer: imsg_write -1 EPIPE, no SIGPIPE, message kept");

	imsg_clear(tx);
	free(tx);
	close(sv[0]);
}

int
main(void)
{
	test_golden();
	test_split();
	test_coalesced();
	test_thousand();
	test_bad_lengths();
	test_eof();
	test_rbuf_full();
	test_sizes();
	test_fd_refused();
	test_clear();
	test_backlog();
	test_flush_waits();
	test_epipe();

	printf("%d passed, %d failed\n", npassed, nfailed);
	return nfailed == 0 ? 0 : 1;
}
