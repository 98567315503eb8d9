/* SPDX-License-Identifier: ISC */
/*
 * Message framing between priv and monitor (our own, in the shape of
 * OpenBSD's imsg: Debian's libbsd does not ship one).
 *
 * A message is a fixed header followed by at most IMSG_MAXSIZE -
 * IMSG_HEADER_SIZE bytes of payload.  Header fields are in host byte
 * order: both ends are the same binary on the same machine.
 */
#ifndef IMSG_H
#define IMSG_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

#define IMSG_HEADER_SIZE	sizeof(struct imsg_hdr)
#define IMSG_MAXSIZE		16384	/* header included */
#define IMSG_READBUF		65536

struct imsg_hdr {
	uint32_t	 type;
	uint32_t	 len;		/* header + payload */
	uint32_t	 peerid;
	uint32_t	 pid;
};

struct imsg {
	struct imsg_hdr	 hdr;
	void		*data;		/* NULL when the payload is empty */
};

struct ibuf {
	struct ibuf	*next;
	unsigned char	*buf;
	size_t		 size;
	size_t		 rpos;		/* bytes already sent */
};

struct imsgbuf {
	int		 fd;
	pid_t		 pid;
	/* read side */
	unsigned char	 rbuf[IMSG_READBUF];
	size_t		 rlen;
	/* write side: a FIFO of whole messages */
	struct ibuf	*whead;
	struct ibuf	**wtail;
	unsigned int	 queued;
};

void	 imsg_init(struct imsgbuf *, int);
/* -1 with errno EMSGSIZE when datalen does not fit, ENOMEM, EINVAL */
int	 imsg_compose(struct imsgbuf *, uint32_t, const void *, size_t);
/* bytes read, 0 on EOF, -1 with errno (EAGAIN, EINTR, ENOBUFS, EBADMSG
 * when the peer sent a descriptor, ...) */
ssize_t	 imsg_read(struct imsgbuf *);
int	 imsg_pending(const struct imsgbuf *);
/* 0 when no whole message is buffered, else the message length; -1 with
 * errno EBADMSG (length below the header) or EMSGSIZE (above the max) */
ssize_t	 imsg_get(struct imsgbuf *, struct imsg *);
void	 imsg_free(struct imsg *);
/* one sendmsg pass; 0 ok (maybe more queued), -1 with errno */
int	 imsg_write(struct imsgbuf *);
/* write until the queue is empty, waiting in poll() on EAGAIN */
int	 imsg_flush(struct imsgbuf *);
void	 imsg_clear_write(struct imsgbuf *);
void	 imsg_clear(struct imsgbuf *);
size_t	 imsg_datalen(const struct imsg *);

#endif
