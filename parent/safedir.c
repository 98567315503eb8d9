/* SPDX-License-Identifier: ISC */
/*
 * Opening a directory we create files in for someone else, without
 * letting anyone who can write along its path choose where that is.
 * The path is walked one component at a time from "/", never following
 * a symbolic link by the kernel: a link is followed here only when the
 * directory that holds it is root's (or, not as root, ours) and written
 * by its owner alone, so an admin's /var/log/vdsm -> /data/log keeps
 * working while a link that vdsm plants in its own /var/log/vdsm is
 * refused.  The directory reached is checked on its descriptor: owned by
 * root or by the one other user named, written by its owner alone.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "parent/parent.h"

#define SAFEDIR_LINKS	40	/* as the kernel's own limit */

struct walk {
	int	 links;
	char	*err;
	size_t	 errlen;
};

/* Only its owner, root or us, can change what a name in it means. */
static int
owner_only(int fd)
{
	struct stat	sb;

	return fstat(fd, &sb) == 0 && (sb.st_uid == 0 ||
	    sb.st_uid == geteuid()) && !(sb.st_mode & (S_IWGRP | S_IWOTH));
}

static int	walk_path(struct walk *, int, const char *);

/* One component: a directory, or a link we may follow.  A new fd. */
static int
walk_one(struct walk *w, int fd, const char *name)
{
	char		target[PATH_MAX];
	struct stat	sb;
	ssize_t		n;

	if (fstatat(fd, name, &sb, AT_SYMLINK_NOFOLLOW) == -1) {
		snprintf(w->err, w->errlen, "%s: %s", name, strerror(errno));
		return -1;
	}
	if (!S_ISLNK(sb.st_mode)) {
		/* Swapped for a link since: O_NOFOLLOW refuses it. */
		if ((fd = openat(fd, name, O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC)) == -1)
			snprintf(w->err, w->errlen, "%s: %s", name,
			    strerror(errno));
		return fd;
	}
	if (!owner_only(fd)) {
		snprintf(w->err, w->errlen, "%s is a symbolic link in a "
		    "directory that is not root's alone", name);
		return -1;
	}
	if (++w->links > SAFEDIR_LINKS ||
	    (n = readlinkat(fd, name, target, sizeof(target) - 1)) == -1 ||
	    n == 0) {
		snprintf(w->err, w->errlen, "%s: %s", name, w->links >
		    SAFEDIR_LINKS ? strerror(ELOOP) : "unreadable link");
		return -1;
	}
	target[n] = '\0';
	return walk_path(w, fd, target);
}

/* path, absolute or relative to fd, to a directory fd (fd is kept). */
static int
walk_path(struct walk *w, int fd, const char *path)
{
	char	 buf[PATH_MAX], *comp, *save = NULL;
	int	 cur, next;

	if (strlcpy(buf, path, sizeof(buf)) >= sizeof(buf)) {
		snprintf(w->err, w->errlen, "%s", strerror(ENAMETOOLONG));
		return -1;
	}
	cur = path[0] == '/' ? open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC) :
	    fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (cur == -1) {
		snprintf(w->err, w->errlen, "%s", strerror(errno));
		return -1;
	}
	for (comp = strtok_r(buf, "/", &save); comp != NULL;
	    comp = strtok_r(NULL, "/", &save)) {
		if (strcmp(comp, ".") == 0)
			continue;
		next = walk_one(w, cur, comp);
		close(cur);
		if (next == -1)
			return -1;
		cur = next;
	}
	return cur;
}

/*
 * The directory at path (absolute), or -1 with one line in err.  It must
 * belong to root or to the user other (-1 for none), and no one else
 * may write in it.
 */
int
safedir_open(const char *what, const char *path, uid_t other, char *err,
    size_t errlen)
{
	struct walk	 w = { 0, NULL, 0 };
	struct stat	 sb;
	char		 why[PATH_MAX + 128];
	int		 fd;

	w.err = why;
	w.errlen = sizeof(why);
	if (path[0] != '/') {
		snprintf(err, errlen, "%s %s: not an absolute path", what, path);
		return -1;
	}
	if ((fd = walk_path(&w, AT_FDCWD, path)) == -1) {
		snprintf(err, errlen, "%s %s: %s", what, path, why);
		return -1;
	}
	if (fstat(fd, &sb) == -1 || (sb.st_mode & (S_IWGRP | S_IWOTH))) {
		close(fd);
		snprintf(err, errlen, "%s %s: must not be writable by group or "
		    "other", what, path);
		return -1;
	}
	if (sb.st_uid != 0 && sb.st_uid != geteuid() &&
	    (other == (uid_t)-1 || sb.st_uid != other)) {
		close(fd);
		snprintf(err, errlen, "%s %s: must belong to root%s", what,
		    path, other != (uid_t)-1 ? " or to the conversion's "
		    "unprivileged user" : "");
		return -1;
	}
	return fd;
}
