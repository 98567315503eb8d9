/* SPDX-License-Identifier: ISC */
/*
 * memscan PID TOKENS: look for each line of the file TOKENS in every
 * readable mapping of process PID (/proc/PID/maps and /proc/PID/mem, as
 * root).  Prints "found N at ADDR in MAPPING" for each hit and exits 1
 * when there is one, 0 when there is none, 2 when PID could not be read.
 */
#include <sys/types.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TOKENS_MAX	16
#define CHUNK		(1024 * 1024)
#define OVERLAP		4096

static char	*tokens[TOKENS_MAX];
static int	 ntokens;

static void
load_tokens(const char *path)
{
	char	 line[4096];
	FILE	*f;

	if ((f = fopen(path, "r")) == NULL) {
		perror(path);
		exit(2);
	}
	while (ntokens < TOKENS_MAX && fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] != '\0' && (tokens[ntokens++] = strdup(line)) == NULL)
			exit(2);
	}
	fclose(f);
}

/* One mapping, read in chunks; a token may straddle two of them. */
static int
scan(int mem, unsigned long lo, unsigned long hi, const char *what)
{
	static char	 buf[OVERLAP + CHUNK];
	unsigned long	 at;
	size_t		 keep = 0, len, tl, maxtl = 1;
	ssize_t		 n;
	char		*p;
	int		 i, hits = 0;

	for (i = 0; i < ntokens; i++)
		if (strlen(tokens[i]) > maxtl)
			maxtl = strlen(tokens[i]);
	for (at = lo; at < hi; at += (unsigned long)n) {
		n = pread(mem, buf + keep, hi - at < CHUNK ? hi - at : CHUNK,
		    (off_t)at);
		if (n <= 0)
			break;
		len = keep + (size_t)n;
		for (i = 0; i < ntokens; i++) {
			tl = strlen(tokens[i]);
			if ((p = memmem(buf, len, tokens[i], tl)) != NULL) {
				printf("found %d at %#lx in %s\n", i,
				    at - keep + (unsigned long)(p - buf), what);
				hits++;
			}
		}
		/* Less than the longest token: a hit is never seen twice. */
		keep = len < maxtl - 1 ? len : maxtl - 1;
		memmove(buf, buf + len - keep, keep);
	}
	return hits;
}

int
main(int argc, char *argv[])
{
	char		 path[64], line[512], perms[8], what[256];
	unsigned long	 lo, hi;
	FILE		*maps;
	int		 mem, hits = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: memscan pid tokens\n");
		return 2;
	}
	load_tokens(argv[2]);
	snprintf(path, sizeof(path), "/proc/%s/maps", argv[1]);
	if ((maps = fopen(path, "r")) == NULL) {
		perror(path);
		return 2;
	}
	snprintf(path, sizeof(path), "/proc/%s/mem", argv[1]);
	if ((mem = open(path, O_RDONLY)) == -1) {
		perror(path);
		return 2;
	}
	while (fgets(line, sizeof(line), maps) != NULL) {
		what[0] = '\0';
		if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %255[^\n]", &lo, &hi,
		    perms, what) < 3 || perms[0] != 'r')
			continue;
		/* The kernel's vsyscall page reads as EIO: nothing of ours. */
		if (strstr(what, "[vvar]") != NULL ||
		    strstr(what, "[vsyscall]") != NULL)
			continue;
		/* Nothing of ours is that big; a sanitizer's shadow is. */
		if (hi - lo > (1UL << 32)) {
			printf("skipped %lx-%lx (%lu MiB) %s\n", lo, hi,
			    (hi - lo) >> 20, what);
			continue;
		}
		hits += scan(mem, lo, hi, what[0] ? what : "[anon]");
	}
	fclose(maps);
	close(mem);
	return hits > 0;
}
