/* SPDX-License-Identifier: ISC */
/*
 * Message framing between priv and monitor, written for this program in
 * the shape of OpenBSD's imsg (see imsg.h for the wire format).
 *
 * Ownership rules, since fds can travel with messages:
 * - imsg_compose() takes the fd only when it succeeds; on failure the
 *   caller still owns it.  A queued fd is closed once it has been sent,
 *   or by imsg_clear().
 * - imsg_get() hands a received fd to the message it came with; the
 *   caller takes it by setting imsg.fd to -1, otherwise imsg_free()
 *   closes it.
 *
 * How a received fd finds its message (Linux AF_UNIX SOCK_STREAM):
 * the sender passes an fd only in a sendmsg() that starts at the first
 * byte of its message and carries nothing else, so the kernel attaches
 * the fd to the skb that begins that message.  On the receiving side a
 * recvmsg() may glue bytes of earlier skbs in front of it, but it stops
 * right after an skb that carries fds (unix_stream_read_generic()).
 * Hence the message an fd belongs to is the last one that starts in the
 * bytes of the read that brought the fd.  The messages ahead of it in rbuf are already complete, so
 * imsg_read() records how many of them must be got before the fd is
 * handed out.  rfds[] is that queue, front first, in message order:
 *	rfds[i] >= 0	the fd of the next message
 *	rfds[i] < 0	the next -rfds[i] messages have no fd
 * Each received fd takes at most two slots; a peer that makes more than
 * IMSG_MAXFDS of them pile up is refused.
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
static int	 rfds_push(struct imsgbuf *, int, size_t);
static int	 rfds_pop(struct imsgbuf *);
static void	 rfds_close(struct imsgbuf *);
static void	 close_cmsg_fds(struct msghdr *);
static int	 collect_fds(struct imsgbuf *, struct msghdr *, size_t);
static void	 write_consume(struct imsgbuf *, size_t);

void
imsg_init(struct imsgbuf *ibuf, int fd)
{
	memset(ibuf, 0, sizeof(*ibuf));
	ibuf->fd = fd;
	ibuf->pid = getpid();
	ibuf->fdpass = 0;
	ibuf->whead = NULL;
	ibuf->wtail = &ibuf->whead;
}

/*
 * Passing fds is opt in: a channel that never expects one refuses any
 * the peer sends, so a compromised peer cannot fill our fd table.
 */
void
imsg_allow_fdpass(struct imsgbuf *ibuf)
{
	ibuf->fdpass = 1;
}

static void
ibuf_free(struct ibuf *b)
{
	if (b == NULL)
		return;
	if (b->fd >= 0)
		close(b->fd);
	/* payloads may hold something a later heap user should not see */
	explicit_bzero(b->buf, b->size);
	free(b);
}

