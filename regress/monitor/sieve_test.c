/* SPDX-License-Identifier: ISC */
/*
 * The parser's sieve (monitor/sieve.c, lines.c's sieved feed) on every
 * build, both scans: the portable one always, AVX2 where the CPU has it.
 *   - each scan finds the same first pair as a byte-by-byte reading of
 *     the tables, at every length and alignment;
 *   - fed the real captures and made-up logs (every form, pairs across
 *     line ends, empty lines, lines past the bound, \r\n) in chunks of
 *     1 to 65536 bytes, a sieved reader hands on exactly the lines that
 *     hold a pair, whole, in order; and the parser ends in the same
 *     state as when it sees every line;
 *   - a line of each form the parser knows holds a pair, and moves the
 *     state (so the list of forms is not stale).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/state.h"
#include "monitor/monitor.h"
#include "regress/check.h"

#define FIXTURES	"regress/fixtures/v2v"
#define SMALL_MAX	300	/* a line bound that the made-up logs pass */

/* The lines a reader handed on: a hash chain and a count. */
struct seen {
	unsigned long long	 hash;
	size_t			 n;
};

struct run {
	struct state	 st;
	struct parser	 p;
	struct lines	 l;
	struct seen	 seen;
	const struct sieve *mark;	/* count only lines it marks */
};

static struct sieve	portable, fast;
static int		have_fast;

static unsigned long long
fnv(unsigned long long h, const void *p, size_t len)
{
	const unsigned char	*u = p;

	while (len-- > 0)
		h = (h ^ *u++) * 0x100000001b3ULL;
	return h;
}

/* The reference: a pair inside the line, by the portable tables. */
static int
marked(const struct sieve *sv, const char *s, size_t len)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 i;

	for (i = 0; i + SIEVE_GAP < len; i++)
		if (sv->flat[0][u[i]] & sv->flat[1][u[i + SIEVE_GAP]])
			return 1;
	return 0;
}

static void
on_line(void *arg, const char *s, size_t len)
{
	struct run	*r = arg;

	if (r->mark == NULL || marked(r->mark, s, len)) {
		r->seen.hash = fnv(fnv(r->seen.hash, &len, sizeof(len)), s,
		    len);
		r->seen.n++;
	}
	parser_line(&r->p, s, len);
}

/* Chunks of size k, or of sizes from seed when k is 0. */
static void
run(struct run *r, const struct sieve *sv, const struct sieve *mark,
    size_t max, const char *buf, size_t len, size_t k, unsigned int seed)
{
	size_t	off = 0, n;

	memset(r, 0, sizeof(*r));
	r->seen.hash = 0xcbf29ce484222325ULL;
	r->mark = mark;
	state_init(&r->st);
	parser_init(&r->p, &r->st);
	lines_init(&r->l, max, 1, on_line, r);
	if (sv != NULL)
		lines_sieve(&r->l, sv);
	srandom(seed);
	while (off < len) {
		n = k ? k : 1 + (size_t)random() % (random() % 4 ? 100 : 70000);
		if (n > len - off)
			n = len - off;
		lines_feed(&r->l, buf + off, n);
		off += n;
	}
	lines_flush(&r->l);
}

static void
run_free(struct run *r)
{
	lines_free(&r->l);
	state_free(&r->st);
}

static int
same_state(const struct state *a, const struct state *b)
{
	char	*ja = state_dump(a), *jb = state_dump(b);
	int	 same = ja != NULL && jb != NULL && strcmp(ja, jb) == 0;

	free(ja);
	free(jb);
	return same;
}

/*
 * One input, every chunk size: each sieved run against an unsieved one
 * that counts the lines the sieve should mark.  Returns the failures.
 */
static int
compare(const char *buf, size_t len, size_t max, const char *what)
{
	static const size_t	 sizes[] = { 0, 1, 2, 3, 15, 16, 17, 31, 32,
				    33, 63, 64, 65, 66, 67, 127, 4096, 65536 };
	const struct sieve	*sv[] = { &portable, &fast };
	struct run		 all, sieved;
	size_t			 i, j;
	int			 bad = 0;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		run(&all, NULL, &portable, max, buf, len, sizes[i], 7);
		for (j = 0; j < 2; j++) {
			if (j == 1 && !have_fast)
				continue;
			run(&sieved, sv[j], NULL, max, buf, len, sizes[i], 7);
			if (sieved.seen.n != all.seen.n ||
			    sieved.seen.hash != all.seen.hash ||
			    !same_state(&all.st, &sieved.st)) {
				if (bad++ == 0)
					printf("# %s, %s scan, chunks of %zu: "
					    "%zu lines, %zu marked\n", what,
					    j ? "AVX2" : "portable", sizes[i],
					    sieved.seen.n, all.seen.n);
			}
			run_free(&sieved);
		}
		run_free(&all);
	}
	return bad;
}

