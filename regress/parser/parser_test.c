/*
 * The v2v log parser on its own: hand-written lines, the real captures
 * whole and in random chunk sizes (the same state either way), and the
 * edge cases a hostile log brings.  Expected values come from reading
 * the logs, not from running the parser.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/state.h"
#include "monitor/monitor.h"

static int	npass, nfail, n;

#define CHECK(cond, ...) do {						\
	n++;								\
	if (cond) { npass++; printf("ok %d - ", n); }			\
	else { nfail++; printf("not ok %d - ", n); }			\
	printf(__VA_ARGS__); printf("\n");				\
} while (0)

struct run {
	struct state	st;
	struct parser	p;
	struct lines	l;
};

static void
run_init(struct run *r, size_t ndisks, const char **disks)
{
	size_t	i;

	state_init(&r->st);
	for (i = 0; i < ndisks; i++)
		state_add_disk(&r->st, disks[i], strlen(disks[i]));
	r->st.disk_count = ndisks;
	parser_init(&r->p, &r->st);
	lines_init(&r->l, LINE_MAX_LEN, 1, parser_line, &r->p);
}

static void
run_free(struct run *r)
{
	lines_free(&r->l);
	state_free(&r->st);
}

static void
feed(struct run *r, const char *s)
{
	lines_feed(&r->l, s, strlen(s));
}

/* Feed buf in chunks of random size from 1 byte to 64 KiB. */
static void
feed_chunks(struct run *r, const char *buf, size_t len, unsigned int seed)
{
	size_t	off = 0, k;

	srandom(seed);
	while (off < len) {
		k = 1 + random() % (64 * 1024);
		if (random() % 4 == 0)
			k = 1 + random() % 16;
		if (k > len - off)
			k = len - off;
		lines_feed(&r->l, buf + off, k);
		off += k;
	}
	lines_flush(&r->l);
}

static char *
slurp(const char *path, size_t *len)
{
	FILE	*f = fopen(path, "rb");
	char	*buf;
	long	 sz;

	if (f == NULL) {
		perror(path);
		exit(2);
	}
	fseek(f, 0, SEEK_END);
	sz = ftell(f);
	rewind(f);
	buf = malloc(sz + 1);
	if (buf == NULL || fread(buf, 1, sz, f) != (size_t)sz)
		exit(2);
	fclose(f);
	*len = sz;
	return buf;
}

static void
test_last_value_wins(void)
{
	struct run	r;
	const char	*d[] = { "[ds] vm/vm.vmdk" };

	run_init(&r, 1, d);
	feed(&r, "[  88.0] Copying disk 1/1 to qemu URI json:{ } (raw)\n");
	feed(&r, "    (0.00/100%)\r    (10.00/100%)\r    (20.00/100%)\r");
	CHECK(r.st.disks[0].progress == 2000,
	    "qemu-img: last value of a \\r chunk wins (got %u)",
	    r.st.disks[0].progress);
	feed(&r, "    (10.42/100%)\r");
	CHECK(r.st.disks[0].progress == 2000, "progress never goes down");
	feed(&r, "    (42.5/100%)\r");
	CHECK(r.st.disks[0].progress == 4250, "one decimal read as 42.50");
	run_free(&r);
}

static void
test_nbdcopy(void)
{
	struct run	r;

	run_init(&r, 0, NULL);
	feed(&r, "\xe2\x96\x90  42% [*****************-----------------------]\r");
	CHECK(r.st.ndisks == 0, "progress before any Copying disk is ignored");
	feed(&r, "[  79.4] Copying disk 1/2\n");
	CHECK(r.st.disk_count == 2 && r.st.ndisks == 1 &&
	    strcmp(r.st.disks[0].path, "disk 1") == 0,
	    "2.x Copying disk 1/2: count 2, unnamed disk kept as \"disk 1\"");
	feed(&r, "\xe2\x96\x90  42% [*****************-----------------------]\r");
	CHECK(r.st.disks[0].progress == 4200, "nbdcopy 42%%");
	feed(&r, "\xe2\x96\x88 100% [****************************************]\n");
	CHECK(r.st.disks[0].progress == 10000 && r.p.urgent,
	    "the final full-block 100%% frame, written at once");
	feed(&r, "[  90.0] Copying disk 2/2\n");
	CHECK(r.p.cur == 1 && r.st.ndisks == 2, "second disk");
	feed(&r, "x  50% [**]\r");
	CHECK(r.st.disks[1].progress == 5000 && r.st.disks[0].progress ==
	    10000, "second disk's progress does not touch the first");
	run_free(&r);
}

