/* SPDX-License-Identifier: ISC */
/*
 * The run's files, made by the parent while it is still the caller (root
 * on a host).  Two directories per run under the base:
 *   v2v-import-TAG/          root 0770 with a POSIX ACL (parent/acl.c):
 *                            the monitor's user replaces the state file,
 *                            the account that started the run writes the
 *                            throttling file; no group, no other;
 *   v2v-import-TAG.private/  root 0711: the lock, secrets/ (root 0700,
 *                            searchable by the conversion user only) and
 *                            the ssh-agent's directory.
 * Everything is created with openat/mkdirat relative to a directory
 * descriptor, O_EXCL and O_NOFOLLOW, in directories that group and other
 * cannot write, and gets its owner and mode explicitly (DESIGN.md
 * section 4).  On failure setup_undo() removes all of it.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/config.h"
#include "common/end.h"
#include "common/log.h"
#include "common/state.h"
#include "common/wrapper.h"
#include "parent/parent.h"
#include "parent/vault.h"

#define ERR(...)	do { snprintf(err, errlen, __VA_ARGS__); \
			    return -1; } while (0)

int
setup_check(struct run *r, char *err, size_t errlen)
{
	struct stat	sb;
	int		made;

	if (stat(r->env.virt_v2v, &sb) == -1)
		ERR("virt-v2v %s: %s (install virt-v2v, or set "
		    "V2V_WRAPPER_VIRT_V2V)", r->env.virt_v2v, strerror(errno));
	if (!S_ISREG(sb.st_mode) || (sb.st_mode & 0111) == 0)
		ERR("virt-v2v %s: not an executable file", r->env.virt_v2v);
	/* The monitor's user may own it: vdsm owns /var/log/vdsm/import. */
	if ((r->logdirfd = safedir_open("log directory", r->env.log_dir,
	    r->mon_uid, err, errlen)) == -1)
		return -1;
	made = mkdir(r->env.run_dir, 0755) == 0;
	if (!made && errno != EEXIST)
		ERR("run directory %s: %s", r->env.run_dir, strerror(errno));
	if ((r->pc.basefd = safedir_open("run directory", r->env.run_dir,
	    (uid_t)-1, err, errlen)) == -1)
		return -1;
	/* umask 077 made it 0700; virt-v2v, as another user, must reach
	 * its secret files below it. */
	if (made && fchmod(r->pc.basefd, 0755) == -1)
		ERR("run directory %s: %s", r->env.run_dir, strerror(errno));
	if (fstat(r->pc.basefd, &sb) == -1 || (r->pc.root && sb.st_uid != 0))
		ERR("run directory %s: must be owned by root", r->env.run_dir);
	return 0;
}

static int
mkfile(int dirfd, const char *name, int flags, mode_t mode, uid_t uid,
    gid_t gid, int root)
{
	int	fd;

	fd = openat(dirfd, name, flags | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, mode);
	if (fd == -1)
		return -1;
	if (fchmod(fd, mode) == -1 || (root && fchown(fd, uid, gid) == -1)) {
		close(fd);
		unlinkat(dirfd, name, 0);
		return -1;
	}
	return fd;
}

static int
mkdir_owned(int dirfd, const char *name, mode_t mode, int root)
{
	int	fd;

	if (mkdirat(dirfd, name, 0700) == -1)
		return -1;
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd == -1 || (root && fchown(fd, 0, 0) == -1) ||
	    fchmod(fd, mode) == -1) {
		if (fd != -1)
			close(fd);
		unlinkat(dirfd, name, AT_REMOVEDIR);
		return -1;
	}
	return fd;
}

static void
make_tag(struct run *r)
{
	time_t		now = time(NULL);
	struct tm	tm;
	char		stamp[32];

	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%S", &tm);
	snprintf(r->pc.tag, sizeof(r->pc.tag), "%s-%ld", stamp, (long)getpid());
}

/* A path into one of the PATH_MAX buffers of struct run; -1 if too long. */
static int __attribute__((format(printf, 2, 3)))
pathf(char *dst, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(dst, PATH_MAX, fmt, ap);
	va_end(ap);
	return n < 0 || n >= PATH_MAX ? -1 : 0;
}

static int
make_paths(struct run *r)
{
	const char	*ld = r->env.log_dir;

	if (pathf(r->rundir, "%s/" RUN_PREFIX "%s", r->env.run_dir,
	    r->pc.tag) == -1 ||
	    pathf(r->privdir, "%s" PRIVATE_SUFFIX, r->rundir) == -1 ||
	    pathf(r->secretdir, "%s/" SECRETS_DIR, r->privdir) == -1 ||
	    pathf(r->state_file, "%s/" STATE_NAME, r->rundir) == -1 ||
	    pathf(r->throttle_file, "%s/" THROTTLE_NAME, r->rundir) == -1 ||
	    pathf(r->v2v_log, "%s/" RUN_PREFIX "%s.log", ld, r->pc.tag) == -1 ||
	    pathf(r->mr_log, "%s/" RUN_PREFIX "%s-mr.log", ld, r->pc.tag) == -1 ||
	    pathf(r->wrapper_log, "%s/" RUN_PREFIX "%s-wrapper.log", ld,
	    r->pc.tag) == -1)
		return -1;
	return 0;
}

