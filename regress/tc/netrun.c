/* SPDX-License-Identifier: ISC */
/*
 * priv's network limit code (priv/netlimit.c) as priv calls it, with a
 * run's net_cls cgroup this process joins first, as virt-v2v does:
 *
 *   netrun [-n] -l LOCKDIR -c CGDIR BYTES
 *
 * Prints the answer to the first limit ("applied abc:N", "unavailable
 * WHY" or "failed"), then one line per "limit N" read on stdin; at EOF
 * it does what priv does at the end of a run (net_release) and exits.
 * -n: no classifier (this kernel may lack cls_cgroup).
 */
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/netcg.h"
#include "common/wrapper.h"
#include "parent/parent.h"
#include "priv/priv.h"

static void
answer(struct priv *p, long long bytes)
{
	int	why = 0, r;

	r = net_limit(p, bytes, &why);
	if (r == LIMIT_APPLIED)
		printf("applied abc:%x\n", p->tc.minor);
	else if (r == LIMIT_UNAVAILABLE)
		printf("unavailable %d\n", why);
	else
		printf("failed\n");
	fflush(stdout);
}

int
main(int argc, char *argv[])
{
	static struct privconf	 pc;
	static struct priv	 p;
	char			 parent[PATH_MAX];
	char			*cgdir = NULL, *lockdir = NULL, line[128];
	long long		 n;
	int			 ch;

	log_init(1, 0);
	pc.sock = pc.netparentfd = pc.netcgfd = -1;
	pc.steerparentfd = pc.steercgfd = pc.steerpinfd = -1;
	priv_init(&p, &pc);
	p.v2v_pid = getpid();
	while ((ch = getopt(argc, argv, "nl:c:")) != -1)
		switch (ch) {
		case 'n': p.tc.no_classifier = 1; break;
		case 'l': lockdir = optarg; break;
		case 'c': cgdir = optarg; break;
		default: exit(1);
		}
	if (optind + 1 != argc || lockdir == NULL || cgdir == NULL)
		fatalx("usage: netrun [-n] -l lockdir -c cgdir bytes");
	strlcpy(parent, cgdir, sizeof(parent));
	if ((pc.basefd = open(lockdir, O_RDONLY | O_DIRECTORY)) == -1 ||
	    (pc.netparentfd = open(dirname(parent), O_RDONLY |
	    O_DIRECTORY)) == -1 ||
	    (pc.netcgfd = open(cgdir, O_RDONLY | O_DIRECTORY)) == -1)
		fatal("open");
	strlcpy(pc.tag, strrchr(cgdir, '/') + 1, sizeof(pc.tag));
	if (netcg_write(pc.netcgfd, "cgroup.procs", 0) == -1)
		fatal("joining %s", cgdir);
	answer(&p, strtoll(argv[optind], NULL, 10));
	while (fgets(line, sizeof(line), stdin) != NULL) {
		if (sscanf(line, "limit %lld", &n) != 1)
			fatalx("bad command: %s", line);
		answer(&p, n);
	}
	/* Out of the cgroup first, as virt-v2v has exited by then. */
	if (netcg_write(pc.netparentfd, "../cgroup.procs", 0) == -1)
		fatal("leaving %s", cgdir);
	net_release(&p);
	return 0;
}
