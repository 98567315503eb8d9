/* SPDX-License-Identifier: ISC */
/*
 * The harness of the two log readers.  One input goes through the line
 * splitter twice:
 *   - whole: lines_feed() on the libFuzzer buffer itself (ASan sees a
 *     read past its end); every line it hands on is copied to the start
 *     of a buffer of which only the line's bytes are unpoisoned, and
 *     parsed there, so a parser read past the end of a line (or through
 *     a pointer kept from an earlier line) is an ASan report;
 *   - in chunks: pseudo-random chunk sizes (tiny, small, page, huge, a
 *     mix, and cuts right before, at and after line ends), each chunk
 *     copied the same way into one of two poisoned buffers; a read past
 *     a chunk or into an earlier chunk is an ASan report.
 * Both must hand on exactly the same lines (count, lengths and bytes):
 * the splitter must not depend on how the bytes arrive, so the state
 * cannot either, and only the first run is parsed.  The v2v log goes
 * through a third time, chunked as the second, through the parser's
 * sieve (monitor/sieve.c; its portable scan or AVX2, one input in two
 * each), parsed: it must end in the very state of the first, which saw
 * every line.  The chunking, the
 * line bound and the seeded disks are derived from a hash of the input:
 * a saved input replays the same way.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sanitizer/asan_interface.h>

#include "regress/fuzz/targets/fuzzstate.h"

#define CHUNK_MAX	65536

/* Seeds as the priv process sends them from source_disks. */
static const char *const seed_disks[] = {
	"[datastore1] guest/guest.vmdk",
	"[store1] /path1.vmdk",
	"[ds] vm/vm-2.vmdk",
};

/* One pass of the splitter; only a parsing pass has a state. */
struct fz_run {
	struct state	 st;
	struct parser	 p;
	struct lines	 l;
	int		 mr;		/* parser_mr_line, \n only */
	int		 parse;
	size_t		 linemax;
	uint64_t	 lhash;		/* of every line handed on */
	size_t		 nlines;
	int		 print;		/* on a mismatch: list the lines */
};

void
fz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "FUZZ INVARIANT FAILED: %s:%d: %s\n", file, line, what);
	abort();
}

