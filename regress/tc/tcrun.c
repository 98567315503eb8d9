/* SPDX-License-Identifier: ISC */
/*
 * One run's tc work, as priv does it, without the rest of the wrapper:
 * the tests start many of these at once in a network namespace.
 *
 *   tcrun [-n] [-b BARRIER] -l LOCKDIR RATE
 *   tcrun -r MINOR -l LOCKDIR      what the cleanup of a dead run does
 *
 * Waits on the FIFO BARRIER if given (opening it blocks until the test
 * opens the other end: all start at once), takes the host lock in
 * LOCKDIR, reserves a class at RATE bytes/s and prints "abc:N".  Then
 * reads lines on stdin: "rate N" changes the rate (prints "ok"; 0 is
 * unlimited, as in priv); EOF
 * releases the class and exits.  -n: no classifier (this kernel may lack
 * cls_cgroup).  Exit 2: TC_ENOCLS, 3: TC_ENOIF, 1: another failure.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/netcg.h"
#include "common/tc.h"

static void
wait_barrier(const char *fifo)
{
	char	c;
	int	fd;

	if ((fd = open(fifo, O_RDONLY)) == -1)
		fatal("%s", fifo);
	if (read(fd, &c, 1) == -1)
		fatal("barrier");
	close(fd);
}

static void
serve(struct tc *t)
{
	char		line[128];
	unsigned long long	rate;

	while (fgets(line, sizeof(line), stdin) != NULL) {
		if (sscanf(line, "rate %llu", &rate) != 1)
			fatalx("bad command: %s", line);
		printf("%s\n", tc_rate(t, rate == 0 ? TC_UNLIMITED : rate) ==
		    0 ? "ok" : "failed");
		fflush(stdout);
	}
}

int
main(int argc, char *argv[])
{
	struct tc	 t;
	const char	*barrier = NULL, *lockdir = NULL;
	uint32_t	 dead = 0;
	int		 ch, lockfd, dirfd, r;

	memset(&t, 0, sizeof(t));
	log_init(1, 0);
	while ((ch = getopt(argc, argv, "nb:l:r:")) != -1)
		switch (ch) {
		case 'r': dead = strtoul(optarg, NULL, 16); break;
		case 'n': t.no_classifier = 1; break;
		case 'b': barrier = optarg; break;
		case 'l': lockdir = optarg; break;
		default: exit(1);
		}
	if ((dead == 0 && optind + 1 != argc) || lockdir == NULL)
		fatalx("usage: tcrun [-n] [-b fifo] -l lockdir rate");
	if ((dirfd = open(lockdir, O_RDONLY | O_DIRECTORY)) == -1)
		fatal("%s", lockdir);
	if (barrier != NULL)
		wait_barrier(barrier);
	if (tc_open(&t) == -1)
		fatalx("tc_open");
	if ((lockfd = netcg_lock(dirfd)) == -1)
		exit(1);
	if (dead != 0) {
		tc_release(&t, dead);
		return 0;
	}
	r = tc_reserve(&t, strtoull(argv[optind], NULL, 10));
	netcg_unlock(lockfd);
	if (r != 0)
		exit(r == TC_ENOCLS ? 2 : r == TC_ENOIF ? 3 : 1);
	printf("abc:%x\n", t.minor);
	fflush(stdout);
	serve(&t);
	if ((lockfd = netcg_lock(dirfd)) == -1)
		exit(1);
	tc_release(&t, t.minor);
	netcg_unlock(lockfd);
	tc_close(&t);
	return 0;
}