int
imsg_compose(struct imsgbuf *ibuf, uint32_t type, uint32_t peerid,
    pid_t pid, int fd, const void *data, size_t datalen)
{
	struct imsg_hdr	 hdr;
	struct ibuf	*b;
	size_t		 len;

	/* refuse rather than truncate: a short message is a wrong one */
	if (datalen > IMSG_MAXSIZE - IMSG_HEADER_SIZE) {
		errno = EMSGSIZE;
		return -1;
	}
	if ((data == NULL && datalen > 0) || (fd >= 0 && !ibuf->fdpass)) {
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
	b->fd = fd >= 0 ? fd : -1;

	hdr.type = type;
	hdr.len = (uint32_t)len;
	hdr.peerid = peerid;
	/* as in OpenBSD, 0 means "from this process" */
	hdr.pid = pid != 0 ? (uint32_t)pid : (uint32_t)ibuf->pid;
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
	union {
		struct cmsghdr	hdr;
		unsigned char	buf[CMSG_SPACE(sizeof(int))];
	} cmsgbuf;
	struct msghdr	 msg;
	struct cmsghdr	*cmsg;
	struct ibuf	*b, *first;
	ssize_t		 n;
	int		 i = 0;

	if ((first = ibuf->whead) == NULL)
		return 0;

	memset(&msg, 0, sizeof(msg));
	for (b = first; b != NULL && i < IMSG_IOV_MAX; b = b->next) {
		/*
		 * An fd rides alone with the first byte of its message:
		 * that is what lets the receiver tell which one it is.
		 */
		if (b->fd >= 0 && b != first)
			break;
		iov[i].iov_base = b->buf + b->rpos;
		iov[i].iov_len = b->size - b->rpos;
		i++;
		if (b->fd >= 0)
			break;
	}
	msg.msg_iov = iov;
	msg.msg_iovlen = i;

	if (first->fd >= 0) {
		memset(&cmsgbuf, 0, sizeof(cmsgbuf));
		msg.msg_control = cmsgbuf.buf;
		msg.msg_controllen = sizeof(cmsgbuf.buf);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cmsg), &first->fd, sizeof(int));
	}

	/* a dead peer must be an error here, not a SIGPIPE */
	if ((n = sendmsg(ibuf->fd, &msg, MSG_NOSIGNAL)) == -1)
		return -1;

	/* the kernel holds its own reference now */
	if (first->fd >= 0 && n > 0) {
		close(first->fd);
		first->fd = -1;
	}
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

/* Close every fd a received control message brought. */
static void
close_cmsg_fds(struct msghdr *msg)
{
	struct cmsghdr	*cmsg;
	size_t		 i, nfds;
	int		 fd;

	for (cmsg = CMSG_FIRSTHDR(msg); cmsg != NULL;
	    cmsg = CMSG_NXTHDR(msg, cmsg)) {
		if (cmsg->cmsg_level != SOL_SOCKET ||
		    cmsg->cmsg_type != SCM_RIGHTS)
			continue;
		nfds = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < nfds; i++) {
			memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int),
			    sizeof(fd));
			close(fd);
		}
	}
}

/*
 * Queue fd for the message starting in rbuf at or after offset from
 * (where this read's bytes begin); see the comment at the top.
 * -1 when the bytes do not fit what our sender does.
 */
static int
rfds_push(struct imsgbuf *ibuf, int fd, size_t from)
{
	struct imsg_hdr	 hdr;
	size_t		 off = 0, idx = 0, queued = 0;
	ssize_t		 target = -1;
	int		 i, need;

	/* find the index of the last message starting at or after from */
	while (off < ibuf->rlen) {
		if (off >= from)
			target = (ssize_t)idx;
		if (ibuf->rlen - off < IMSG_HEADER_SIZE)
			break;
		memcpy(&hdr, ibuf->rbuf + off, sizeof(hdr));
		if (hdr.len < IMSG_HEADER_SIZE || hdr.len > IMSG_MAXSIZE)
			break;
		off += hdr.len;
		idx++;
	}
	if (target == -1)
		return -1;

	/* messages the queue already speaks for */
	for (i = 0; i < ibuf->nrfds; i++)
		queued += ibuf->rfds[i] >= 0 ? 1 : (size_t)-ibuf->rfds[i];
	if (queued > (size_t)target)
		return -1;

	need = queued < (size_t)target ? 2 : 1;
	if (ibuf->nrfds + need > IMSG_MAXFDS)
		return -1;
	/* the run fits an int: rbuf holds at most 4096 messages */
	if (need == 2)
		ibuf->rfds[ibuf->nrfds++] = -(int)((size_t)target - queued);
	ibuf->rfds[ibuf->nrfds++] = fd;
	return 0;
}

/* The fd of the message being got, or -1. */
static int
rfds_pop(struct imsgbuf *ibuf)
{
	int	 fd;

	if (ibuf->nrfds == 0)
		return -1;
	if (ibuf->rfds[0] < -1) {
		ibuf->rfds[0]++;
		return -1;
	}
	/* an fd, or -1: the last message of a run without one */
	fd = ibuf->rfds[0];
	ibuf->nrfds--;
	memmove(ibuf->rfds, ibuf->rfds + 1, ibuf->nrfds * sizeof(int));
	return fd;
}

