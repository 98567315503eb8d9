/* SPDX-License-Identifier: ISC */
/*
 * The disks a failed rhv-upload left: started with the run, it waits on
 * stdin until priv says what to do.  EOF without "clean" (the run
 * succeeded, or priv is gone) ends it without a request.  On "clean" it
 * cancels the image transfers of the run's disks and removes the disks
 * once the engine lets it, within API_CLEANUP_MS.
 *
 * Ids given with --disk are the wrapper's own (rhv-disk-uuid); those
 * priv passes on came from virt-v2v's log, which the guest and the
 * remote hypervisor can put words into: such a disk is removed only when
 * the engine shows it in rhv_storage with virt-v2v's description.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "api/api.h"
#include "common/clock.h"
#include "common/log.h"

#define DISKS_MAX	(256 + 64)	/* source_disks, logged ids */
#define V2V_DESCRIPTION	"Uploaded by virt-v2v"
#define ROUND_MS	2000	/* between asking the engine again */

struct disk {
	char	id[UUID_LEN + 1];
	int	trusted;	/* ours, not read from the log */
	int	done;
};

/*
 * SIGTERM is the caller's cancel (the state names this process from
 * "clean" on, and the caller may be quick): blocked from the start, and
 * taken with sigtimedwait() at each step and in the wait between rounds,
 * so that none comes between a check and a sleep.  Before "clean" it
 * waits: EOF ends the client all the same.
 */
static sigset_t	termset;
static int	stopping;

struct job {
	struct engine	 e;
	struct http	 h;
	const char	*storage, *pwfile;
	struct disk	 d[DISKS_MAX];
	size_t		 nd;
};

static struct disk *
disk_find(struct job *j, const char *id)
{
	size_t	i;

	for (i = 0; i < j->nd; i++)
		if (strcasecmp(j->d[i].id, id) == 0)
			return &j->d[i];
	return NULL;
}

static void
disk_add(struct job *j, const char *id, int trusted)
{
	if (!uuid_valid(id))
		fatalx("cleanup: bad disk id");
	if (disk_find(j, id) != NULL)
		return;
	if (j->nd == DISKS_MAX)
		fatalx("cleanup: more than %d disks", DISKS_MAX);
	strlcpy(j->d[j->nd].id, id, sizeof(j->d[j->nd].id));
	j->d[j->nd++].trusted = trusted;
}

/* priv's lines: "disk UUID" for each logged id, then "clean". */
static int
read_orders(struct job *j)
{
	char	line[128];

	while (fgets(line, sizeof(line), stdin) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (strcmp(line, "clean") == 0)
			return 1;
		if (strncmp(line, "disk ", 5) != 0)
			fatalx("cleanup: bad order from priv");
		disk_add(j, line + 5, 0);
	}
	return 0;
}

static void
term_block(void)
{
	sigemptyset(&termset);
	sigaddset(&termset, SIGTERM);
	sigprocmask(SIG_BLOCK, &termset, NULL);
}

/* Whether the caller cancelled, waiting up to ms for it. */
static int
term_wait(int ms)
{
	struct timespec	ts = { ms / 1000, (ms % 1000) * 1000000L };

	if (!stopping && sigtimedwait(&termset, NULL, &ts) == SIGTERM)
		stopping = 1;
	return stopping;
}

/* Is this disk, read from the log, one virt-v2v made in rhv_storage? */
static int
disk_is_v2vs(json_t *disk, const char *sdid)
{
	json_t		*sds, *sd;
	const char	*desc, *id;
	size_t		 i;

	desc = json_string_value(json_object_get(disk, "description"));
	if (desc == NULL || strcmp(desc, V2V_DESCRIPTION) != 0)
		return 0;
	sds = json_object_get(json_object_get(disk, "storage_domains"),
	    "storage_domain");
	json_array_foreach(sds, i, sd) {
		id = json_string_value(json_object_get(sd, "id"));
		if (id != NULL && strcmp(id, sdid) == 0)
			return 1;
	}
	return 0;
}

