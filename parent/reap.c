/* SPDX-License-Identifier: ISC */
/*
 * What runs whose priv died leave behind.  priv holds a flock on its
 * run's lock for the run's whole life; a lock nobody holds marks a dead
 * run.  For each: stop its systemd unit, remove its net_cls cgroup, kill
 * its ssh-agent, remove the private directory
 * (secrets, the ssh-agent's directory, the lock), and close its state
 * file as failed and finished if nobody did.  Then every tc class that no
 * live run's cgroup names goes.  Run by --cleanup and at the start of
 * every wrapper run as root.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "common/end.h"
#include "common/log.h"
#include "common/netcg.h"
#include "common/spawn.h"
#include "common/state.h"
#include "common/steer.h"
#include "common/wrapper.h"
#include "parent/parent.h"

#define YOUNG_SEC	60	/* a run this young may still be setting up */

/* Remove a directory's entries (one level) and the directory. */
static void
remove_dir(int parentfd, const char *name)
{
	struct dirent	*de;
	DIR		*d;
	int		 fd;

	fd = openat(parentfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd == -1 || (d = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			unlinkat(fd, de->d_name, 0);
	closedir(d);
	if (unlinkat(parentfd, name, AT_REMOVEDIR) == -1 && errno != ENOENT)
		log_warn("cleanup: removing %s", name);
}

static void
stop_unit(const struct env *e, const char *tag)
{
	static char	 stop[] = "stop", reset[] = "reset-failed";
	static char	 path[] = SAFE_PATH;
	char		 unit[NAME_MAX + 32], out[512], err[256];
	char		*argv[] = { NULL, stop, unit, NULL }, *envp[] = { path, NULL };
	struct stat	 sb;

	if (!e->systemd_given && stat("/run/systemd/system", &sb) == -1)
		return;
	snprintf(unit, sizeof(unit), UNIT_FMT, tag);
	argv[0] = (char *)(uintptr_t)e->systemctl;
	run_capture(NULL, argv, envp, 30000, out, sizeof(out), err,
	    sizeof(err));
	argv[1] = reset;
	run_capture(NULL, argv, envp, 30000, out, sizeof(out), err,
	    sizeof(err));
}

/* A state file without "finished" gets failed, finished and why. */
/*
 * The state file of a dead run, parsed.  The monitor's user and the
 * caller write in the run directory: not a FIFO to hang on, not a file
 * to swallow (it may grow while it is read: no more than the largest
 * state a monitor writes is).
 */
static json_t *
load_state(int dfd)
{
	struct stat	 sb;
	json_t		*o = NULL;
	char		*buf;
	size_t		 len = 0;
	ssize_t		 n;
	int		 fd;

	if ((fd = openat(dfd, STATE_NAME, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) == -1)
		return NULL;
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode) ||
	    sb.st_size > STATE_FILE_MAX ||
	    (buf = malloc((size_t)sb.st_size + 1)) == NULL) {
		close(fd);
		return NULL;
	}
	/* One byte more than fstat said: a file that grew is refused. */
	while (len <= (size_t)sb.st_size && (n = read(fd, buf + len,
	    (size_t)sb.st_size + 1 - len)) > 0)
		len += n;
	close(fd);
	if (len > 0 && len <= (size_t)sb.st_size)
		o = json_loadb(buf, len, 0, NULL);
	free(buf);
	return o;
}

static void
close_state(int basefd, const char *rundir)
{
	struct end_facts	 f = { .cause = END_WRAPPER_DIED };
	struct end		 e;
	json_t			*o;
	char			*s;
	int			 dfd;

	if ((dfd = openat(basefd, rundir, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) == -1)
		return;
	o = load_state(dfd);
	if (o != NULL && json_is_object(o) &&
	    json_object_get(o, "finished") == NULL) {
		end_decide(&f, &e);
		end_apply_json(&e, o);
		if ((s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER)) ==
		    NULL || state_replace(dfd, s) == -1)
			log_warn("cleanup: %s/%s", rundir, STATE_NAME);
		else
			log_info("cleanup: %s/%s closed as failed", rundir,
			    STATE_NAME);
		free(s);
	}
	json_decref(o);
	close(dfd);
}

/* Returns 1 when the run of this private directory is dead. */
static int
is_dead(int basefd, const char *name, int *lockfd)
{
	struct stat	sb;
	int		pfd;

	*lockfd = -1;
	pfd = openat(basefd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (pfd == -1 || fstat(pfd, &sb) == -1) {
		if (pfd != -1)
			close(pfd);
		return 0;
	}
	*lockfd = openat(pfd, LOCK_NAME, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	close(pfd);
	if (*lockfd == -1)
		return time(NULL) - sb.st_mtime > YOUNG_SEC;
	if (flock(*lockfd, LOCK_EX | LOCK_NB) == -1) {
		close(*lockfd);
		*lockfd = -1;
		return 0;
	}
	return 1;
}

static int
reap_one(const struct env *e, int basefd, const char *name)
{
	char	rundir[NAME_MAX + 1], tag[NAME_MAX + 1], sock[PATH_MAX];
	size_t	len = strlen(name) - strlen(PRIVATE_SUFFIX);
	int	lockfd, pfd;

	if (!is_dead(basefd, name, &lockfd))
		return 0;
	snprintf(rundir, sizeof(rundir), "%.*s", (int)len, name);
	snprintf(tag, sizeof(tag), "%s", rundir + strlen(RUN_PREFIX));
	log_info("cleanup: %s belongs to a run that ended unexpectedly", name);
	stop_unit(e, tag);
	netcg_reap(e->cgroup_root, tag);
	steer_reap(e->cgroup2_root, tag);
	if ((pfd = openat(basefd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) != -1) {
		if (snprintf(sock, sizeof(sock), "%s/%s/%s/%s", e->run_dir,
		    name, AGENT_DIR, AGENT_SOCK) < (int)sizeof(sock))
			agent_reap(pfd, sock);
		remove_dir(pfd, SECRETS_DIR);
		remove_dir(pfd, AGENT_DIR);
		/* its class, if it had one, goes with the sweep below */
		unlinkat(pfd, STEER_CLASS_NAME, 0);
		unlinkat(pfd, LOCK_NAME, 0);
		unlinkat(pfd, LOCK_NAME ".new", 0);	/* died making it */
		close(pfd);
	}
	if (unlinkat(basefd, name, AT_REMOVEDIR) == -1)
		log_warn("cleanup: removing %s", name);
	close_state(basefd, rundir);
	if (lockfd != -1)
		close(lockfd);
	return 1;
}

/* Returns how many dead runs were cleaned, or -1. */
int
reap_dead_runs(const struct env *e)
{
	struct dirent	*de;
	DIR		*d;
	size_t		 len, slen = strlen(PRIVATE_SUFFIX);
	int		 basefd, n = 0;

	basefd = open(e->run_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (basefd == -1)
		return errno == ENOENT ? 0 : -1;
	if ((d = fdopendir(dup(basefd))) == NULL) {
		close(basefd);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (strncmp(de->d_name, RUN_PREFIX, strlen(RUN_PREFIX)) != 0 ||
		    len <= slen || strcmp(de->d_name + len - slen,
		    PRIVATE_SUFFIX) != 0)
			continue;
		n += reap_one(e, basefd, de->d_name);
	}
	closedir(d);
	netcg_sweep(e->cgroup_root, e->cgroup2_root, basefd);
	close(basefd);
	return n;
}