static void
rfds_close(struct imsgbuf *ibuf)
{
	int	 i;

	for (i = 0; i < ibuf->nrfds; i++)
		if (ibuf->rfds[i] >= 0)
			close(ibuf->rfds[i]);
	ibuf->nrfds = 0;
}

/*
 * Take the fds of one recvmsg().  Our sender puts at most one fd with a
 * message; anything else (fds refused on this channel, several at once,
 * a truncated control message, no message start to tie it to) is a
 * protocol violation: every fd is closed and the read fails with
 * EBADMSG.  from is where the read's bytes begin in rbuf.
 */
static int
collect_fds(struct imsgbuf *ibuf, struct msghdr *msg, size_t from)
{
	struct cmsghdr	*cmsg;
	size_t		 nfds = 0;
	int		 fd = -1;

	for (cmsg = CMSG_FIRSTHDR(msg); cmsg != NULL;
	    cmsg = CMSG_NXTHDR(msg, cmsg)) {
		if (cmsg->cmsg_level != SOL_SOCKET ||
		    cmsg->cmsg_type != SCM_RIGHTS)
			continue;
		nfds += (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		if (nfds == 1)
			memcpy(&fd, CMSG_DATA(cmsg), sizeof(fd));
	}
	if (nfds == 0 && !(msg->msg_flags & MSG_CTRUNC))
		return 0;
	if (!ibuf->fdpass || nfds != 1 || (msg->msg_flags & MSG_CTRUNC) ||
	    rfds_push(ibuf, fd, from) == -1) {
		close_cmsg_fds(msg);
		errno = EBADMSG;
		return -1;
	}
	return 0;
}

ssize_t
imsg_read(struct imsgbuf *ibuf)
{
	union {
		struct cmsghdr	hdr;
		unsigned char	buf[CMSG_SPACE(sizeof(int) * IMSG_MAXFDS)];
	} cmsgbuf;
	struct msghdr	 msg;
	struct iovec	 iov;
	ssize_t		 n;
	size_t		 from;

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
	msg.msg_control = cmsgbuf.buf;
	msg.msg_controllen = sizeof(cmsgbuf.buf);

	/* received fds must not leak into what priv executes */
	if ((n = recvmsg(ibuf->fd, &msg, MSG_CMSG_CLOEXEC)) <= 0)
		return n;

	/*
	 * The bytes are kept even when the fds are refused: the caller
	 * treats -1 EBADMSG as fatal, and the stream stays in step.
	 */
	from = ibuf->rlen;
	ibuf->rlen += (size_t)n;
	if (collect_fds(ibuf, &msg, from) == -1)
		return -1;
	return n;
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
	imsg->fd = rfds_pop(ibuf);

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
	/* the caller sets fd to -1 when it keeps the fd */
	if (imsg->fd >= 0) {
		close(imsg->fd);
		imsg->fd = -1;
	}
}

/*
 * Teardown: drop everything queued either way.  Buffered read bytes go
 * too, since the fds that belonged to them are gone.
 */
void
imsg_clear(struct imsgbuf *ibuf)
{
	struct ibuf	*b;

	while ((b = ibuf->whead) != NULL) {
		ibuf->whead = b->next;
		ibuf_free(b);
	}
	ibuf->wtail = &ibuf->whead;
	ibuf->queued = 0;
	rfds_close(ibuf);
	ibuf->rlen = 0;
}

size_t
imsg_datalen(const struct imsg *imsg)
{
	if (imsg->hdr.len < IMSG_HEADER_SIZE)
		return 0;
	return imsg->hdr.len - IMSG_HEADER_SIZE;
}
