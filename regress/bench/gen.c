/* SPDX-License-Identifier: ISC */
/*
 * gen OUT SIZE SEED DISKS: a synthetic virt-v2v -v -x log of about SIZE
 * bytes for the parser benchmark.  The text between progress frames is
 * sampled, line by line, from the real captures (so the mix of nbdkit,
 * libguestfs and kernel lines, their lengths and their \r/\n endings are
 * those of a real run); each disk gets "Copying disk N/M" and nbdcopy
 * frames with rising percentages.  Every disk but the last ends with
 * the 100 % frame; the last stops at LAST_PCT mid-copy, so a parser that
 * merely assumed success would be caught.  stdout: one JSON line with
 * what a correct parser must end with.
 *
 * The captures are found beside this program (../fixtures/v2v), or in
 * the directory named by $V2V_BENCH_FIXTURES.
 *
 * gen KIND OUT SIZE: a log of about SIZE bytes made to make the parse
 * path slow or big (issue 18, item 2), the same JSON line on stdout:
 *   paths   1024 distinct 4 KiB source paths (nbdkit's ssh config line),
 *	     over and over, a progress frame after each;
 *   long    one line of SIZE bytes between two progress frames;
 *   empty   SIZE empty lines between two progress frames;
 *   frames  nothing but progress frames, 11 bytes each.
 * Each starts with "Copying disk 1/1" and ends with a LAST_PCT frame,
 * which disk 0 must show: in "paths" the last path named moves its disk
 * to the front and takes that frame.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LAST_PCT	73
#define FRAME_EVERY	(64 * 1024)	/* log bytes between two frames */
#define BAR_CELLS	40
#define OUTBUF		(1024 * 1024)
#define NPATHS		1024	/* "paths": distinct paths */
#define PATH_LEN	4096	/* "paths": bytes of each line */

static const char	*captures[] = {
	"b-vx-local-pipe.out",
	"ssh-rhv-vx.log",
};

/* nbdcopy's spinner, in the order the capture shows it. */
static const char	*glyphs[] = {
	"\xe2\x96\x9d", "\xe2\x96\x90", "\xe2\x96\x97", "\xe2\x96\x83",
	"\xe2\x96\x96", "\xe2\x96\x8d", "\xe2\x96\x98", "\xe2\x96\x80",
};
#define GLYPH_FULL	"\xe2\x96\x88"

struct span {
	size_t	off, len;
};

/* Every usable line of every capture, terminator included. */
struct pool {
	char		*buf;
	size_t		 len;
	struct span	*v;
	size_t		 n, cap;
};

struct out {
	int		 fd;
	char		 buf[OUTBUF];
	size_t		 len;
	unsigned long long total, lines, frames;
};

static uint64_t	rng_state;

static void
fail(const char *what)
{
	fprintf(stderr, "gen: %s: %s\n", what, strerror(errno));
	exit(2);
}

/* splitmix64: the same SEED gives the same file on every libc. */
static uint64_t
rng(void)
{
	uint64_t	z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void
slurp_into(struct pool *p, const char *path)
{
	char	 chunk[65536];
	ssize_t	 n;
	int	 fd;

	if ((fd = open(path, O_RDONLY)) == -1)
		fail(path);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0) {
		if ((p->buf = realloc(p->buf, p->len + n)) == NULL)
			fail("realloc");
		memcpy(p->buf + p->len, chunk, n);
		p->len += n;
	}
	if (n == -1)
		fail(path);
	close(fd);
}

/*
 * Lines that would move the expected state are left out: the captures'
 * own progress frames and "Copying disk" lines.  The generator puts its
 * own in, and only those, so the expected values are known exactly.
 */
static int
steers_progress(const char *s, size_t len)
{
	return memmem(s, len, "Copying disk", 12) != NULL ||
	    memmem(s, len, "% [", 3) != NULL ||
	    memmem(s, len, "/100%)", 6) != NULL;
}

static void
pool_add(struct pool *p, size_t off, size_t len)
{
	if (steers_progress(p->buf + off, len))
		return;
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 4096;
		if ((p->v = reallocarray(p->v, p->cap, sizeof(*p->v))) == NULL)
			fail("reallocarray");
	}
	p->v[p->n].off = off;
	p->v[p->n].len = len;
	p->n++;
}

/* Split on \r and \n, both kept: the reader must see them as they were. */
static void
pool_split(struct pool *p, size_t from)
{
	size_t	s, e;

	for (s = from; s < p->len; s = e) {
		for (e = s; e < p->len && p->buf[e] != '\n' &&
		    p->buf[e] != '\r'; e++)
			;
		if (e < p->len)
			e++;
		pool_add(p, s, e - s);
	}
}

