/* SPDX-License-Identifier: ISC */
/*
 * The v2v log parser on its own: hand-written lines, the real captures
 * whole and in random chunk sizes (the same state either way), and the
 * edge cases a hostile log brings.  Expected values come from reading
 * the logs, not from running the parser.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "common/state.h"
#include "monitor/monitor.h"
#include "regress/check.h"


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
	CHECK(state_disk(&r.st, 0)->progress == 2000,
	    "qemu-img: last value of a \\r chunk wins (got %u)",
	    state_disk(&r.st, 0)->progress);
	feed(&r, "    (10.42/100%)\r");
	CHECK(state_disk(&r.st, 0)->progress == 2000, "progress never goes down");
	feed(&r, "    (42.5/100%)\r");
	CHECK(state_disk(&r.st, 0)->progress == 4250, "one decimal read as 42.50");
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
	    strcmp(state_disk(&r.st, 0)->path, "disk 1") == 0,
	    "2.x Copying disk 1/2: count 2, unnamed disk kept as \"disk 1\"");
	feed(&r, "\xe2\x96\x90  42% [*****************-----------------------]\r");
	CHECK(state_disk(&r.st, 0)->progress == 4200, "nbdcopy 42%%");
	feed(&r, "\xe2\x96\x88 100% [****************************************]\n");
	CHECK(state_disk(&r.st, 0)->progress == 10000 && r.p.urgent,
	    "the final full-block 100%% frame, written at once");
	feed(&r, "[  90.0] Copying disk 2/2\n");
	CHECK(r.p.cur == 1 && r.st.ndisks == 2, "second disk");
	feed(&r, "x  50% [**]\r");
	CHECK(state_disk(&r.st, 1)->progress == 5000 && state_disk(&r.st, 0)->progress ==
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

/* Upstream's test_output_parser cases, as the C parser sees them. */
static void
test_upstream(void)
{
	struct run	r;
	const char	*three[] = { "[store1] path1.vmdk", "[store1] path2.vmdk",
			    "[store1] path3.vmdk" };
	const char	*moved[] = { "[store1] path2.vmdk", "[store1] path1.vmdk",
			    "[store1] path3.vmdk" };

	run_init(&r, 3, three);
	r.p.cur = 0;
	feed(&r, "Copying disk 2/3 to /some/path\n");
	CHECK(r.p.cur == 1 && r.st.disk_count == 3,
	    "test_disk_number: Copying disk 2/3 to ...: disk 1 of 3");
	run_free(&r);

	run_init(&r, 3, moved);
	feed(&r, "Copying disk 1/3 to /some/path\n");
	disk_locate(&r.st, r.p.cur, "[store1] path1.vmdk", 19,
	    hash_text("[store1] path1.vmdk", 19));
	CHECK(strcmp(state_disk(&r.st, 0)->path, "[store1] path1.vmdk") == 0 &&
	    strcmp(state_disk(&r.st, 1)->path, "[store1] path2.vmdk") == 0 &&
	    strcmp(state_disk(&r.st, 2)->path, "[store1] path3.vmdk") == 0,
	    "test_locate_disk: a known path is moved into place");
	feed(&r, "  (10.42/100%)\n");
	CHECK(state_disk(&r.st, 0)->progress == 1042, "test_progress: 10.42");
	run_free(&r);

	run_init(&r, 0, NULL);
	feed(&r, "nbdkit: debug: Opening file [store1] /path1.vmdk "
	    "(ha-nfcssl://[store1] path1.vmdk@1.2.3.4:902)\n");
	CHECK(r.st.ndisks == 1 && strcmp(state_disk(&r.st, 0)->path,
	    "[store1] /path1.vmdk") == 0, "test_rhv_disk_path_vddk");
	feed(&r, "nbdkit: vddk[1]: debug: Opening file [store1] /path2.vmdk "
	    "(ha-nfcssl://[store1] path2.vmdk@1.2.3.4:902)\n");
	CHECK(r.st.ndisks == 2 && strcmp(state_disk(&r.st, 1)->path,
	    "[store1] /path2.vmdk") == 0,
	    "v1.x vddk[N]: form; a second pre-copy path is disk 2");
	feed(&r, "disk.id = '11111111-1111-1111-1111-111111111111'\n");
	CHECK(r.st.ndisks == 2 && r.p.cur == -1,
	    "test_rhv_disk_uuid: a disk.id line before any copy does no harm");
	feed(&r, "  overlay source qemu URI: nbd:unix:/var/tmp/vddk.Iwg7XW/"
	    "nbdkit1.sock:exportname=/\n");
	CHECK(r.st.ndisks == 2, "the nbd:unix overlay line names no disk");
	run_free(&r);
}

