/* SPDX-License-Identifier: ISC */
/*
 * virt-v2v output -> state.  Hand-written matchers, no regex engine: the
 * log of a vddk conversion with -v -x can be gigabytes, and every line
 * is tried against every form.  Forms (DESIGN.md section 6):
 *   [  79.4] Copying disk 1/2            (2.x; 1.x adds " to ...")
 *       (10.42/100%)                     qemu-img progress (1.x)
 *   <glyph>  42% [****----]              nbdcopy progress (2.x)
 *   [  12.3] Inspecting the source       a stage
 *   virt-v2v: warning: text              a warning
 *   nbdkit: [vddk[N]: ]debug: Opening file [ds] vm/vm.vmdk (...)   vddk
 *   nbdkit: debug: ssh: config key=path, value=/vmfs/volumes/...    2.x ssh
 *     overlay source qemu URI: json:{ ... "file.path": "/vmfs/..." }   1.x
 *   <VirtualSystem ovf:id='UUID'>        1.x vm_id
 *   <Section ovf:id='UUID' ... xsi:type='ovf:OperatingSystemSection_Type'>
 *                                        2.x -o rhv vm_id
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "common/hash.h"
#include "common/state.h"
#include "common/utf8.h"
#include "monitor/monitor.h"

#define COPYING		"Copying disk "
#define WARNING		"virt-v2v: warning: "
#define MR_ERROR_PREFIX	"virt-v2v error: "
#define DEST_STAGE	"Setting up the destination"

/*
 * Each form above leaves one of these pairs in its line (the first byte,
 * and SIEVE_GAP bytes later the second), so a line without any pair is
 * one parser_line() would ignore, and lines.c does not hand it on.  A
 * new form needs its pair here (regress/monitor/sieve_test checks each
 * form's lines).  Chosen rare in real -v -x logs: about 300 marks per
 * MB where a MB holds 15000 lines.
 */
static const struct sieve_pair	traces[] = {
	{ "%.", "[]" },		/* "  42% [***", a stage's "[  12.3] " */
	{ "0", "%" },		/* qemu-img's "/100%)" */
	{ "C", "p" },		/* "Copying disk " */
	{ ":", "w" },		/* "virt-v2v: warning: " */
	{ "O", "e" },		/* vddk's "Opening file " */
	{ ",", "v" },		/* ssh's "key=path, value=" */
	{ "d=", "'" },		/* "ovf:id='", rhv-upload's "disk.id = '" */
	{ "u", "U" },		/* "overlay source qemu URI" */
};

void
parser_sieve(struct sieve *sv, int how)
{
	sieve_init(sv, traces, sizeof(traces) / sizeof(traces[0]), how);
}

void
parser_init(struct parser *p, struct state *st)
{
	memset(p, 0, sizeof(*p));
	p->st = st;
	p->cur = -1;
}

static int
isdig(char c)
{
	return c >= '0' && c <= '9';
}

/* Digits at *i as a number no larger than max, or -1. */
static long
number(const char *s, size_t len, size_t *i, long max)
{
	long	v = 0;
	size_t	start = *i;

	while (*i < len && isdig(s[*i])) {
		v = v * 10 + (s[*i] - '0');
		if (v > max)
			return -1;
		(*i)++;
	}
	return *i == start ? -1 : v;
}

/*
 * memmem() without its per-call setup, which dominates on short lines:
 * memchr for the first byte, then memcmp.  Needles here start with a
 * byte that is rare in the logs.
 */
static const char *
find(const char *s, size_t len, const char *needle, size_t nlen)
{
	const char	*p = s, *end = s + len;

	while ((size_t)(end - p) >= nlen &&
	    (p = memchr(p, needle[0], end - p - nlen + 1)) != NULL) {
		if (memcmp(p, needle, nlen) == 0)
			return p;
		p++;
	}
	return NULL;
}

static int
prefix(const char *s, size_t len, size_t *i, const char *p)
{
	size_t	n = strlen(p);

	if (len - *i < n || memcmp(s + *i, p, n) != 0)
		return 0;
	*i += n;
	return 1;
}