/* Logged ids: the ones that are not virt-v2v's in rhv_storage go. */
static void
vet_logged(struct job *j)
{
	struct reply	 r;
	json_t		*sd = NULL;
	const char	*sdid = NULL;
	char		 path[128];
	size_t		 i;

	for (i = 0; i < j->nd; i++) {
		if (j->d[i].trusted || j->d[i].done)
			continue;
		/* Cancelled: the ids not looked at are named as left. */
		if (term_wait(0))
			goto out;
		if (sd == NULL && storage_find(&j->e, &j->h, j->storage,
		    &sd) == -1) {
			log_warnx("cleanup: %s; disks named in the log are "
			    "left alone", j->h.err);
			break;
		}
		sdid = json_string_value(json_object_get(sd, "id"));
		snprintf(path, sizeof(path), "disks/%s", j->d[i].id);
		if (engine_get(&j->e, &j->h, path, &r) == -1) {
			log_warnx("cleanup: disk %s: %s; left alone",
			    j->d[i].id, j->h.err);
			j->d[i].done = 1;
			continue;
		}
		if (r.status == 200 && sdid != NULL &&
		    disk_is_v2vs(r.json, sdid))
			log_info("cleanup: disk %s is virt-v2v's", j->d[i].id);
		else {
			if (r.status != 404)
				log_warnx("cleanup: disk %s named in the log is "
				    "not one virt-v2v uploaded to %s: left "
				    "alone", j->d[i].id, j->storage);
			j->d[i].done = 1;
		}
		reply_free(&r);
	}
	/* No domain to check against: none of them is known to be ours. */
	for (; i < j->nd; i++)
		if (!j->d[i].trusted)
			j->d[i].done = 1;
 out:
	if (sd != NULL)
		json_decref(sd);
}

static int
transfer_ours(struct job *j, json_t *t)
{
	const char	*img, *dsk;
	struct disk	*d;

	img = json_string_value(json_object_get(json_object_get(t, "image"),
	    "id"));
	dsk = json_string_value(json_object_get(json_object_get(t, "disk"),
	    "id"));
	return (img != NULL && (d = disk_find(j, img)) != NULL && !d->done) ||
	    (dsk != NULL && (d = disk_find(j, dsk)) != NULL && !d->done);
}

/* A transfer holds its disk locked: cancelled, the engine lets go. */
static void
cancel_transfers(struct job *j)
{
	struct reply	 r, c;
	json_t		*list, *t;
	const char	*tid;
	char		 url[4096];
	size_t		 i;

	if (engine_get(&j->e, &j->h, "imagetransfers", &r) == -1) {
		log_warnx("cleanup: listing image transfers: %s", j->h.err);
		return;
	}
	if (r.status != 200)
		log_warnx("cleanup: listing image transfers: %s",
		    api_fault(&r));
	list = json_object_get(r.json, "image_transfer");
	json_array_foreach(list, i, t) {
		if (term_wait(0))
			break;
		tid = json_string_value(json_object_get(t, "id"));
		if (tid == NULL || !uuid_valid(tid) || !transfer_ours(j, t))
			continue;
		snprintf(url, sizeof(url), "%s/imagetransfers/%s/cancel",
		    j->e.api, tid);
		if (http_call(&j->h, "POST", url, j->e.token,
		    "application/json", "{}", &c) == -1)
			log_warnx("cleanup: cancelling transfer %s: %s", tid,
			    j->h.err);
		else if (c.status / 100 != 2)
			log_warnx("cleanup: cancelling transfer %s: %s", tid,
			    api_fault(&c));
		else
			log_info("cleanup: transfer %s cancelled", tid);
		reply_free(&c);
	}
	reply_free(&r);
}

