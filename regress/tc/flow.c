/* SPDX-License-Identifier: ISC */
/*
 * A TCP transfer for the shaping test, measured by the receiver.
 *
 *   flow recv PORT          accept one connection on 0.0.0.0:PORT, read
 *                           to EOF, print "BYTES SECONDS" (from the
 *                           first byte to EOF)
 *   flow send ADDR PORT PRIO SECONDS
 *                           connect, set SO_PRIORITY to PRIO (HTB takes a
 *                           class from skb->priority when no classifier
 *                           says otherwise: our stand-in for cls_cgroup,
 *                           which this kernel may lack), send for SECONDS
 *
 * "recv" prints "listening" once it listens, so the test need not guess.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
recv_flow(int port)
{
	struct sockaddr_in	sin;
	static char		buf[65536];
	unsigned long long	total = 0;
	double			first = 0;
	ssize_t			n;
	int			s, c, one = 1;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	if ((s = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
	    bind(s, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(s, 1) == -1)
		fatal("listen");
	printf("listening\n");
	fflush(stdout);
	if ((c = accept(s, NULL, NULL)) == -1)
		fatal("accept");
	while ((n = read(c, buf, sizeof(buf))) > 0) {
		if (total == 0)
			first = now();
		total += n;
	}
	printf("%llu %.3f\n", total, now() - first);
	return 0;
}

static int
send_flow(const char *addr, int port, int prio, double secs)
{
	struct sockaddr_in	sin;
	static char		buf[65536];
	double			end;
	int			s;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1)
		fatalx("bad address %s", addr);
	if ((s = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    setsockopt(s, SOL_SOCKET, SO_PRIORITY, &prio, sizeof(prio)) ==
	    -1 || connect(s, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		fatal("connect");
	for (end = now() + secs; now() < end; )
		if (write(s, buf, sizeof(buf)) == -1)
			fatal("write");
	close(s);
	return 0;
}

int
main(int argc, char *argv[])
{
	log_init(1, 0);
	if (argc == 3 && strcmp(argv[1], "recv") == 0)
		return recv_flow(atoi(argv[2]));
	if (argc == 6 && strcmp(argv[1], "send") == 0)
		return send_flow(argv[2], atoi(argv[3]),
		    (int)strtoul(argv[4], NULL, 0), atof(argv[5]));
	fatalx("usage: flow recv PORT | flow send ADDR PORT PRIO SECONDS");
}
