/* SPDX-License-Identifier: ISC */
/*
 * Progress on the Kubevirt conversion pod: the wrapper starts this with
 * the run, as the monitor's user; it follows the state file the monitor
 * writes and puts the average disk progress on the pod as the annotation
 * v2vConversionProgress, and after a successful run virt-v2v's metadata
 * as v2vConversionMetadata.  A merge patch of metadata.annotations, so
 * the pod's other annotations stay.  The progress is patched when its
 * whole percentage changes, at most every KUBE_EVERY_MS, and at once when
 * it reaches 100.  The API failing is logged and never fails the run.
 */
#include <sys/inotify.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/api.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/state.h"

#define KUBE_EVERY_MS		2000
#define KUBE_FINAL_MS		25000	/* the last patches; priv waits 30 s */
#define KUBE_LOOK_MS		1000	/* when inotify says nothing */
#define METADATA_MAX		(1024 * 1024)

struct pod {
	struct http	 h;
	const char	*url;
	char		*token;		/* a secret */
	int		 sent;		/* the last progress patched, or -1 */
	long long	 sent_at;
	int		 failing;	/* the last patch failed: said once */
	int		 final;		/* the last patches: their own bound */
};

struct seen {
	int	progress;		/* whole percent, average of the disks */
	int	finished;
	int	failed;
};

/* One merge patch of the pod's annotations; errors are logged. */
static int
patch(struct pod *p, const char *key, const char *value)
{
	struct reply	 r;
	json_t		*o;
	const char	*msg;
	char		*body, why[256];
	int		 rv = -1;

	o = json_pack("{s:{s:{s:s}}}", "metadata", "annotations", key, value);
	if (o == NULL || (body = json_dumps(o, JSON_COMPACT)) == NULL) {
		log_warnx("kube: %s is not valid UTF-8, not patched", key);
		json_decref(o);
		return -1;
	}
	json_decref(o);
	/* Each request its own time while the run goes on; the last ones
	 * share KUBE_FINAL_MS. */
	if (!p->final && p->h.deadline < mono_ms() + API_REQUEST_MS)
		p->h.deadline = mono_ms() + API_REQUEST_MS;
	why[0] = '\0';
	if (http_call(&p->h, "PATCH", p->url, p->token,
	    "application/merge-patch+json", body, &r) == -1)
		strlcpy(why, p->h.err, sizeof(why));
	else if (r.status / 100 != 2) {
		/* A Kubernetes Status says why in its message. */
		msg = json_string_value(json_object_get(r.json, "message"));
		snprintf(why, sizeof(why), "HTTP status %ld%s%s", r.status,
		    msg != NULL ? ": " : "", msg != NULL ? msg : "");
	} else
		rv = 0;
	/* Said when it starts failing and when it works again, not at
	 * every patch of a run that lasts hours. */
	if (rv == -1 && !p->failing)
		log_warnx("kube: patching %s: %s", key, oneline(why));
	if (rv == 0 && p->failing)
		log_info("kube: patching works again");
	p->failing = rv == -1;
	reply_free(&r);
	free(body);
	return rv;
}

/* A regular file of at most max bytes, never through a link nor a FIFO. */
static int
open_file(const char *path, off_t max)
{
	struct stat	sb;
	int		fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) == -1)
		return -1;
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode) || sb.st_size > max) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	return fd;
}

/* The state file as the monitor last replaced it; 0 when read. */
static int
read_state(const char *path, struct seen *s)
{
	json_t	*o, *disks, *d;
	size_t	 i, n;
	double	 sum = 0;
	int	 fd;

	if ((fd = open_file(path, STATE_FILE_MAX)) == -1)
		return -1;
	o = json_loadfd(fd, JSON_DISABLE_EOF_CHECK, NULL);
	close(fd);
	if (o == NULL)
		return -1;
	disks = json_object_get(o, "disks");
	n = json_array_size(disks);
	/* 42.5 is a real, 42 an integer: json_number_value reads both. */
	json_array_foreach(disks, i, d)
		sum += json_number_value(json_object_get(d, "progress"));
	s->progress = n > 0 ? (int)(sum / (double)n) : 0;
	if (s->progress < 0 || s->progress > 100)
		s->progress = s->progress < 0 ? 0 : 100;
	s->finished = json_is_true(json_object_get(o, "finished"));
	s->failed = json_is_true(json_object_get(o, "failed"));
	json_decref(o);
	return 0;
}