/* One look at a disk: gone (done), removable (removed), or not yet. */
static void
disk_try(struct job *j, struct disk *d)
{
	struct reply	 r;
	const char	*status;
	char		 url[4096];

	snprintf(url, sizeof(url), "disks/%s", d->id);
	if (engine_get(&j->e, &j->h, url, &r) == -1) {
		log_warnx("cleanup: disk %s: %s", d->id, j->h.err);
		return;
	}
	status = json_string_value(json_object_get(r.json, "status"));
	if (r.status == 404)
		d->done = 1;
	else if (r.status != 200)
		log_warnx("cleanup: disk %s: %s", d->id, api_fault(&r));
	else if (status != NULL && strcmp(status, "ok") == 0) {
		reply_free(&r);
		snprintf(url, sizeof(url), "%s/disks/%s", j->e.api, d->id);
		if (http_call(&j->h, "DELETE", url, j->e.token, NULL, NULL,
		    &r) == -1)
			log_warnx("cleanup: removing disk %s: %s", d->id,
			    j->h.err);
		else if (r.status / 100 == 2 || r.status == 404) {
			log_info("cleanup: disk %s removed", d->id);
			d->done = 1;
		} else
			log_warnx("cleanup: removing disk %s: %s", d->id,
			    api_fault(&r));
	}
	reply_free(&r);
}

static size_t
disks_left(struct job *j)
{
	size_t	i, n = 0;

	for (i = 0; i < j->nd; i++)
		n += !j->d[i].done;
	return n;
}

/* Each disk not removed, by id: the admin's list of what to look at. */
static int
disks_unremoved(struct job *j, const char *why)
{
	size_t	i;

	log_warnx("cleanup: %s; disks left: %zu", why, disks_left(j));
	for (i = 0; i < j->nd; i++)
		if (!j->d[i].done)
			log_warnx("cleanup: disk %s left (%s)", j->d[i].id, why);
	return -1;
}

static int
remove_disks(struct job *j)
{
	size_t	i;

	while (disks_left(j) > 0) {
		for (i = 0; i < j->nd && !term_wait(0); i++)
			if (!j->d[i].done)
				disk_try(j, &j->d[i]);
		if (disks_left(j) == 0)
			break;
		if (stopping)
			return disks_unremoved(j, "stopped on SIGTERM");
		if (mono_ms() + ROUND_MS >= j->h.deadline)
			return disks_unremoved(j, "timed out");
		term_wait(ROUND_MS);
	}
	return 0;
}

static int
clean(struct job *j)
{
	char	*password;
	int	 rv = -1;

	if (term_wait(0))
		return disks_unremoved(j, "stopped on SIGTERM");
	if ((password = secret_read_file(j->pwfile)) == NULL) {
		log_warn("cleanup: the password file");
		return -1;
	}
	if (engine_login(&j->e, &j->h, password) == -1)
		log_warnx("cleanup: %s", j->h.err);
	else {
		vet_logged(j);
		cancel_transfers(j);
		rv = remove_disks(j);
	}
	secret_free(password);
	engine_logout(&j->e, &j->h);
	return rv;
}

/*
 * priv's orders on stdin; the --disk ids are the wrapper's own.  Exits
 * 0 when nothing is left to remove.
 */
int
cleanup_main(const struct apiopts *o)
{
	static struct job	j;
	char			err[512];
	size_t			i;
	int			rv;

	if (o->pwfile == NULL)
		fatalx("cleanup: --password-file is needed");
	j.storage = o->storage;
	j.pwfile = o->pwfile;
	for (i = 0; i < o->ndisks; i++)
		disk_add(&j, o->disks[i], 1);
	if (engine_parse(&j.e, o->url, err, sizeof(err)) == -1)
		fatalx("cleanup: %s", err);
	term_block();
	if (!read_orders(&j))
		return 0;
	if (j.nd == 0) {
		log_info("cleanup: virt-v2v named no disks");
		return 0;
	}
	log_info("cleanup: %zu disks to look at in %s", j.nd, j.storage);
	if (http_init(&j.h, o->cafile, o->insecure, API_CLEANUP_MS) == -1)
		fatalx("%s", j.h.err);
	rv = clean(&j);
	http_free(&j.h);
	return rv == 0 ? 0 : 1;
}