static void
test_paths_and_ids(void)
{
	struct run	r;
	const char	*seed[] = { "[datastore1] guest/guest.vmdk" };

	run_init(&r, 0, NULL);
	feed(&r, "nbdkit: debug: cow: config key=path, value=/vmfs/volumes/"
	    "datastore1/guest/guest-flat.vmdk\n");
	CHECK(r.st.ndisks == 0, "the cow filter's config line is not a source");
	feed(&r, "nbdkit: debug: ssh: config key=path, value=/vmfs/volumes/"
	    "datastore1/guest/guest-flat.vmdk\n");
	CHECK(r.st.ndisks == 1 && strcmp(state_disk(&r.st, 0)->path,
	    "[datastore1] guest/guest.vmdk") == 0,
	    "2.x ssh path: -flat dropped, [ds] vm/disk.vmdk");
	feed(&r, "  overlay source qemu URI: json:{ \"file.user\": \"root\", "
	    "\"file.driver\": \"ssh\", \"file.path\": \"/vmfs/volumes/ds/"
	    "vm/vm_1.vmdk\", \"file.host\": \"1.2.3.4\" }\n");
	CHECK(r.st.ndisks == 2 && strcmp(state_disk(&r.st, 1)->path,
	    "[ds] vm/vm_1.vmdk") == 0, "1.x overlay json: file.path");
	feed(&r, "<VirtualSystem ovf:id='aaaa-bbbb'>\n");
	CHECK(r.st.vm_id && strcmp(r.st.vm_id, "aaaa-bbbb") == 0,
	    "1.x vm_id from <VirtualSystem ovf:id=...>");
	feed(&r, "    <Section ovf:id='49a86657-61b1-4e01-9c4d-50002b2a1108' "
	    "ovf:required='false' xsi:type='ovf:OperatingSystemSection_Type'>\n");
	CHECK(strcmp(r.st.vm_id, "49a86657-61b1-4e01-9c4d-50002b2a1108") == 0,
	    "2.2 vm_id from the OperatingSystemSection_Type section");
	feed(&r, "<VirtualSystem ovf:id='<script>'>\n");
	CHECK(strcmp(r.st.vm_id, "49a86657-61b1-4e01-9c4d-50002b2a1108") == 0,
	    "an id that is not hex and dashes is not taken");
	run_free(&r);

	/* A seeded disk keeps its place when the same path is named. */
	run_init(&r, 1, seed);
	feed(&r, "nbdkit: debug: ssh: config key=path, value=/vmfs/volumes/"
	    "datastore1/guest/guest-flat.vmdk\n[ 1.0] Copying disk 1/1\n");
	CHECK(r.st.ndisks == 1 && r.st.disk_count == 1,
	    "a path equal to a source_disks entry is that entry");
	run_free(&r);

	/* Unknown path while copying disk 2 of a list of 1: no overrun. */
	run_init(&r, 1, seed);
	feed(&r, "Copying disk 2/2\nnbdkit: debug: Opening file [x] y.vmdk (z)\n"
	    "x  50% [*]\r");
	CHECK(r.st.ndisks == 2 && strcmp(state_disk(&r.st, 1)->path, "[x] y.vmdk") == 0 &&
	    state_disk(&r.st, 1)->progress == 5000,
	    "an unknown path names the placeholder of the disk being copied");
	run_free(&r);
}