static const char *
base(const char *path)
{
	const char	*s = strrchr(path, '/');

	return s == NULL ? path : s + 1;
}

static int
write_secret(struct run *r, const char *name, const char *value)
{
	size_t	len = strlen(value);
	ssize_t	n;
	int	fd;

	fd = mkfile(r->pc.secretdirfd, name, O_WRONLY, 0400, r->conv_uid,
	    r->conv_gid, r->pc.root);
	if (fd == -1)
		return -1;
	if ((r->pc.secrets[r->pc.nsecrets] = strdup(name)) == NULL)
		fatal("strdup");
	r->pc.nsecrets++;
	/* No trailing newline: virt-v2v takes the file's bytes as is. */
	n = write(fd, value, len);
	close(fd);
	if (n != (ssize_t)len) {
		errno = n == -1 ? errno : EIO;
		return -1;
	}
	return 0;
}

static int
make_secrets(const struct conf *cf, struct run *r)
{
	const struct acl_user	 conv = { r->conv_uid, 1 };
	char			 name[32];
	size_t			 i;

	r->pc.secretdirfd = mkdir_owned(r->pc.privdirfd, SECRETS_DIR, 0700,
	    r->pc.root);
	if (r->pc.secretdirfd == -1)
		return -1;
	r->made_secretdir = 1;
	/* Root's; the conversion user may only reach the files it is
	 * named, no one else learns even their sizes. */
	if (r->pc.root && acl_grant(r->pc.secretdirfd, &conv, 1, 0) == -1)
		return -1;
	if (cf->vmware_password != NULL &&
	    write_secret(r, SECRET_VMWARE, cf->vmware_password) == -1)
		return -1;
	if (cf->rhv_password != NULL &&
	    write_secret(r, SECRET_RHV, cf->rhv_password) == -1)
		return -1;
	if (cf->ssh_key != NULL &&
	    write_secret(r, SECRET_SSHKEY, cf->ssh_key) == -1)
		return -1;
	for (i = 0; i < r->nluks; i++) {
		snprintf(name, sizeof(name), SECRET_LUKS "%zu", i);
		if (write_secret(r, name, r->luks[i].key) == -1)
			return -1;
	}
	return 0;
}

static int
reopen_rdonly(int fd)
{
	char	path[64];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return open(path, O_RDONLY | O_CLOEXEC);
}

/* made_logs has a bit per log file, so undo never removes another's. */
static int
make_logs(struct run *r)
{
	const char	*names[3] = { r->v2v_log, r->mr_log, r->wrapper_log };
	int		 fds[3], i;

	for (i = 0; i < 3; i++) {
		/* The wrapper log is root's; virt-v2v writes the others. */
		fds[i] = mkfile(r->logdirfd, base(names[i]), O_WRONLY |
		    O_APPEND, 0644, i < 2 ? r->conv_uid : 0,
		    i < 2 ? r->conv_gid : 0, r->pc.root);
		if (fds[i] == -1)
			return -1;
		r->made_logs |= 1 << i;
	}
	r->v2vlogfd = fds[0];
	r->mrlogfd = fds[1];
	r->logfd = fds[2];
	/* The log directory may be the conversion user's: reopen the very
	 * files we made, never a name someone may have swapped since. */
	if ((r->v2vlogrfd = reopen_rdonly(r->v2vlogfd)) == -1 ||
	    (r->mrlogrfd = reopen_rdonly(r->mrlogfd)) == -1)
		return -1;
	return 0;
}

/*
 * The first state file; with failmsg, also the last one of a run that
 * ended before virt-v2v could start.
 */
int
setup_state(const struct conf *cf, struct run *r, const char *failmsg)
{
	struct end_facts	f = { .cause = END_SETUP_FAILED };
	struct end		e;
	struct state		st;
	size_t			 i;
	int			 rv;

	state_init(&st);
	for (i = 0; i < cf->nsource_disks; i++)
		state_add_disk(&st, cf->source_disks[i],
		    strlen(cf->source_disks[i]));
	st.disk_count = cf->nsource_disks;
	if (r->pc.warning[0] != '\0')
		state_message(&st, MSG_WARNING, r->pc.warning);
	if (failmsg != NULL) {
		f.detail = failmsg;
		end_decide(&f, &e);
		end_apply(&e, &st);
	}
	rv = state_write(r->pc.rundirfd, &st);
	state_free(&st);
	return rv;
}

int
setup_paths(struct run *r)
{
	make_tag(r);
	return make_paths(r);
}

