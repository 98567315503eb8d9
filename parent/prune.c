/* SPDX-License-Identifier: ISC */
/*
 * --prune-logs[=DAYS]: remove the conversion logs older than DAYS days
 * from the site's log directory, as the upstream Ansible role's daily
 * job did.  Only regular files named v2v-import-* go: vdsm keeps its own
 * logs beside ours, and a link or a directory there is not one of ours.
 *
 * The directory is vdsm's, so vdsm may change any name in it between our
 * look and our unlink.  That gives it nothing: the directory is reached
 * by safedir_open() and held by descriptor, and unlinkat() without
 * AT_REMOVEDIR removes a name in that very directory, never what a link
 * points to and never a directory; vdsm can remove such a name itself.
 * Nothing is opened, so a FIFO or a device cannot block or act.
 *
 * Not under sudo: an account allowed to run conversions has rights on
 * its own runs only, and this removes every run's logs.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/wrapper.h"
#include "parent/parent.h"

#define PRUNE_DAYS_MAX	36500

/* One name: 1 removed, 0 kept, -1 failed. */
static int
prune_one(int dirfd, const char *name, time_t cutoff)
{
	struct stat	sb;

	if (strncmp(name, RUN_PREFIX, strlen(RUN_PREFIX)) != 0)
		return 0;
	if (fstatat(dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) == -1)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISREG(sb.st_mode) || sb.st_mtime >= cutoff)
		return 0;
	if (unlinkat(dirfd, name, 0) == -1)
		return errno == ENOENT ? 0 : -1;
	return 1;
}

int
prune_logs(const char *arg)
{
	struct env	 e;
	struct passwd	*pw;
	struct dirent	*de;
	struct stat	 sb;
	const char	*errstr = NULL;
	char		 err[512];
	long long	 days = PRUNE_DAYS;
	time_t		 cutoff;
	DIR		*d;
	int		 fd, n = 0, failed = 0, rv;

	if (under_sudo())
		fatalx("--prune-logs: refused under sudo (it removes every "
		    "run's logs); run it as root");
	if (arg != NULL)
		days = strtonum(arg, 1, PRUNE_DAYS_MAX, &errstr);
	if (errstr != NULL)
		fatalx("--prune-logs=%s: the days are %s (1 to %d)", arg,
		    errstr, PRUNE_DAYS_MAX);
	if (env_load(&e, err, sizeof(err)) == -1)
		fatalx("%s", err);
	/* No conversion yet on this host: nothing to do, not an error. */
	if (stat(e.log_dir, &sb) == -1 && errno == ENOENT) {
		printf("no log directory %s: nothing to remove\n", e.log_dir);
		return 0;
	}
	pw = getpwnam(e.user);
	if ((fd = safedir_open("log directory", e.log_dir,
	    pw != NULL ? pw->pw_uid : (uid_t)-1, err, sizeof(err))) == -1)
		fatalx("%s", err);
	if ((d = fdopendir(fd)) == NULL)
		fatal("log directory %s", e.log_dir);
	cutoff = time(NULL) - (time_t)days * 24 * 60 * 60;
	while ((errno = 0, de = readdir(d)) != NULL) {
		if ((rv = prune_one(fd, de->d_name, cutoff)) == -1) {
			log_warn("%s/%s", e.log_dir, de->d_name);
			failed++;
		} else
			n += rv;
	}
	if (errno != 0) {
		log_warn("log directory %s", e.log_dir);
		failed++;
	}
	closedir(d);
	printf("%d conversion log%s older than %lld day%s removed from %s\n",
	    n, n == 1 ? "" : "s", days, days == 1 ? "" : "s", e.log_dir);
	return failed ? 1 : 0;
}