static void
test_stage_and_noise(void)
{
	struct run	r;
	char		*big;

	run_init(&r, 0, NULL);
	feed(&r, "[  12.3] Inspecting the source\n");
	CHECK(r.st.stage && strcmp(r.st.stage, "Inspecting the source") == 0,
	    "stage line");
	feed(&r, "[    0.000000] Linux version 6.1.0\n");
	CHECK(strcmp(r.st.stage, "Inspecting the source") == 0,
	    "the appliance kernel's [    0.000000] is not a stage");
	feed(&r, "[  13.0] bad \xff\xfe bytes\n");
	CHECK(strcmp(r.st.stage, "bad \xef\xbf\xbd\xef\xbf\xbd bytes") == 0,
	    "invalid UTF-8 becomes U+FFFD");
	feed(&r, "virt-v2v: warning: one\nvirt-v2v: warning: one\n");
	CHECK(r.st.nwarnings == 1, "a repeated warning is kept once");
	/* A line far past the bound is skipped whole, then parsing goes on. */
	big = malloc(10 * 1024 * 1024);
	memset(big, 'A', 10 * 1024 * 1024);
	memcpy(big, "[  14.0] ", 9);
	lines_feed(&r.l, big, 10 * 1024 * 1024);
	feed(&r, "\n[  15.0] after\n");
	CHECK(strcmp(r.st.stage, "after") == 0 && r.l.len == 0,
	    "a 10 MB line is skipped without growing memory");
	free(big);
	feed(&r, "Copying disk 0/1\nCopying disk 3/2\nCopying disk 99999999/99999999\n");
	CHECK(r.st.ndisks == 0 && r.st.disk_count == 0,
	    "impossible disk numbers are ignored");
	run_free(&r);
}

/* A capture, whole and in chunks: the same final state, as expected. */
static void
test_capture(const char *path, const char *name, unsigned int want_pct,
    const char *want_stage, size_t want_warn)
{
	struct run	 whole, chunked;
	const char	*d[] = { "[ds1] guest/guest.vmdk" };
	char		*buf, *a, *b;
	size_t		 len;
	unsigned int	 seed;

	buf = slurp(path, &len);
	run_init(&whole, 1, d);
	lines_feed(&whole.l, buf, len);
	lines_flush(&whole.l);
	CHECK(whole.st.disk_count == 1 && whole.st.ndisks == 1 &&
	    whole.st.disks[0].progress == want_pct,
	    "%s: one disk at %u (got %u)", name, want_pct,
	    whole.st.disks[0].progress);
	CHECK(whole.st.stage && strcmp(whole.st.stage, want_stage) == 0,
	    "%s: last stage \"%s\" (got \"%s\")", name, want_stage,
	    whole.st.stage ? whole.st.stage : "");
	CHECK(whole.st.nwarnings == want_warn, "%s: %zu warnings (got %zu)",
	    name, want_warn, whole.st.nwarnings);
	a = state_dump(&whole.st);
	for (seed = 1; seed <= 20; seed++) {
		run_init(&chunked, 1, d);
		feed_chunks(&chunked, buf, len, seed);
		b = state_dump(&chunked.st);
		if (strcmp(a, b) != 0)
			break;
		free(b);
		run_free(&chunked);
	}
	CHECK(seed > 20, "%s: 20 random chunkings give the same state", name);
	if (seed <= 20) {
		printf("# whole:   %s\n# chunked: %s\n", a, b);
		free(b);
		run_free(&chunked);
	}
	free(a);
	run_free(&whole);
	free(buf);
}

int
main(void)
{
	test_last_value_wins();
	test_nbdcopy();
	test_stage_and_noise();
	test_capture("regress/fixtures/v2v/a-plain-local-pipe.out",
	    "a-plain", 10000, "Finishing off", 1);
	test_capture("regress/fixtures/v2v/ssh-rhv-vx.log", "ssh-rhv-vx",
	    10000, "Finishing off", 1);
	test_capture("regress/fixtures/v2v/ssh-killed-vx.log", "ssh-killed-vx",
	    2500, "Copying disk 1/1", 1);
	printf("%d passed, %d failed\n", npass, nfail);
	return nfail != 0;
}