static void
test_scans(void)
{
	char		 buf[512];
	const char	*a, *b;
	size_t		 off, len;
	int		 i, bad = 0;

	srandom(1);
	for (i = 0; i < 20000; i++) {
		/* Mostly bytes no pair holds, some that do, line ends. */
		for (off = 0; off < sizeof(buf); off++)
			buf[off] = "abcxyz \n\r%.[]0C:wOpe,vd'uU"[random() %
			    (random() % 8 ? 7 : 27)];
		off = random() % 64;
		len = random() % (sizeof(buf) - off);
		a = sieve_next(&portable, buf + off, len);
		b = have_fast ? sieve_next(&fast, buf + off, len) : a;
		if (a != b)
			bad++;
		len = a ? (size_t)(a - buf - off) + SIEVE_GAP + 1 : len;
		if (a == NULL ? marked(&portable, buf + off, len) :
		    marked(&portable, buf + off, len - 1) ||
		    !marked(&portable, buf + off, len))
			bad++;
	}
	CHECK(bad == 0, "the portable scan finds the first pair, as the "
	    "tables read byte by byte say (%d of 20000 wrong)", bad);
	if (have_fast)
		CHECK(bad == 0, "the AVX2 scan finds the same pair as the "
		    "portable one at every length and alignment");
	else
		SKIP("this CPU has no AVX2: only the portable scan is tested");
}

/* A line of each form, with what it moves. */
static const char *const forms[] = {
	"[  88.0] Copying disk 1/2 to qemu URI json:{ } (raw)",
	"Copying disk 2/2",
	"    (10.42/100%)",
	"\xe2\x96\x90  42% [*****************-----------------------]",
	"[  12.3] Inspecting the source",
	"virt-v2v: warning: the guest has no network",
	"nbdkit: debug: Opening file [ds1] vm/vm.vmdk (ha-nfc://x)",
	"nbdkit: vddk[1]: debug: Opening file [ds1] vm/vm-2.vmdk (x)",
	"nbdkit: debug: ssh: config key=path, value=/vmfs/volumes/d/v/v.vmdk",
	"    overlay source qemu URI: json:{ \"file.path\": \"/x/y.img\" }",
	"  <VirtualSystem ovf:id='0a1b2c3d-0000-1111-2222-333344445555'>",
	"    <Section ovf:id='0a1b2c3d-0000-1111-2222-333344445555' "
	    "xsi:type='ovf:OperatingSystemSection_Type'>",
};

#define DISK_ID_FORM	"disk.id = '0a1b2c3d-0000-1111-2222-333344445555'"
#define DEST_FORM	"[  30.1] Setting up the destination: -o rhv-upload"

static void
test_forms(void)
{
	struct state	 st;
	struct parser	 p;
	char		*before, *after;
	size_t		 i;
	int		 moved, holds;

	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		state_init(&st);
		parser_init(&p, &st);
		/* A copy in progress, so that progress forms move too. */
		parser_line(&p, "Copying disk 1/2", 16);
		before = state_dump(&st);
		parser_line(&p, forms[i], strlen(forms[i]));
		after = state_dump(&st);
		moved = strcmp(before, after) != 0;
		holds = marked(&portable, forms[i], strlen(forms[i]));
		CHECK(moved && holds, "form %zu moves the state (%d) and holds "
		    "a pair (%d): %.40s", i, moved, holds, forms[i]);
		free(before);
		free(after);
		state_free(&st);
	}
	/* rhv-upload's disk id moves no state: the parser keeps it. */
	state_init(&st);
	parser_init(&p, &st);
	parser_line(&p, DEST_FORM, strlen(DEST_FORM));
	parser_line(&p, DISK_ID_FORM, strlen(DISK_ID_FORM));
	holds = marked(&portable, DISK_ID_FORM, strlen(DISK_ID_FORM));
	CHECK(p.nids == 1 && holds, "the disk id form is taken (%d) and holds "
	    "a pair (%d)", p.nids, holds);
	state_free(&st);
}

