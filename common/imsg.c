/* SPDX-License-Identifier: ISC */
/*
 * Message framing between priv and monitor, written for this program in
 * the shape of OpenBSD's imsg (see imsg.h for the wire format).  No
 * descriptor travels: nothing in the protocol needs one, and a peer
 * that sends one anyway (SCM_RIGHTS) has its descriptors dropped by the
 * kernel and its read refused (EBADMSG), which priv takes for a
 * violation.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/imsg.h"

/* iovecs per sendmsg(): plenty to batch small messages, far below IOV_MAX */
#define IMSG_IOV_MAX	64

static void	 ibuf_free(struct ibuf *);
static void	 write_consume(struct imsgbuf *, size_t);

void
imsg_init(struct imsgbuf *ibuf, int fd)
{
	memset(ibuf, 0, sizeof(*ibuf));
	ibuf->fd = fd;
	ibuf->pid = getpid();
	ibuf->whead = NULL;
	ibuf->wtail = &ibuf->whead;
}

static void
ibuf_free(struct ibuf *b)
{
	if (b == NULL)
		return;
	/* payloads may hold something a later heap user should not see */
	explicit_bzero(b->buf, b->size);
	free(b);
}

int
imsg_compose(struct imsgbuf *ibuf, uint32_t type, const void *data,
    size_t datalen)
{
	struct imsg_hdr	 hdr;
	struct ibuf	*b;
	size_t		 len;

	/* refuse rather than truncate: a short message is a wrong one */
	if (datalen > IMSG_MAXSIZE - IMSG_HEADER_SIZE) {
		errno = EMSGSIZE;
		return -1;
	}
	if (data == NULL && datalen > 0) {
		errno = EINVAL;
		return -1;
	}
	len = IMSG_HEADER_SIZE + datalen;

	/* one allocation: the buffer lives right after its ibuf */
	if ((b = malloc(sizeof(*b) + len)) == NULL)
		return -1;
	b->next = NULL;
	b->buf = (unsigned char *)(b + 1);
	b->size = len;
	b->rpos = 0;

	hdr.type = type;
	hdr.len = (uint32_t)len;
	hdr.peerid = 0;
	hdr.pid = (uint32_t)ibuf->pid;
	memcpy(b->buf, &hdr, sizeof(hdr));
	if (datalen > 0)
		memcpy(b->buf + sizeof(hdr), data, datalen);

	*ibuf->wtail = b;
	ibuf->wtail = &b->next;
	ibuf->queued++;
	return 0;
}

/* Drop n sent bytes from the front of the write queue. */
static void
write_consume(struct imsgbuf *ibuf, size_t n)
{
	struct ibuf	*b;
	size_t		 left;

	while (n > 0 && (b = ibuf->whead) != NULL) {
		left = b->size - b->rpos;
		if (n < left) {
			b->rpos += n;
			return;
		}
		n -= left;
		ibuf->whead = b->next;
		if (ibuf->whead == NULL)
			ibuf->wtail = &ibuf->whead;
		ibuf->queued--;
		ibuf_free(b);
	}
}

int
imsg_write(struct imsgbuf *ibuf)
{
	struct iovec	 iov[IMSG_IOV_MAX];
	struct msghdr	 msg;
	struct ibuf	*b;
	ssize_t		 n;
	int		 i = 0;

	if (ibuf->whead == NULL)
		return 0;
	memset(&msg, 0, sizeof(msg));
	for (b = ibuf->whead; b != NULL && i < IMSG_IOV_MAX; b = b->next) {
		iov[i].iov_base = b->buf + b->rpos;
		iov[i].iov_len = b->size - b->rpos;
		i++;
	}
	msg.msg_iov = iov;
	msg.msg_iovlen = i;
	/* a dead peer must be an error here, not a SIGPIPE */
	if ((n = sendmsg(ibuf->fd, &msg, MSG_NOSIGNAL)) == -1)
		return -1;
	write_consume(ibuf, (size_t)n);
	return 0;
}

