/* SPDX-License-Identifier: ISC */
/*
 * The state file: its model, its JSON and its atomic replacement.
 * Callers poll this file, so every write is a whole new file renamed into
 * place: a reader sees the old content or the new, never half of either.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "common/state.h"
#include "common/utf8.h"
#include "common/wrapper.h"

void
state_init(struct state *st)
{
	memset(st, 0, sizeof(*st));
}

void
state_free(struct state *st)
{
	size_t	i;

	for (i = 0; i < st->ndisks; i++)
		free(st->disks[i].path);
	free(st->disks);
	free(st->order);
	free(st->tags);
	for (i = 0; i < st->nwarnings; i++)
		free(st->warnings[i]);
	free(st->stage);
	free(st->vm_id);
	free(st->thr_cpu);
	free(st->thr_net);
	free(st->message);
	state_init(st);
}

/* A cleaned, capped copy of len bytes; never NULL. */
char *
state_strdup(const char *s, size_t len, size_t max)
{
	char	*p;

	if (max > STATE_STR_MAX)
		max = STATE_STR_MAX;
	/* Each bad byte may grow to three. */
	if ((p = malloc(max + 1)) == NULL)
		abort();
	utf8_clean(p, max + 1, s, len);
	return p;
}

void
state_setstr(char **dst, const char *s, size_t len)
{
	free(*dst);
	*dst = state_strdup(s, len, STATE_STR_MAX);
}

/* A warning never replaces an error: the error is what the caller needs. */
void
state_message(struct state *st, enum msgtype type, const char *msg)
{
	if (type == MSG_WARNING && st->msgtype == MSG_ERROR)
		return;
	state_setstr(&st->message, msg, strlen(msg));
	st->msgtype = type;
}

/* Keep the most recent STATE_WARNINGS_MAX warnings, oldest first. */
void
state_warning(struct state *st, const char *msg, size_t len)
{
	if (st->nwarnings == STATE_WARNINGS_MAX) {
		free(st->warnings[0]);
		memmove(st->warnings, st->warnings + 1,
		    (STATE_WARNINGS_MAX - 1) * sizeof(st->warnings[0]));
		st->nwarnings--;
	}
	st->warnings[st->nwarnings++] = state_strdup(msg, len,
	    STATE_WARNING_LEN);
}

static json_t *
jstr(const char *s)
{
	return s == NULL ? json_null() : json_string(s);
}

/* Whole percentages are integers; others keep two decimals. */
static json_t *
jprogress(unsigned int hundredths)
{
	if (hundredths % 100 == 0)
		return json_integer(hundredths / 100);
	return json_real(hundredths / 100.0);
}

