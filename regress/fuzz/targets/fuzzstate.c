/*
 * The harness of the two log readers.  One input is parsed twice: fed
 * whole (the libFuzzer buffer itself, so ASan sees any read past its
 * end) and fed in pseudo-random chunks, each copied to the start of one
 * of two buffers of which only the chunk's bytes are unpoisoned, and the
 * whole buffer poisoned again once lines_feed() returned: a read past a
 * chunk or through a pointer kept into an earlier chunk is an ASan
 * report, without a malloc() per chunk.  The
 * chunk sizes, the line bound and the seeded disks are derived from a
 * hash of the input, so a saved input replays the same way.  Both runs
 * must leave the same state: the splitter must not depend on how the
 * bytes arrive.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sanitizer/asan_interface.h>

#include "regress/fuzz/targets/fuzzstate.h"

/* Seeds as the priv process sends them from source_disks. */
static const char *const seed_disks[] = {
	"[datastore1] guest/guest.vmdk",
	"[store1] /path1.vmdk",
	"[ds] vm/vm-2.vmdk",
};

void
fz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "FUZZ INVARIANT FAILED: %s:%d: %s\n", file, line, what);
	abort();
}

/* FNV-1a: cheap, and every byte counts. */
uint64_t
fz_hash(const uint8_t *p, size_t len)
{
	uint64_t	h = 0xcbf29ce484222325ULL;
	size_t		i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* splitmix64 */
uint64_t
fz_next(uint64_t *s)
{
	uint64_t	z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* What the splitter hands on: bounded, and no line end inside. */
static void
fz_line(void *arg, const char *s, size_t len)
{
	struct fz_run	*r = arg;

	FZ_CHECK(len <= r->linemax);
	FZ_CHECK(memchr(s, '\n', len) == NULL);
	if (!r->mr)
		FZ_CHECK(memchr(s, '\r', len) == NULL);
	if (r->mr)
		parser_mr_line(&r->p, s, len);
	else
		parser_line(&r->p, s, len);
	fz_check_state(r);
}

/*
 * A splitter with the monitor's bound is made once per process and
 * copied (lines_flush() leaves it as lines_init() did): a 64 KiB malloc
 * and free per run would cost more than the parse.  Smaller bounds get
 * a buffer of their own exact size every run.
 */
static struct lines	cached[2];

void
fz_run_init(struct fz_run *r, int mr, size_t linemax, unsigned int nseed)
{
	unsigned int	i;

	memset(r, 0, sizeof(*r));
	r->mr = mr;
	r->linemax = linemax;
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

void
fz_run_free(struct fz_run *r)
{
	if (r->linemax == LINE_MAX_LEN)
		FZ_CHECK(r->l.len == 0 && !r->l.skipping);
	else
		lines_free(&r->l);
	state_free(&r->st);
}

void
fz_feed_whole(struct fz_run *r, const uint8_t *data, size_t size)
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

/*
 * Regimes: tiny, small, page-sized and huge chunks, a mix of those, and
 * cuts right before, at and after a line end (the splitter's edges).
 */
#define CHUNK_MAX	65536

void
fz_feed_chunks(struct fz_run *r, const uint8_t *data, size_t size,
    uint64_t seed)
{
	static char	*bufs[2];
	uint64_t	s = seed;
	size_t		off = 0, n;
	int		regime = fz_next(&s) % 6, k, which = 0;
	char		*chunk;

	if (bufs[0] == NULL) {
		if ((bufs[0] = malloc(CHUNK_MAX)) == NULL ||
		    (bufs[1] = malloc(CHUNK_MAX)) == NULL)
			abort();
		ASAN_POISON_MEMORY_REGION(bufs[0], CHUNK_MAX);
		ASAN_POISON_MEMORY_REGION(bufs[1], CHUNK_MAX);
	}

	while (off < size) {
		k = regime == 4 ? (int)(fz_next(&s) % 4) : regime;
		switch (k) {
		case 0:
			n = 1 + fz_next(&s) % 4;
			break;
		case 1:
			n = 1 + fz_next(&s) % 64;
			break;
		case 2:
			n = 1 + fz_next(&s) % 4096;
			break;
		case 3:
			n = 1 + fz_next(&s) % CHUNK_MAX;
			break;
		default:
			n = to_line_end(r, data + off, size - off);
			n = n - 1 + fz_next(&s) % 3;	/* before, at, after */
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
void
fz_check_state(const struct fz_run *r)
{
	const struct state	*st = &r->st;
	size_t			 i;

	FZ_CHECK(st->ndisks <= STATE_DISKS_MAX);
	FZ_CHECK(st->ndisks == 0 || st->disks != NULL);
	for (i = 0; i < st->ndisks; i++) {
		FZ_CHECK(st->disks[i].path != NULL);
		FZ_CHECK(st->disks[i].progress <= 10000);
		FZ_CHECK(st->disks[i].unnamed == 0 ||
		    st->disks[i].unnamed == 1);
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
char *
fz_dump_checked(const struct state *st)
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
		check_str(d, "path", st->disks[i].path);
		v = json_object_get(d, "progress");
		if (st->disks[i].progress % 100 == 0)
			FZ_CHECK(json_is_integer(v) && json_integer_value(v) *
			    100 == st->disks[i].progress);
		else {
			/* At most two decimals, and the value itself. */
			FZ_CHECK(json_is_real(v));
			x = json_real_value(v) * 100;
			FZ_CHECK(x > st->disks[i].progress - 0.001 &&
			    x < st->disks[i].progress + 0.001);
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
	return s;
}

static int
same_str(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Field by field: cheaper than a second state_dump(). */
static int
fz_same_state(const struct state *a, const struct state *b)
{
	size_t	i;

	if (a->ndisks != b->ndisks || a->disk_count != b->disk_count ||
	    a->nwarnings != b->nwarnings || a->msgtype != b->msgtype ||
	    !same_str(a->stage, b->stage) || !same_str(a->vm_id, b->vm_id) ||
	    !same_str(a->message, b->message))
		return 0;
	for (i = 0; i < a->ndisks; i++)
		if (a->disks[i].progress != b->disks[i].progress ||
		    a->disks[i].unnamed != b->disks[i].unnamed ||
		    !same_str(a->disks[i].path, b->disks[i].path))
			return 0;
	for (i = 0; i < a->nwarnings; i++)
		if (!same_str(a->warnings[i], b->warnings[i]))
			return 0;
	return 1;
}

/*
 * One input to one reader (mr: the machine-readable log).  Knobs from
 * the hash: 1 run in 8 bounds lines at 1..300 bytes instead of
 * LINE_MAX_LEN (the skipping of overlong lines, reachable with small
 * inputs), 0..3 seeded disks, and whether virt-v2v exited 0.
 */
int
fz_reader_one(const uint8_t *data, size_t size, int mr)
{
	struct fz_run	*a, *b;
	uint64_t	 h = fz_hash(data, size), s = h;
	size_t		 linemax = LINE_MAX_LEN;
	unsigned int	 nseed;
	int		 success;
	char		*da, *db;

	if ((fz_next(&s) & 7) == 0)
		linemax = 1 + fz_next(&s) % 300;
	nseed = fz_next(&s) % 4;
	success = fz_next(&s) & 1;

	if ((a = malloc(sizeof(*a))) == NULL ||
	    (b = malloc(sizeof(*b))) == NULL)
		abort();
	fz_run_init(a, mr, linemax, nseed);
	fz_feed_whole(a, data, size);
	fz_run_init(b, mr, linemax, nseed);
	fz_feed_chunks(b, data, size, fz_next(&s));
	if (success) {
		parser_success(&a->p);
		parser_success(&b->p);
		fz_check_state(a);
	}
	da = fz_dump_checked(&a->st);
	if (!fz_same_state(&a->st, &b->st) || a->p.cur != b->p.cur ||
	    a->p.npre != b->p.npre) {
		db = state_dump(&b->st);
		fprintf(stderr, "whole:   cur %d npre %d %.2000s\n"
		    "chunked: cur %d npre %d %.2000s\n", a->p.cur, a->p.npre,
		    da, b->p.cur, b->p.npre, db ? db : "(null)");
		fz_fail(__FILE__, __LINE__, "whole and chunked runs differ");
	}
	free(da);
	fz_run_free(a);
	fz_run_free(b);
	free(a);
	free(b);
	return 0;
}