static void
progress(struct pod *p, int pct)
{
	char	buf[16];

	if (pct == p->sent || (pct != 100 &&
	    mono_ms() - p->sent_at < KUBE_EVERY_MS))
		return;
	snprintf(buf, sizeof(buf), "%d", pct);
	p->sent_at = mono_ms();
	if (patch(p, "v2vConversionProgress", buf) == 0)
		p->sent = pct;
}

/* virt-v2v's -o json metadata, as text, after a successful run. */
static void
metadata(struct pod *p, const char *path)
{
	char	*buf;
	ssize_t	 n;
	size_t	 len = 0;
	int	 fd;

	if ((fd = open_file(path, METADATA_MAX)) == -1) {
		log_warn("kube: %s", path);
		return;
	}
	if ((buf = malloc(METADATA_MAX + 1)) == NULL)
		fatal("malloc");
	while (len < METADATA_MAX && (n = read(fd, buf + len,
	    METADATA_MAX - len)) > 0)
		len += n;
	close(fd);
	buf[len] = '\0';
	if (len == METADATA_MAX || strlen(buf) != len)
		log_warnx("kube: %s: too long, or not text", path);
	else if (patch(p, "v2vConversionMetadata", buf) == 0)
		log_info("kube: the conversion's metadata is on the pod");
	free(buf);
}

/* Wait for the state file to be replaced, or KUBE_LOOK_MS, or until the
 * next patch may go. */
static void
wait_state(struct pod *p, int infd, int pending)
{
	struct pollfd	 pfd = { infd, POLLIN, 0 };
	char		 buf[4096];
	long long	 left = KUBE_LOOK_MS;

	if (pending && (left = p->sent_at + KUBE_EVERY_MS - mono_ms()) < 0)
		left = 0;
	if (left > KUBE_LOOK_MS)
		left = KUBE_LOOK_MS;
	if (infd == -1) {
		usleep(left * 1000);
		return;
	}
	if (poll(&pfd, 1, (int)left) == 1)
		while (read(infd, buf, sizeof(buf)) > 0)
			;
}

static int
watch(const char *state)
{
	char	dir[PATH_MAX];
	int	fd;

	strlcpy(dir, state, sizeof(dir));
	if ((fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1)
		return -1;
	if (inotify_add_watch(fd, dirname(dir), IN_MOVED_TO |
	    IN_CLOSE_WRITE) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * kube --url POD-URL --cafile CA --state STATE --metadata FILE, the
 * service account's token on stdin.  Ends once the state says finished
 * and the last patches are sent.
 */
int
kube_main(const struct apiopts *o)
{
	static struct pod	p;
	struct seen		s = { 0, 0, 0 };
	int			infd;

	if (o->url == NULL || o->cafile == NULL || o->state == NULL ||
	    o->metadata == NULL)
		fatalx("kube: --url, --cafile, --state and --metadata are "
		    "needed");
	if ((p.token = secret_read_fd(STDIN_FILENO)) == NULL)
		fatalx("kube: no token on standard input");
	p.url = o->url;
	p.sent = -1;
	if (http_init(&p.h, o->cafile, 0, API_REQUEST_MS) == -1)
		fatalx("%s", p.h.err);
	infd = watch(o->state);
	for (;;) {
		if (read_state(o->state, &s) == 0) {
			if (s.finished)
				break;
			progress(&p, s.progress);
		}
		/* A change held back by the 2 s pace is sent when due. */
		wait_state(&p, infd, s.progress != p.sent);
	}
	/* The last words, bounded: priv waits for us only so long. */
	p.final = 1;
	p.h.deadline = mono_ms() + KUBE_FINAL_MS;
	/* The final progress whatever the end (100 after a success, where
	 * every disk is done), then the metadata of a success. */
	p.sent_at = 0;
	progress(&p, s.failed ? s.progress : 100);
	if (!s.failed && o->metadata[0] != '\0')
		metadata(&p, o->metadata);
	secret_free(p.token);
	http_free(&p.h);
	return 0;
}