static void
pool_load(struct pool *p, const char *dir)
{
	char	path[PATH_MAX];
	size_t	i, from;

	memset(p, 0, sizeof(*p));
	for (i = 0; i < sizeof(captures) / sizeof(captures[0]); i++) {
		if (snprintf(path, sizeof(path), "%s/%s", dir, captures[i]) >=
		    (int)sizeof(path)) {
			fprintf(stderr, "gen: %s: path too long\n", dir);
			exit(2);
		}
		from = p->len;
		slurp_into(p, path);
		/* A capture not ending in a terminator must not glue on. */
		if (p->len > from && p->buf[p->len - 1] != '\n' &&
		    p->buf[p->len - 1] != '\r') {
			if ((p->buf = realloc(p->buf, p->len + 1)) == NULL)
				fail("realloc");
			p->buf[p->len++] = '\n';
		}
		pool_split(p, from);
	}
	if (p->n == 0) {
		fprintf(stderr, "gen: no usable lines in %s\n", dir);
		exit(2);
	}
}

static void
out_flush(struct out *o)
{
	size_t	off = 0;
	ssize_t	n;

	while (off < o->len) {
		if ((n = write(o->fd, o->buf + off, o->len - off)) == -1) {
			if (errno == EINTR)
				continue;
			fail("write");
		}
		off += n;
	}
	o->len = 0;
}

static void
out_put(struct out *o, const char *s, size_t len)
{
	if (o->len + len > sizeof(o->buf))
		out_flush(o);
	/* A line longer than the buffer (none in today's captures). */
	while (len > sizeof(o->buf)) {
		memcpy(o->buf, s, sizeof(o->buf));
		o->len = sizeof(o->buf);
		out_flush(o);
		s += sizeof(o->buf);
		len -= sizeof(o->buf);
		o->total += sizeof(o->buf);
	}
	memcpy(o->buf + o->len, s, len);
	o->len += len;
	o->total += len;
	o->lines++;
}

/* Many lines at once (out_put counts one), of any length. */
static void
out_lines(struct out *o, const char *s, size_t len, unsigned long long n)
{
	size_t	k;

	for (; len > 0; s += k, len -= k) {
		k = len < sizeof(o->buf) ? len : sizeof(o->buf);
		out_put(o, s, k);
	}
	o->lines += n - 1;
}

static void
sample_line(struct out *o, const struct pool *p)
{
	const struct span	*sp = &p->v[rng() % p->n];

	out_put(o, p->buf + sp->off, sp->len);
}

/* "<glyph>  42% [*****-----...]\r"; the 100 % frame ends with \n. */
static void
frame(struct out *o, int pct)
{
	char	line[128], bar[BAR_CELLS + 1];
	int	stars, i, n;

	stars = (pct * BAR_CELLS + 50) / 100;
	for (i = 0; i < BAR_CELLS; i++)
		bar[i] = i < stars ? '*' : '-';
	bar[BAR_CELLS] = '\0';
	n = snprintf(line, sizeof(line), "%s%4d%% [%s]%c",
	    pct == 100 ? GLYPH_FULL : glyphs[o->frames % 8], pct, bar,
	    pct == 100 ? '\n' : '\r');
	out_put(o, line, n);
	o->frames++;
}

/* One disk's share: its Copying line, then text with frames between. */
static void
disk(struct out *o, const struct pool *p, int d, int m, size_t budget,
    int final)
{
	char			line[64];
	unsigned long long	start = o->total, next, done;
	int			n;

	n = snprintf(line, sizeof(line), "[%6.1f] Copying disk %d/%d\n",
	    100.0 + 40.0 * d, d + 1, m);
	out_put(o, line, n);
	frame(o, 0);
	next = start + FRAME_EVERY;
	while ((done = o->total - start) < budget) {
		sample_line(o, p);
		if (o->total >= next) {
			/* Rises with the bytes written, never past final. */
			frame(o, (int)(final * (done < budget ? done : budget) /
			    budget));
			next = o->total + FRAME_EVERY;
		}
	}
	frame(o, final);
}

/* nbdcopy's shortest frame: a glyph, "  42% [", \r. */
static void
short_frame(struct out *o, int pct)
{
	char	line[32];
	int	n;

	n = snprintf(line, sizeof(line), "%s%4d%% [\r", glyphs[1], pct);
	out_put(o, line, n);
	o->frames++;
}

static void
hostile_paths(struct out *o, unsigned long long size)
{
	static char		line[PATH_LEN + 1];
	unsigned long long	rounds, r, n, i = 0;
	int			k;

	memset(line, 'p', PATH_LEN);
	memcpy(line + PATH_LEN - 5, ".vmdk\n", 6);
	rounds = size / (NPATHS * (PATH_LEN + 12));
	rounds = rounds ? rounds : 1;
	n = rounds * NPATHS;
	for (r = 0; r < rounds; r++)
		for (k = 0; k < NPATHS; k++) {
			/* The VM's name makes each path distinct. */
			memcpy(line, "nbdkit: debug: ssh: config key=path, "
			    "value=/vmfs/volumes/ds1/vm", 63);
			snprintf(line + 63, 5, "%04u", (unsigned int)k % 10000);
			line[67] = '/';
			out_put(o, line, PATH_LEN + 1);
			short_frame(o, 1 + (int)((LAST_PCT - 1) * ++i / n));
		}
}