/* FNV-1a: cheap, and every byte counts. */
static uint64_t
fnv(uint64_t h, const void *p, size_t len)
{
	const unsigned char	*s = p;
	size_t			 i;

	for (i = 0; i < len; i++) {
		h ^= s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* splitmix64 */
static uint64_t
next(uint64_t *s)
{
	uint64_t	z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A buffer of n bytes, all poisoned: ASan reports any access to it. */
static char *
poisoned(size_t n)
{
	char	*b;

	if ((b = malloc(n)) == NULL)
		abort();
	ASAN_POISON_MEMORY_REGION(b, n);
	return b;
}

static int
is_vm_id(const char *s)
{
	size_t	n = 0;

	for (; *s != '\0'; s++, n++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') ||
		    (*s >= 'A' && *s <= 'F') || *s == '-'))
			return 0;
	return n >= 1 && n <= 65;
}

/* Cheap enough to run after every line. */
static void
check_state(const struct fz_run *r)
{
	const struct state	*st = &r->st;
	size_t			 i;

	FZ_CHECK(st->ndisks <= STATE_DISKS_MAX);
	FZ_CHECK(st->ndisks == 0 || st->disks != NULL);
	for (i = 0; i < st->ndisks; i++) {
		FZ_CHECK(state_disk(st, i)->path != NULL);
		FZ_CHECK(state_disk(st, i)->progress <= 10000);
		FZ_CHECK(state_disk(st, i)->unnamed == 0 ||
		    state_disk(st, i)->unnamed == 1);
	}
	FZ_CHECK(st->disk_count >= 0 && st->disk_count <= STATE_DISKS_MAX);
	FZ_CHECK(st->nwarnings <= STATE_WARNINGS_MAX);
	for (i = 0; i < st->nwarnings; i++)
		FZ_CHECK(st->warnings[i] != NULL &&
		    strlen(st->warnings[i]) <= STATE_WARNING_LEN);
	FZ_CHECK(st->stage == NULL || strlen(st->stage) <= STATE_STR_MAX);
	FZ_CHECK(st->vm_id == NULL || is_vm_id(st->vm_id));
	FZ_CHECK(st->msgtype == MSG_NONE || st->msgtype == MSG_WARNING ||
	    st->msgtype == MSG_ERROR);
	FZ_CHECK((st->message != NULL) == (st->msgtype != MSG_NONE));
	FZ_CHECK(st->message == NULL || strlen(st->message) <= STATE_STR_MAX);
	/* The parser never touches what the processes report. */
	FZ_CHECK(!st->started && !st->has_rc && !st->failed &&
	    !st->finished && st->thr_cpu == NULL && st->thr_net == NULL);
	FZ_CHECK(r->p.cur >= -1 && r->p.cur < STATE_DISKS_MAX);
	FZ_CHECK(r->p.npre >= 0 && (size_t)r->p.npre <= st->ndisks);
	FZ_CHECK(r->p.st == st);
}

/* What the splitter hands on: bounded, and no line end inside. */
static void
fz_line(void *arg, const char *s, size_t len)
{
	static char	*linebuf;
	struct fz_run	*r = arg;
	size_t		 i;

	FZ_CHECK(len <= r->linemax);
	FZ_CHECK(memchr(s, '\n', len) == NULL);
	if (!r->mr)
		FZ_CHECK(memchr(s, '\r', len) == NULL);
	r->lhash = fnv(fnv(r->lhash, &len, sizeof(len)), s, len);
	r->nlines++;
	if (r->print) {
		fprintf(stderr, "  line %zu, %zu bytes: \"", r->nlines, len);
		for (i = 0; i < len && i < 100; i++)
			fprintf(stderr, s[i] >= 0x20 && s[i] < 0x7f &&
			    s[i] != '"' && s[i] != '\\' ? "%c" : "\\x%02x",
			    (unsigned char)s[i]);
		fprintf(stderr, "%s\"\n", len > 100 ? "..." : "");
	}
	if (!r->parse)
		return;
	if (linebuf == NULL)
		linebuf = poisoned(LINE_MAX_LEN);
	ASAN_UNPOISON_MEMORY_REGION(linebuf, len);
	memcpy(linebuf, s, len);
	if (r->mr)
		parser_mr_line(&r->p, linebuf, len);
	else
		parser_line(&r->p, linebuf, len);
	ASAN_POISON_MEMORY_REGION(linebuf, len);
	check_state(r);
}

/*
 * A splitter with the monitor's bound is made once per process and
 * copied (lines_flush() leaves it as lines_init() did): a 64 KiB malloc
 * and free per pass costs more than the parse.  Smaller bounds get a
 * buffer of their own exact size every pass.
 */
static void
run_init(struct fz_run *r, int mr, int parse, size_t linemax,
    unsigned int nseed)
{
	static struct lines	cached[2];
	unsigned int		i;

	memset(r, 0, sizeof(*r));
	r->mr = mr;
	r->parse = parse;
	r->linemax = linemax;
	r->lhash = 0xcbf29ce484222325ULL;
	state_init(&r->st);
	for (i = 0; i < nseed && i < sizeof(seed_disks) /
	    sizeof(seed_disks[0]); i++)
		state_add_disk(&r->st, seed_disks[i], strlen(seed_disks[i]));
	r->st.disk_count = r->st.ndisks;
	parser_init(&r->p, &r->st);
	if (linemax == LINE_MAX_LEN) {
		if (cached[mr].buf == NULL)
			lines_init(&cached[mr], linemax, !mr, fz_line, NULL);
		FZ_CHECK(cached[mr].len == 0 && !cached[mr].skipping);
		r->l = cached[mr];
		r->l.arg = r;
	} else
		lines_init(&r->l, linemax, !mr, fz_line, r);
}

static void
run_free(struct fz_run *r)
{
	if (r->linemax == LINE_MAX_LEN)
		FZ_CHECK(r->l.len == 0 && !r->l.skipping);
	else
		lines_free(&r->l);
	state_free(&r->st);
}

static void
feed_whole(struct fz_run *r, const uint8_t *data, size_t size)
{
	lines_feed(&r->l, (const char *)data, size);
	lines_flush(&r->l);
}

/* Bytes up to and including the next line end, or all that is left. */
static size_t
to_line_end(const struct fz_run *r, const uint8_t *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if (s[i] == '\n' || (!r->mr && s[i] == '\r'))
			return i + 1;
	return len;
}

static void
feed_chunks(struct fz_run *r, const uint8_t *data, size_t size,
    uint64_t seed)
{
	static char	*bufs[2];
	uint64_t	 s = seed;
	size_t		 off = 0, n;
	int		 regime = next(&s) % 6, k, which = 0;
	char		*chunk;

	if (bufs[0] == NULL) {
		bufs[0] = poisoned(CHUNK_MAX);
		bufs[1] = poisoned(CHUNK_MAX);
	}
	while (off < size) {
		k = regime == 4 ? (int)(next(&s) % 4) : regime;
		switch (k) {
		case 0:
			n = 1 + next(&s) % 4;
			break;
		case 1:
			n = 1 + next(&s) % 64;
			break;
		case 2:
			n = 1 + next(&s) % 4096;
			break;
		case 3:
			n = 1 + next(&s) % CHUNK_MAX;
			break;
		default:
			n = to_line_end(r, data + off, size - off);
			n = n - 1 + next(&s) % 3;	/* before, at, after */
			if (n == 0)
				n = 1;
			break;
		}
		if (n > size - off)
			n = size - off;
		if (n > CHUNK_MAX)
			n = CHUNK_MAX;
		chunk = bufs[which];
		which = !which;
		ASAN_UNPOISON_MEMORY_REGION(chunk, n);
		memcpy(chunk, data + off, n);
		lines_feed(&r->l, chunk, n);
		ASAN_POISON_MEMORY_REGION(chunk, n);
		off += n;
	}
	lines_flush(&r->l);
}

static void
check_str(json_t *o, const char *key, const char *want)
{
	json_t	*v = json_object_get(o, key);

	if (want == NULL) {
		FZ_CHECK(v == NULL);
		return;
	}
	/* json_string() refuses bad UTF-8: the key would go missing. */
	FZ_CHECK(json_is_string(v));
	FZ_CHECK(strcmp(json_string_value(v), want) == 0);
}

/* The contract's key order (DESIGN.md section 1). */
static const char *const key_order[] = {
	"started", "pid", "stage", "disks", "disk_count", "vm_id",
	"throttling", "warnings", "last_message", "return_code", "failed",
	"finished", NULL
};

static void
check_order(json_t *o)
{
	const char	*key;
	json_t		*v;
	size_t		 k = 0;

	json_object_foreach(o, key, v) {
		while (key_order[k] != NULL && strcmp(key_order[k], key) != 0)
			k++;
		FZ_CHECK(key_order[k] != NULL);
	}
}

/*
 * state_dump() must give compact JSON that loads again (so it is valid
 * UTF-8), has every key, and says exactly what the struct holds.
 */
static void
check_dump(const struct state *st)
{
	json_error_t	 err;
	json_t		*o, *a, *d, *v, *m;
	char		*s;
	size_t		 i;
	double		 x;

	FZ_CHECK((s = state_dump(st)) != NULL);
	FZ_CHECK(strchr(s, '\n') == NULL);
	o = json_loads(s, JSON_REJECT_DUPLICATES, &err);
	if (o == NULL)
		fprintf(stderr, "state_dump gave bad JSON: %s\n", err.text);
	FZ_CHECK(json_is_object(o));
	check_order(o);
	check_str(o, "stage", st->stage);
	check_str(o, "vm_id", st->vm_id);
	FZ_CHECK(json_is_integer(json_object_get(o, "disk_count")) &&
	    json_integer_value(json_object_get(o, "disk_count")) ==
	    st->disk_count);
	a = json_object_get(o, "disks");
	FZ_CHECK(json_is_array(a) && json_array_size(a) == st->ndisks);
	for (i = 0; i < st->ndisks; i++) {
		d = json_array_get(a, i);
		FZ_CHECK(json_is_object(d) && json_object_size(d) == 2);
		check_str(d, "path", state_disk(st, i)->path);
		v = json_object_get(d, "progress");
		if (state_disk(st, i)->progress % 100 == 0)
			FZ_CHECK(json_is_integer(v) && json_integer_value(v) *
			    100 == state_disk(st, i)->progress);
		else {
			/* At most two decimals, and the value itself. */
			FZ_CHECK(json_is_real(v));
			x = json_real_value(v) * 100;
			FZ_CHECK(x > state_disk(st, i)->progress - 0.001 &&
			    x < state_disk(st, i)->progress + 0.001);
		}
	}
	v = json_object_get(o, "throttling");
	FZ_CHECK(json_is_object(v) && json_object_size(v) == 2 &&
	    json_is_null(json_object_get(v, "cpu")) &&
	    json_is_null(json_object_get(v, "network")));
	a = json_object_get(o, "warnings");
	if (st->nwarnings == 0)
		FZ_CHECK(a == NULL);
	else {
		FZ_CHECK(json_is_array(a) && json_array_size(a) ==
		    st->nwarnings);
		for (i = 0; i < st->nwarnings; i++) {
			v = json_array_get(a, i);
			FZ_CHECK(json_is_string(v) && strcmp(json_string_value(v),
			    st->warnings[i]) == 0);
		}
	}
	m = json_object_get(o, "last_message");
	if (st->msgtype == MSG_NONE)
		FZ_CHECK(m == NULL);
	else {
		FZ_CHECK(json_is_object(m) && json_object_size(m) == 2);
		check_str(m, "message", st->message);
		check_str(m, "type", st->msgtype == MSG_ERROR ? "error" :
		    "warning");
	}
	FZ_CHECK(json_object_get(o, "started") == NULL &&
	    json_object_get(o, "return_code") == NULL &&
	    json_object_get(o, "failed") == NULL &&
	    json_object_get(o, "finished") == NULL);
	json_decref(o);
	free(s);
}

/* The sieved pass: only the lines with a pair, the same end state. */
static void
sieved(const struct fz_run *a, const uint8_t *data, size_t size,
    size_t linemax, unsigned int nseed, uint64_t cs, int portable)
{
	static struct sieve	 sv[2];
	static int		 made;
	struct fz_run		*c;
	char			*ja, *jc;

	if (!made) {
		parser_sieve(&sv[0], SIEVE_FAST);
		parser_sieve(&sv[1], SIEVE_PORTABLE);
		made = 1;
	}
	if ((c = malloc(sizeof(*c))) == NULL)
		abort();
	run_init(c, 0, 1, linemax, nseed);
	lines_sieve(&c->l, &sv[portable]);
	feed_chunks(c, data, size, cs);
	ja = state_dump(&a->st);
	jc = state_dump(&c->st);
	if (ja == NULL || jc == NULL || strcmp(ja, jc) != 0) {
		fprintf(stderr, "every line: %s\nsieved (%s): %s\n", ja,
		    portable ? "portable" : "fast", jc);
		fz_fail(__FILE__, __LINE__, "the sieved parse ends elsewhere");
	}
	free(ja);
	free(jc);
	run_free(c);
	free(c);
}

/*
 * Knobs from the hash of the input: 1 pass in 8 bounds lines at 1..300
 * bytes instead of LINE_MAX_LEN (the skipping of overlong lines, with
 * small inputs), 0..3 seeded disks (v2v log), whether virt-v2v exited 0.
 */
int
fz_reader_one(const uint8_t *data, size_t size, int mr)
{
	struct fz_run	*a, *b;
	uint64_t	 s = fnv(0xcbf29ce484222325ULL, data, size), cs;
	size_t		 linemax = LINE_MAX_LEN;
	unsigned int	 nseed;
	int		 success;

	if ((next(&s) & 7) == 0)
		linemax = 1 + next(&s) % 300;
	nseed = mr ? 0 : next(&s) % 4;
	success = next(&s) & 1;
	cs = next(&s);

	if ((a = malloc(sizeof(*a))) == NULL ||
	    (b = malloc(sizeof(*b))) == NULL)
		abort();
	run_init(a, mr, 1, linemax, nseed);
	feed_whole(a, data, size);
	run_init(b, mr, 0, linemax, 0);
	feed_chunks(b, data, size, cs);
	if (!mr)
		sieved(a, data, size, linemax, nseed, cs, next(&s) & 1);
	if (a->nlines != b->nlines || a->lhash != b->lhash) {
		fprintf(stderr, "whole: %zu lines, in chunks: %zu lines or "
		    "other bytes\nwhole:\n", a->nlines, b->nlines);
		run_free(a);
		run_free(b);
		run_init(a, mr, 0, linemax, 0);
		a->print = 1;
		feed_whole(a, data, size);
		fprintf(stderr, "in chunks:\n");
		run_init(b, mr, 0, linemax, 0);
		b->print = 1;
		feed_chunks(b, data, size, cs);
		fz_fail(__FILE__, __LINE__, "whole and chunked splits differ");
	}
	if (success) {
		parser_success(&a->p);
		check_state(a);
	}
	check_dump(&a->st);
	run_free(a);
	run_free(b);
	free(a);
	free(b);
	return 0;
}
