/* SPDX-License-Identifier: ISC */
/*
 * parsebench [-p | -a] FILE: the monitor's parse path alone over a log
 * file, the way monitor.c reads it (read(2) in 64 KiB chunks into
 * lines_feed, no mmap, the parser's sieve with AVX2 where the CPU has
 * it); -p: the portable sieve and hash; -a: no sieve, every line to the
 * parser.  Then one JSON line: CPU seconds (getrusage, user and system;
 * the whole process, and parse_s for the parse alone, which small
 * inputs need), bytes, MB/s of CPU time, peak RSS in KiB and the state
 * it ended with.
 * The state is what the benchmark asserts on, so a fast wrong parser
 * cannot pass.
 */
#include <sys/resource.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/hash.h"
#include "common/state.h"
#include "monitor/monitor.h"

#define READ_CHUNK	(64 * 1024)	/* as monitor.c */

static double
tv_sec(const struct timeval *tv)
{
	return tv->tv_sec + tv->tv_usec / 1e6;
}

static long long
parse_fd(int fd, struct lines *l)
{
	static char	buf[READ_CHUNK];
	long long	total = 0;
	ssize_t		n;

	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			perror("read");
			exit(2);
		}
		if (n == 0)
			break;
		lines_feed(l, buf, n);
		total += n;
	}
	lines_flush(l);
	return total;
}

int
main(int argc, char *argv[])
{
	struct state	 st;
	struct parser	 p;
	struct lines	 l;
	struct sieve	 sv;
	struct rusage	 ru0, ru;
	long long	 bytes;
	double		 usr, sys, cpu, parse;
	const char	*path, *mode = "fast";
	char		*js;
	int		 fd;

	if (argc == 3 && (strcmp(argv[1], "-p") == 0 ||
	    strcmp(argv[1], "-a") == 0))
		mode = argv[1][1] == 'p' ? "portable" : "all";
	else if (argc != 2) {
		fprintf(stderr, "usage: parsebench [-p | -a] file\n");
		return 2;
	}
	path = argv[argc - 1];
	if ((fd = open(path, O_RDONLY)) == -1) {
		perror(path);
		return 2;
	}
	state_init(&st);
	parser_init(&p, &st);
	lines_init(&l, LINE_MAX_LEN, 1, parser_line, &p);
	if (strcmp(mode, "all") != 0) {
		parser_sieve(&sv, *mode == 'p' ? SIEVE_PORTABLE : SIEVE_FAST);
		hash_select(*mode == 'p' ? HASH_PORTABLE : HASH_FAST);
		lines_sieve(&l, &sv);
		if (!sieve_is_fast(&sv))
			mode = "portable";
	}
	if (getrusage(RUSAGE_SELF, &ru0) == -1) {
		perror("getrusage");
		return 2;
	}
	bytes = parse_fd(fd, &l);
	close(fd);
	/* Measured before the dump: the JSON is not the parser's cost. */
	if (getrusage(RUSAGE_SELF, &ru) == -1) {
		perror("getrusage");
		return 2;
	}
	if ((js = state_dump(&st)) == NULL) {
		fprintf(stderr, "parsebench: state_dump failed\n");
		return 2;
	}
	usr = tv_sec(&ru.ru_utime);
	sys = tv_sec(&ru.ru_stime);
	cpu = usr + sys;
	parse = cpu - tv_sec(&ru0.ru_utime) - tv_sec(&ru0.ru_stime);
	printf("{\"path\":\"%s\",\"bytes\":%lld,\"user_s\":%.3f,"
	    "\"sys_s\":%.3f,\"cpu_s\":%.3f,\"parse_s\":%.6f,\"mb_s\":%.1f,\"maxrss_kib\":%ld,"
	    "\"ndisks\":%zu,\"state\":%s}\n",
	    mode, bytes, usr, sys, cpu, parse, cpu > 0 ? bytes / 1e6 / cpu : 0.0,
	    ru.ru_maxrss, st.ndisks, js);
	free(js);
	lines_free(&l);
	state_free(&st);
	return 0;
}