static void
put(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
	if (n == 0)
		return;
	while (*len + n > *cap) {
		*cap = *cap ? *cap * 2 : 65536;
		if ((*buf = realloc(*buf, *cap)) == NULL)
			exit(2);
	}
	memcpy(*buf + *len, s, n);
	*len += n;
}

/*
 * Made up: the forms, noise, pairs across line ends ("x%\n[", "0\r%"),
 * empty lines, \r\n, lines longer than SMALL_MAX that hold a form.
 */
static char *
made_up(unsigned int seed, size_t want, size_t *len)
{
	static const char *const noise[] = {
		"libguestfs: trace: v2v: is_dir \"/etc\"",
		"nbdkit: vddk[1]: debug: pread count=2097152 offset=0",
		"[    1.047082] pps_core: LinuxPPS API ver. 1 registered",
		"x%", "[]", "0", "%", "d", "'", "abc.", "]z", "Co", "p",
		"commandrvf: udevadm --debug settle -E /dev/sda",
		"", "", "",
	};
	static const char *const ends[] = { "\n", "\r", "\r\n", "\n\n" };
	char	*buf = NULL, pad[SMALL_MAX + 40];
	size_t	 cap = 0, n;
	const char *s;

	*len = 0;
	srandom(seed);
	while (*len < want) {
		switch (random() % 4) {
		case 0:
			s = forms[random() % (sizeof(forms) / sizeof(forms[0]))];
			put(&buf, len, &cap, s, strlen(s));
			break;
		case 1:
			/* A form pushed past the small bound. */
			n = SMALL_MAX - 20 + random() % 40;
			memset(pad, ' ', n);
			put(&buf, len, &cap, pad, n);
			put(&buf, len, &cap, "% [", 3);
			break;
		default:
			s = noise[random() % (sizeof(noise) / sizeof(noise[0]))];
			put(&buf, len, &cap, s, strlen(s));
			break;
		}
		s = ends[random() % 4];
		put(&buf, len, &cap, s, strlen(s));
	}
	return buf;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE	*f;
	char	*buf = NULL, chunk[65536];
	size_t	 cap = 0, n;

	*len = 0;
	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		put(&buf, len, &cap, chunk, n);
	fclose(f);
	return buf;
}

static void
test_captures(void)
{
	DIR		*d;
	struct dirent	*e;
	char		 path[512], *buf;
	size_t		 len;
	int		 files = 0, bad = 0;

	if ((d = opendir(FIXTURES)) == NULL) {
		CHECK(0, "%s: cannot open", FIXTURES);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", FIXTURES, e->d_name);
		if ((buf = slurp(path, &len)) == NULL)
			continue;
		bad += compare(buf, len, LINE_MAX_LEN, e->d_name) != 0;
		files++;
		free(buf);
	}
	closedir(d);
	CHECK(files > 20 && bad == 0, "%d real captures, every chunk size: "
	    "the sieved reader hands on the marked lines and the parser "
	    "ends in the same state (%d differ)", files, bad);
}

static void
test_made_up(void)
{
	char		*buf, *big;
	size_t		 len, biglen = 200 * 1024;
	unsigned int	 seed;
	int		 bad = 0;

	for (seed = 1; seed <= 40; seed++) {
		buf = made_up(seed, 1000 + seed * 300, &len);
		bad += compare(buf, len, seed % 2 ? SMALL_MAX : LINE_MAX_LEN,
		    "made-up log") != 0;
		free(buf);
	}
	CHECK(bad == 0, "40 made-up logs (pairs across line ends, empty "
	    "lines, lines past the bound): the same lines and state "
	    "(%d differ)", bad);

	/* A line longer than a chunk and the bound, a form on each side. */
	big = malloc(biglen);
	memset(big, 'x', biglen);
	memcpy(big, "[  1.0] one\n", 12);
	memcpy(big + biglen / 2, "% [ [  2.0] two", 15);
	memcpy(big + biglen - 16, "\n[  3.0] three\n", 15);
	CHECK(compare(big, biglen - 1, LINE_MAX_LEN, "long line") == 0,
	    "a 200 KiB line between two stages is skipped the same way");
	free(big);
}

int
main(void)
{
	parser_sieve(&portable, SIEVE_PORTABLE);
	parser_sieve(&fast, SIEVE_FAST);
	have_fast = sieve_is_fast(&fast);
	CHECK(!sieve_is_fast(&portable), "SIEVE_PORTABLE is the portable "
	    "scan");
	test_scans();
	test_forms();
	test_captures();
	test_made_up();
	return report();
}