/* A capture, whole and in chunks: the same final state, as expected. */
static void
test_capture(const char *path, const char *name, unsigned int want_pct,
    const char *want_stage, size_t want_warn, const char *want_vm_id)
{
	struct run	 whole, chunked;
	const char	*d[] = { "[datastore1] guest/guest.vmdk" };
	char		*buf, *a, *b;
	size_t		 len;
	unsigned int	 seed;

	buf = slurp(path, &len);
	run_init(&whole, 1, d);
	lines_feed(&whole.l, buf, len);
	lines_flush(&whole.l);
	CHECK(whole.st.disk_count == 1 && whole.st.ndisks == 1 &&
	    state_disk(&whole.st, 0)->progress == want_pct,
	    "%s: one disk at %u (got %u)", name, want_pct,
	    state_disk(&whole.st, 0)->progress);
	CHECK(whole.st.stage && strcmp(whole.st.stage, want_stage) == 0,
	    "%s: last stage \"%s\" (got \"%s\")", name, want_stage,
	    whole.st.stage ? whole.st.stage : "");
	CHECK(whole.st.nwarnings == want_warn, "%s: %zu warnings (got %zu)",
	    name, want_warn, whole.st.nwarnings);
	CHECK(want_vm_id == NULL ? whole.st.vm_id == NULL :
	    whole.st.vm_id != NULL && strcmp(whole.st.vm_id, want_vm_id) == 0,
	    "%s: vm_id %s", name, want_vm_id ? want_vm_id : "absent");
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

/* rhv-upload's disk.id lines: the ids in order, once each, bounded;
 * anything not exactly a disk id is no id. */
static void
test_disk_ids(void)
{
	struct run	r;
	char		line[128];
	int		i;

	run_init(&r, 0, NULL);
	feed(&r, "disk.id = '09090909-0000-4000-8000-000000000009'\n");
	CHECK(r.p.nids == 0, "disk ids: none before the destination is set "
	    "up (got %d)", r.p.nids);
	feed(&r, "[  30.1] Setting up the destination: -o rhv-upload -oc "
	    "https://e/ovirt-engine/api -os data\n");
	feed(&r, "disk.id = '0a0a0a0a-0000-4000-8000-00000000000A'\n"
	    "disk.id = '0b0b0b0b-0000-4000-8000-00000000000b'\n"
	    "disk.id = '0A0A0A0A-0000-4000-8000-00000000000a'\n"
	    "disk.id = '0c0c0c0c-0000-4000-8000-00000000000'\n"
	    "disk.id = '0c0c0c0c-0000-4000-8000-00000000000cc'\n"
	    "disk.id = '0c0c0c0c-0000-4000-8000-00000000000g'\n"
	    "disk.id = '0c0c0c0c_0000-4000-8000-00000000000c'\n"
	    " disk.id = '0d0d0d0d-0000-4000-8000-00000000000d'\n"
	    "disk.id = \"0e0e0e0e-0000-4000-8000-00000000000e\"\n");
	CHECK(r.p.nids == 2, "disk ids: two of nine lines (got %d)", r.p.nids);
	CHECK(r.p.nids == 2 && strcmp(r.p.ids[0],
	    "0a0a0a0a-0000-4000-8000-00000000000A") == 0 &&
	    strcmp(r.p.ids[1], "0b0b0b0b-0000-4000-8000-00000000000b") == 0,
	    "disk ids: as printed, in order, a repeat in other case once");
	for (i = 0; i < 100; i++) {
		snprintf(line, sizeof(line), "disk.id = '%08x-0000-4000-8000-"
		    "000000000000'\n", i);
		feed(&r, line);
	}
	CHECK(r.p.nids == PARSER_IDS_MAX, "disk ids: at most %d (got %d)",
	    PARSER_IDS_MAX, r.p.nids);
	run_free(&r);
}

int
main(void)
{
	test_last_value_wins();
	test_nbdcopy();
	test_stage_and_noise();
	test_upstream();
	test_paths_and_ids();
	test_disk_ids();
	test_capture("regress/fixtures/v2v/a-plain-local-pipe.out",
	    "a-plain", 10000, "Finishing off", 1, NULL);
	test_capture("regress/fixtures/v2v/ssh-rhv-vx.log", "ssh-rhv-vx",
	    10000, "Finishing off", 1, "49a86657-61b1-4e01-9c4d-50002b2a1108");
	test_capture("regress/fixtures/v2v/ssh-killed-vx.log", "ssh-killed-vx",
	    2500, "Copying disk 1/1", 1, NULL);
	return report();
}