static json_t *
jdisks(const struct state *st)
{
	json_t	*a, *o;
	size_t	 i;

	a = json_array();
	for (i = 0; i < st->ndisks; i++) {
		o = json_object();
		json_object_set_new(o, "path", jstr(state_disk(st, i)->path));
		json_object_set_new(o, "progress",
		    jprogress(state_disk(st, i)->progress));
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *
jthrottling(const struct state *st)
{
	json_t	*o = json_object();

	json_object_set_new(o, "cpu", jstr(st->thr_cpu));
	json_object_set_new(o, "network", jstr(st->thr_net));
	return o;
}

static json_t *
jwarnings(const struct state *st)
{
	json_t	*a = json_array();
	size_t	 i;

	for (i = 0; i < st->nwarnings; i++)
		json_array_append_new(a, jstr(st->warnings[i]));
	return a;
}

static json_t *
jmessage(const struct state *st)
{
	json_t	*o = json_object();

	json_object_set_new(o, "message", jstr(st->message));
	json_object_set_new(o, "type",
	    json_string(st->msgtype == MSG_ERROR ? "error" : "warning"));
	return o;
}

#define DUMP_FLAGS	(JSON_COMPACT | JSON_REAL_PRECISION(4) | \
			 JSON_PRESERVE_ORDER)

/* The key order is part of the contract (DESIGN.md section 1). */
static json_t *
state_json(const struct state *st)
{
	json_t	*o;

	if ((o = json_object()) == NULL)
		return NULL;
	if (st->started) {
		json_object_set_new(o, "started", json_true());
		json_object_set_new(o, "pid", json_integer(st->pid));
	}
	if (st->stage != NULL)
		json_object_set_new(o, "stage", jstr(st->stage));
	json_object_set_new(o, "disks", jdisks(st));
	json_object_set_new(o, "disk_count", json_integer(st->disk_count));
	if (st->vm_id != NULL)
		json_object_set_new(o, "vm_id", jstr(st->vm_id));
	json_object_set_new(o, "throttling", jthrottling(st));
	if (st->nwarnings > 0)
		json_object_set_new(o, "warnings", jwarnings(st));
	if (st->msgtype != MSG_NONE)
		json_object_set_new(o, "last_message", jmessage(st));
	if (st->has_rc)
		json_object_set_new(o, "return_code", json_integer(st->rc));
	if (st->failed)
		json_object_set_new(o, "failed", json_true());
	if (st->finished)
		json_object_set_new(o, "finished", json_true());
	return o;
}

char *
state_dump(const struct state *st)
{
	json_t	*o;
	char	*s;

	if ((o = state_json(st)) == NULL)
		return NULL;
	s = json_dumps(o, DUMP_FLAGS);
	json_decref(o);
	return s;
}

static int
write_all(int fd, const char *buf, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		if ((n = write(fd, buf, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= n;
	}
	return 0;
}

/* What goes into the new file: text, or a state streamed as JSON. */
struct fill {
	const char		*text;
	const struct state	*st;
	int			 fd;
	size_t			 len;
	char			 buf[16384];
};

static int
fill_flush(struct fill *f)
{
	int	rv = write_all(f->fd, f->buf, f->len);

	f->len = 0;
	return rv;
}

static int
fill_put(const char *s, size_t len, void *arg)
{
	struct fill	*f = arg;
	size_t		 n;

	while (len > 0) {
		if (f->len == sizeof(f->buf) && fill_flush(f) == -1)
			return -1;
		n = sizeof(f->buf) - f->len;
		n = n < len ? n : len;
		memcpy(f->buf + f->len, s, n);
		f->len += n;
		s += n;
		len -= n;
	}
	return 0;
}

/*
 * A state with 1024 disks of 4 KiB paths is 4 MB of JSON: streamed, it
 * never exists whole in memory, nor twice in jansson's growing buffer
 * and the copy json_dumps() returns (the monitor's peak was 20 MiB).
 */
static int
fill(struct fill *f)
{
	json_t	*o;
	int	 rv;

	if (f->text != NULL)
		return write_all(f->fd, f->text, strlen(f->text));
	if ((o = state_json(f->st)) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	rv = json_dump_callback(o, fill_put, f, DUMP_FLAGS);
	json_decref(o);
	if (rv == -1) {
		if (errno == 0)
			errno = ENOMEM;
		return -1;
	}
	return fill_flush(f);
}

/*
 * The one way a state file is written, by every writer: a temporary file
 * beside it, renamed over it, so that a reader sees the old content or
 * the new, never half of either.  Others may write in the directory (the
 * monitor's user, the caller), so the temporary name is random and
 * created O_EXCL|O_NOFOLLOW; the mode is set explicitly, whatever the
 * umask.
 */
static int
replace(int dirfd, struct fill *f)
{
	char	 tmp[64];
	int	 saved;

	snprintf(tmp, sizeof(tmp), ".%s.%08x", STATE_NAME, arc4random());
	f->fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0644);
	if (f->fd == -1)
		return -1;
	errno = 0;
	if (fchmod(f->fd, 0644) == -1 || fill(f) == -1) {
		saved = errno;
		close(f->fd);
		goto fail;
	}
	if (close(f->fd) == -1 || renameat(dirfd, tmp, dirfd, STATE_NAME) ==
	    -1) {
		saved = errno;
		goto fail;
	}
	return 0;
 fail:
	unlinkat(dirfd, tmp, 0);
	errno = saved;
	return -1;
}

int
state_replace(int dirfd, const char *text)
{
	struct fill	f;

	f.text = text;
	f.len = 0;
	return replace(dirfd, &f);
}

int
state_write(int dirfd, const struct state *st)
{
	struct fill	f;

	f.text = NULL;
	f.st = st;
	f.len = 0;
	return replace(dirfd, &f);
}