/* The rest of what priv is handed, from the input and the host. */
static void
setup_privconf(const struct conf *cf, struct run *r)
{
	struct privconf	*pc = &r->pc;

	pc->privname = base(r->privdir);
	pc->systemctl = r->env.systemctl;
	pc->disks = cf->source_disks;
	pc->ndisks = cf->nsource_disks;
	pc->limits = cf->throttling;
	/* One count for the run: priv and the monitor bound a cpu limit
	 * by it, so a CPU going offline cannot make them disagree. */
	if ((pc->ncpu = sysconf(_SC_NPROCESSORS_ONLN)) < 1)
		pc->ncpu = 1;
}

/*
 * Root's run directory: the monitor's user replaces the state file and
 * consumes the throttling file, the account that started the run reads
 * the one and writes the other; no one else, not every kvm member.  No
 * sticky bit: the monitor renames the caller's file.
 */
static int
rundir_acl(struct run *r)
{
	const struct acl_user	u[2] = { { r->mon_uid, 7 },
				    { r->caller_uid, 7 } };

	return acl_grant(r->pc.rundirfd, u, 2, 1);
}

/*
 * The lock is locked before it has its name: another wrapper starting
 * at the same moment reaps a private directory whose lock it can take
 * (parent/reap.c), and took this one between its creation and our
 * flock when twenty runs started at once.
 */
static int
make_lock(struct run *r)
{
	const char	*tmp = LOCK_NAME ".new";
	int		 saved;

	r->pc.lockfd = mkfile(r->pc.privdirfd, tmp, O_RDWR, 0600, 0, 0, 0);
	if (r->pc.lockfd == -1)
		return -1;
	if (flock(r->pc.lockfd, LOCK_EX | LOCK_NB) == -1 ||
	    renameat(r->pc.privdirfd, tmp, r->pc.privdirfd, LOCK_NAME) == -1) {
		saved = errno;
		unlinkat(r->pc.privdirfd, tmp, 0);
		errno = saved;
		return -1;
	}
	return 0;
}

int
setup_create(const struct conf *cf, struct run *r, char *err, size_t errlen)
{
	if (setup_paths(r) == -1)
		ERR("the log or run directory path is too long");
	r->pc.rundirfd = mkdir_owned(r->pc.basefd, base(r->rundir), r->pc.root ?
	    0700 : 0755, r->pc.root);
	if (r->pc.rundirfd == -1)
		ERR("run directory %s: %s", r->rundir, strerror(errno));
	r->made_rundir = 1;
	if (r->pc.root && rundir_acl(r) == -1)
		ERR("run directory %s: ACL: %s (the file system must support "
		    "POSIX ACLs)", r->rundir, strerror(errno));
	r->pc.privdirfd = mkdir_owned(r->pc.basefd, base(r->privdir), 0711, 0);
	if (r->pc.privdirfd == -1)
		ERR("private directory %s: %s", r->privdir, strerror(errno));
	r->made_privdir = 1;
	if (make_lock(r) == -1)
		ERR("lock in %s: %s", r->rundir, strerror(errno));
	if (make_secrets(cf, r) == -1)
		ERR("secret files in %s: %s", r->secretdir, strerror(errno));
	if (make_logs(r) == -1)
		ERR("log files in %s: %s", r->env.log_dir, strerror(errno));
	if (setup_state(cf, r, NULL) == -1)
		ERR("state file %s: %s", r->state_file, strerror(errno));
	/* cgroup v2 where it works, else net_cls v1 */
	if (!steer_prepare(cf, r)) {
		netcg_prepare(cf, r);
		/* Neither: cgroup v2's reason is the one that matters. */
		if (r->pc.netwhy != 0 && r->steerwhy != 0)
			r->pc.netwhy = r->steerwhy;
	}
	setup_privconf(cf, r);
	return 0;
}

/* A run that ends before priv: secrets and lock go, logs and state stay. */
void
setup_finish(struct run *r)
{
	int	i;

	for (i = 0; i < r->pc.nsecrets; i++) {
		unlinkat(r->pc.secretdirfd, r->pc.secrets[i], 0);
		free(r->pc.secrets[i]);
	}
	r->pc.nsecrets = 0;
	netcg_undo(r);
	steer_undo(r);
	if (r->made_secretdir)
		unlinkat(r->pc.privdirfd, SECRETS_DIR, AT_REMOVEDIR);
	r->made_secretdir = 0;
	if (r->made_privdir) {
		unlinkat(r->pc.privdirfd, LOCK_NAME, 0);
		unlinkat(r->pc.basefd, base(r->privdir), AT_REMOVEDIR);
	}
	r->made_privdir = 0;
}

/* Remove what setup_create made; used when the run cannot start. */
void
setup_undo(struct run *r)
{
	setup_finish(r);
	if (r->made_rundir) {
		unlinkat(r->pc.rundirfd, STATE_NAME, 0);
		unlinkat(r->pc.basefd, base(r->rundir), AT_REMOVEDIR);
	}
	if (r->made_logs & 1)
		unlinkat(r->logdirfd, base(r->v2v_log), 0);
	if (r->made_logs & 2)
		unlinkat(r->logdirfd, base(r->mr_log), 0);
	if (r->made_logs & 4)
		unlinkat(r->logdirfd, base(r->wrapper_log), 0);
	r->made_rundir = r->made_logs = 0;
}