static void
set_progress(struct parser *p, int disk, unsigned int hundredths)
{
	struct state	*st = p->st;

	if (disk < 0 || (size_t)disk >= st->ndisks)
		return;
	/* Progress never goes down. */
	if (hundredths > state_disk(st, disk)->progress) {
		state_disk(st, disk)->progress = hundredths;
		p->changed = 1;
	}
}

static void
match_copying(struct parser *p, const char *s, size_t len)
{
	const char	*at;
	size_t		 i;
	long		 n, m;

	/* At the start, or after a stage's "[  88.0] ". */
	at = s;
	if (len > 0 && s[0] == '[' &&
	    (at = memchr(s, ']', len < 16 ? len : 16)) != NULL)
		at += 2;
	if (at == NULL || at > s + len ||
	    (size_t)(s + len - at) < sizeof(COPYING) - 1 ||
	    memcmp(at, COPYING, sizeof(COPYING) - 1) != 0)
		return;
	i = at - s + sizeof(COPYING) - 1;
	if ((n = number(s, len, &i, STATE_DISKS_MAX)) < 1 ||
	    !prefix(s, len, &i, "/") ||
	    (m = number(s, len, &i, STATE_DISKS_MAX)) < n)
		return;
	/* The previous disk is done once the next one starts. */
	if (p->cur >= 0 && p->cur != n - 1)
		set_progress(p, p->cur, 10000);
	p->cur = n - 1;
	p->st->disk_count = m;
	disk_ensure(p->st, p->cur);
	p->changed = 1;
}

/* "    (10.42/100%)": qemu-img convert -p. */
static int
match_qemu(struct parser *p, const char *s, size_t len)
{
	size_t	i = 0, d;
	long	whole, frac = 0;

	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i == 0 || !prefix(s, len, &i, "(") ||
	    (whole = number(s, len, &i, 100)) < 0)
		return 0;
	if (prefix(s, len, &i, ".")) {
		d = i;
		if ((frac = number(s, len, &i, 99)) < 0 || i - d > 2)
			return 0;
		if (i - d == 1)
			frac *= 10;
	}
	if (!prefix(s, len, &i, "/100%)") || whole * 100 + frac > 10000)
		return 0;
	set_progress(p, p->cur, whole * 100 + frac);
	return 1;
}

/* "▐  42% [****----]": nbdcopy --progress; one glyph of up to 4 bytes. */
static int
match_nbdcopy(struct parser *p, const char *s, size_t len)
{
	size_t	i = 0, sp;
	long	pct;

	while (i < len && i < 4 && s[i] != ' ')
		i++;
	if (i == 0 || i == len || s[i] != ' ')
		return 0;
	sp = i;
	while (i < len && s[i] == ' ')
		i++;
	if (i - sp > 3 || (pct = number(s, len, &i, 100)) < 0 ||
	    !prefix(s, len, &i, "% ["))
		return 0;
	set_progress(p, p->cur, pct * 100);
	if (pct == 100)
		p->urgent = 1;
	return 1;
}

/* "[  12.3] text", and not the kernel's "[    0.000000] text". */
static int
match_stage(struct parser *p, const char *s, size_t len)
{
	size_t	i = 0;

	if (!prefix(s, len, &i, "["))
		return 0;
	while (i < len && s[i] == ' ')
		i++;
	if (number(s, len, &i, 10000000) < 0 || !prefix(s, len, &i, ".") ||
	    i >= len || !isdig(s[i++]) || !prefix(s, len, &i, "] ") ||
	    i == len)
		return 0;
	state_setstr(&p->st->stage, s + i, len - i);
	p->changed = 1;
	if (len - i >= sizeof(DEST_STAGE) - 1 &&
	    memcmp(s + i, DEST_STAGE, sizeof(DEST_STAGE) - 1) == 0)
		p->dest_seen = 1;
	return 1;
}