/* count copies of unit between two frames; one line end at the end. */
static void
hostile_filler(struct out *o, unsigned long long count, const char *unit,
    unsigned long long lines_per_unit)
{
	static char		buf[OUTBUF];
	size_t			u = strlen(unit), per = sizeof(buf) / u;
	unsigned long long	k;

	for (k = 0; k < per; k++)
		memcpy(buf + k * u, unit, u);
	short_frame(o, 10);
	for (; count > 0; count -= k) {
		k = count < per ? count : per;
		out_lines(o, buf, k * u, k * lines_per_unit);
	}
	out_put(o, "\n", 1);
	short_frame(o, LAST_PCT);
}

static int
hostile(const char *kind, const char *path, unsigned long long size)
{
	static struct out	o;
	unsigned long long	i, n;

	if ((o.fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644)) == -1)
		fail(path);
	out_put(&o, "[   1.0] Copying disk 1/1\n", 26);
	if (strcmp(kind, "paths") == 0)
		hostile_paths(&o, size);
	else if (strcmp(kind, "long") == 0)
		/* Marks of the sieve all along: it must skip them. */
		hostile_filler(&o, size / 20, "nbdkit: debug: % [ x", 0);
	else if (strcmp(kind, "empty") == 0)
		hostile_filler(&o, size, "\n", 1);
	else if (strcmp(kind, "frames") == 0)
		for (i = 0, n = size / 11; i < n; i++)
			short_frame(&o, (int)(LAST_PCT * (i + 1) / n));
	else {
		fprintf(stderr, "gen: no kind %s\n", kind);
		return 2;
	}
	out_flush(&o);
	if (close(o.fd) == -1)
		fail(path);
	printf("{\"disk_count\":1,\"progress\":[%d],\"bytes\":%llu,"
	    "\"lines\":%llu,\"frames\":%llu}\n", LAST_PCT, o.total, o.lines,
	    o.frames);
	return 0;
}

static const char *
fixtures_dir(const char *argv0, char *buf, size_t bufsz)
{
	const char	*env = getenv("V2V_BENCH_FIXTURES");
	char		 tmp[PATH_MAX];

	if (env != NULL && *env != '\0')
		return env;
	snprintf(tmp, sizeof(tmp), "%s", argv0);
	snprintf(buf, bufsz, "%s/../fixtures/v2v", dirname(tmp));
	return buf;
}

static void
expected(const struct out *o, int m)
{
	int	d;

	printf("{\"disk_count\":%d,\"progress\":[", m);
	for (d = 0; d < m; d++)
		printf("%s%d", d ? "," : "", d == m - 1 ? LAST_PCT : 100);
	printf("],\"bytes\":%llu,\"lines\":%llu,\"frames\":%llu}\n",
	    o->total, o->lines, o->frames);
}

int
main(int argc, char *argv[])
{
	static struct out	 o;
	struct pool		 p;
	char			 dir[PATH_MAX];
	unsigned long long	 size, tail, left;
	int			 m, d;

	if (argc == 4)
		return hostile(argv[1], argv[2], strtoull(argv[3], NULL, 10));
	if (argc != 5) {
		fprintf(stderr, "usage: gen out size-bytes seed disks\n"
		    "       gen paths|long|empty|frames out size\n");
		return 2;
	}
	size = strtoull(argv[2], NULL, 10);
	rng_state = strtoull(argv[3], NULL, 10);
	m = atoi(argv[4]);
	if (size < 4096 || m < 1 || m > 1024) {
		fprintf(stderr, "gen: size >= 4096 and 1..1024 disks\n");
		return 2;
	}
	pool_load(&p, fixtures_dir(argv[0], dir, sizeof(dir)));
	if ((o.fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644)) == -1)
		fail(argv[1]);
	/* Some text before the first copy, as virt-v2v inspects first. */
	while (o.total < size / 64)
		sample_line(&o, &p);
	tail = size / 1024;
	for (d = 0; d < m; d++) {
		left = o.total + tail < size ? size - tail - o.total : 0;
		disk(&o, &p, d, m, d == m - 1 ? left : left / (m - d),
		    d == m - 1 ? LAST_PCT : 100);
	}
	/* The log ends mid-copy, after a little more text. */
	while (o.total < size)
		sample_line(&o, &p);
	out_flush(&o);
	if (close(o.fd) == -1)
		fail(argv[1]);
	expected(&o, m);
	return 0;
}