int
imsg_flush(struct imsgbuf *ibuf)
{
	struct pollfd	 pfd;

	/*
	 * EINTR is retried: callers flush to get a message out before
	 * going on (or exiting), and their signal handlers only set flags.
	 */
	while (ibuf->whead != NULL) {
		if (imsg_write(ibuf) == 0)
			continue;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return -1;
		pfd.fd = ibuf->fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, -1) == -1 && errno != EINTR)
			return -1;
	}
	return 0;
}

ssize_t
imsg_read(struct imsgbuf *ibuf)
{
	struct msghdr	 msg;
	struct iovec	 iov;
	ssize_t		 n;

	/* a full buffer means the caller is not calling imsg_get() */
	if (ibuf->rlen >= IMSG_READBUF) {
		errno = ENOBUFS;
		return -1;
	}
	memset(&msg, 0, sizeof(msg));
	iov.iov_base = ibuf->rbuf + ibuf->rlen;
	iov.iov_len = IMSG_READBUF - ibuf->rlen;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	/*
	 * No control buffer: descriptors or credentials that came with
	 * these bytes were dropped by the kernel, which says so with
	 * MSG_CTRUNC.  The bytes are kept (the stream stays in step), the
	 * read is refused: our peer never sends any.
	 */
	if ((n = recvmsg(ibuf->fd, &msg, 0)) <= 0)
		return n;
	ibuf->rlen += (size_t)n;
	if (msg.msg_flags & MSG_CTRUNC) {
		errno = EBADMSG;
		return -1;
	}
	return n;
}

/*
 * Whether imsg_get() would answer without a read: a whole message, or a
 * header it will refuse, is buffered.
 */
int
imsg_pending(const struct imsgbuf *ibuf)
{
	struct imsg_hdr	 hdr;

	if (ibuf->rlen < IMSG_HEADER_SIZE)
		return 0;
	memcpy(&hdr, ibuf->rbuf, sizeof(hdr));
	return hdr.len < IMSG_HEADER_SIZE || hdr.len > IMSG_MAXSIZE ||
	    ibuf->rlen >= hdr.len;
}

ssize_t
imsg_get(struct imsgbuf *ibuf, struct imsg *imsg)
{
	struct imsg_hdr	 hdr;
	size_t		 datalen;
	void		*data = NULL;

	if (ibuf->rlen < IMSG_HEADER_SIZE)
		return 0;
	/* rbuf has no alignment for the header: copy it out */
	memcpy(&hdr, ibuf->rbuf, sizeof(hdr));
	if (hdr.len < IMSG_HEADER_SIZE) {
		errno = EBADMSG;
		return -1;
	}
	if (hdr.len > IMSG_MAXSIZE) {
		errno = EMSGSIZE;
		return -1;
	}
	if (ibuf->rlen < hdr.len)
		return 0;

	datalen = hdr.len - IMSG_HEADER_SIZE;
	if (datalen > 0) {
		if ((data = malloc(datalen)) == NULL)
			return -1;
		memcpy(data, ibuf->rbuf + IMSG_HEADER_SIZE, datalen);
	}
	imsg->hdr = hdr;
	imsg->data = data;

	ibuf->rlen -= hdr.len;
	memmove(ibuf->rbuf, ibuf->rbuf + hdr.len, ibuf->rlen);
	return hdr.len;
}

void
imsg_free(struct imsg *imsg)
{
	if (imsg->data != NULL) {
		explicit_bzero(imsg->data, imsg_datalen(imsg));
		free(imsg->data);
		imsg->data = NULL;
	}
}

/* The peer is gone: what is queued for it goes, what it sent stays. */
void
imsg_clear_write(struct imsgbuf *ibuf)
{
	struct ibuf	*b;

	while ((b = ibuf->whead) != NULL) {
		ibuf->whead = b->next;
		ibuf_free(b);
	}
	ibuf->wtail = &ibuf->whead;
	ibuf->queued = 0;
}

/* Teardown: drop everything queued either way. */
void
imsg_clear(struct imsgbuf *ibuf)
{
	imsg_clear_write(ibuf);
	explicit_bzero(ibuf->rbuf, ibuf->rlen);
	ibuf->rlen = 0;
}

size_t
imsg_datalen(const struct imsg *imsg)
{
	if (imsg->hdr.len < IMSG_HEADER_SIZE)
		return 0;
	return imsg->hdr.len - IMSG_HEADER_SIZE;
}