/* A source path: the pre-copy order, else the disk being copied. */
static void
source_path(struct parser *p, const char *s, size_t len)
{
	char		 path[STATE_STR_MAX + 1], clean[STATE_STR_MAX + 1];
	uint64_t	 h;
	size_t		 n;

	/* On the stack: one malloc and free a line made the heap's top
	 * grow and shrink, a page fault each, on a log of many paths. */
	n = utf8_clean(clean, sizeof(clean), path,
	    disk_vmdk_name(path, sizeof(path), s, len));
	h = hash_text(clean, n);
	if (p->cur >= 0)
		disk_locate(p->st, p->cur, clean, n, h);
	else if (state_find_disk(p->st, 0, p->npre, clean, n, h) == -1) {
		disk_locate(p->st, p->npre, clean, n, h);
		if (state_find_disk(p->st, p->npre, p->npre + 1, clean, n, h) !=
		    -1)
			p->npre++;
	}
	p->changed = 1;
}

/* "nbdkit: debug: Opening file X (Y)", also with "vddk[N]: " between. */
static int
match_vddk(struct parser *p, const char *s, size_t len)
{
	const char	*at, *end;
	size_t		 i = 0, j;

	if (!prefix(s, len, &i, "nbdkit: "))
		return 0;
	/* An optional "vddk[N]: " (newer nbdkit) between: at most one
	 * short word, so that a debug line is never scanned whole. */
	if (!prefix(s, len, &i, "debug: ")) {
		for (j = i; j < len && j < i + 32 && s[j] != ' '; j++)
			;
		if (j == i || j == len || s[j - 1] != ':')
			return 0;
		i = j + 1;
		if (!prefix(s, len, &i, "debug: "))
			return 0;
	}
	if (!prefix(s, len, &i, "Opening file "))
		return 0;
	at = s + i;
	/* The path ends at the last " (". */
	for (end = s + len - 1; end > at; end--)
		if (end[0] == '(' && end[-1] == ' ')
			break;
	if (end <= at || s[len - 1] != ')')
		return 0;
	source_path(p, at, end - 1 - at);
	return 1;
}

/* 2.x ssh: only the ssh plugin's line, not the filters that repeat it. */
static int
match_ssh(struct parser *p, const char *s, size_t len)
{
	size_t	i = 0;

	if (!prefix(s, len, &i, "nbdkit: debug: ssh: config key=path, value="))
		return 0;
	source_path(p, s + i, len - i);
	return 1;
}

/* 1.x: "  overlay source qemu URI: json:{ ... "file.path": "X" ... }". */
static int
match_overlay(struct parser *p, const char *s, size_t len)
{
	const char	*at, *end;
	size_t		 i = 0;

	while (i < len && s[i] == ' ')
		i++;
	if (!prefix(s, len, &i, "overlay source qemu URI: json:") ||
	    (at = find(s + i, len - i, "\"file.path\":", 12)) == NULL)
		return 0;
	at += 12;
	while (at < s + len && *at == ' ')
		at++;
	if (at >= s + len || *at++ != '"' ||
	    (end = memchr(at, '"', s + len - at)) == NULL)
		return 0;
	source_path(p, at, end - at);
	return 1;
}

/* ovf:id='UUID' at at; only hex digits and dashes are taken. */
static int
take_ovf_id(struct parser *p, const char *at, const char *end)
{
	const char	*q;

	for (q = at; q < end && q - at <= 64 && (isxdigit((unsigned char)*q) ||
	    *q == '-'); q++)
		;
	if (q == at || q >= end || *q != '\'')
		return 0;
	state_setstr(&p->st->vm_id, at, q - at);
	p->changed = 1;
	return 1;
}

/* Both forms stand alone on their line of the indented OVF. */
static int
match_vm_id(struct parser *p, const char *s, size_t len)
{
	size_t	i = 0;

	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i == len || s[i] != '<')
		return 0;
	if (prefix(s, len, &i, "<VirtualSystem ovf:id='"))
		return take_ovf_id(p, s + i, s + len);
	if (prefix(s, len, &i, "<Section ovf:id='") &&
	    find(s, len, "xsi:type='ovf:OperatingSystemSection_Type'",
	    42) != NULL)
		return take_ovf_id(p, s + i, s + len);
	return 0;
}

/*
 * disk.id = 'UUID': rhv-upload names a disk it made (2.x during setup,
 * 1.x as it opens it), both after the stage "Setting up the
 * destination".  Before it, such a line can only be the guest's or the
 * source's, which could crowd the real ones out of the bounded list;
 * after it too the ids only tell the cleanup which disks to ask the
 * engine about.
 */
static int
match_disk_id(struct parser *p, const char *s, size_t len)
{
	size_t	i = 0, j;
	int	k;

	if (!p->dest_seen || !prefix(s, len, &i, "disk.id = '") ||
	    len < i + PARSER_ID_LEN + 1 || s[i + PARSER_ID_LEN] != '\'')
		return 0;
	for (j = 0; j < PARSER_ID_LEN; j++)
		if ((j == 8 || j == 13 || j == 18 || j == 23) ? s[i + j] != '-' :
		    !isxdigit((unsigned char)s[i + j]))
			return 0;
	for (k = 0; k < p->nids; k++)
		if (strncasecmp(p->ids[k], s + i, PARSER_ID_LEN) == 0)
			return 1;
	if (p->nids == PARSER_IDS_MAX)
		return 1;
	memcpy(p->ids[p->nids], s + i, PARSER_ID_LEN);
	p->ids[p->nids++][PARSER_ID_LEN] = '\0';
	return 1;
}

/* The same warning reaches us from the log and from the mr file. */
static void
add_warning(struct parser *p, const char *s, size_t len)
{
	char	*w;
	size_t	 i;

	w = state_strdup(s, len, STATE_WARNING_LEN);
	for (i = 0; i < p->st->nwarnings; i++)
		if (strcmp(p->st->warnings[i], w) == 0)
			break;
	if (i == p->st->nwarnings) {
		state_warning(p->st, s, len);
		p->changed = 1;
	}
	free(w);
}

void
parser_line(void *arg, const char *s, size_t len)
{
	struct parser	*p = arg;
	size_t		 i = 0;

	if (len == 0)
		return;
	/* One look at the first byte picks the forms that can match: most
	 * lines of a -v -x log are nbdkit and libguestfs debug text. */
	switch (s[0]) {
	case ' ':
	case '\t':
		if (!match_qemu(p, s, len) && !match_overlay(p, s, len))
			match_vm_id(p, s, len);
		return;
	case '<':
		match_vm_id(p, s, len);
		return;
	case 'n':
		if (!match_vddk(p, s, len))
			match_ssh(p, s, len);
		return;
	case '[':
		/* "[ 124.0] Copying disk 1/1" is a stage too. */
		match_copying(p, s, len);
		match_stage(p, s, len);
		return;
	case 'C':
		match_copying(p, s, len);
		return;
	case 'd':
		if (match_disk_id(p, s, len))
			return;
		break;
	case 'v':
		if (prefix(s, len, &i, WARNING)) {
			add_warning(p, s + i, len - i);
			return;
		}
		break;
	}
	match_nbdcopy(p, s, len);
}

/* One JSON object a line; anything else is ignored. */
void
parser_mr_line(void *arg, const char *s, size_t len)
{
	struct parser	*p = arg;
	json_t		*o, *type, *msg;
	char		*text;
	size_t		 n;

	if ((o = json_loadb(s, len, 0, NULL)) == NULL)
		return;
	type = json_object_get(o, "type");
	msg = json_object_get(o, "message");
	if (json_is_string(type) && json_is_string(msg)) {
		if (strcmp(json_string_value(type), "error") == 0) {
			n = sizeof(MR_ERROR_PREFIX) + json_string_length(msg);
			if ((text = malloc(n)) != NULL) {
				snprintf(text, n, "%s%s", MR_ERROR_PREFIX,
				    json_string_value(msg));
				state_message(p->st, MSG_ERROR, text);
				free(text);
				p->changed = 1;
			}
		} else if (strcmp(json_string_value(type), "warning") == 0)
			add_warning(p, json_string_value(msg),
			    json_string_length(msg));
	}
	json_decref(o);
}

/* A successful exit means every disk virt-v2v announced was copied. */
void
parser_success(struct parser *p)
{
	int	i;

	for (i = 0; i < p->st->disk_count; i++)
		set_progress(p, i, 10000);
}
