/* SPDX-License-Identifier: ISC */
/*
 * /etc/virt-v2v-wrapper.conf: a site's conversion user and group and its
 * log directory.  The file tells root where to write and whom to run
 * virt-v2v as, so only its owner (root, or the user running the wrapper
 * when that is not root) may be able to change it.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "parent/parent.h"

#define SITECONF_MAX	65536	/* more is not a hand-written file */

/* Process lifetime: struct env points here. */
static char	site_user[LOGIN_NAME_MAX];
static char	site_group[LOGIN_NAME_MAX];
static char	site_log_dir[PATH_MAX];

static const struct setting {
	const char	 *key;
	char		 *buf;
	size_t		  len;
	int		  path;	/* an absolute path, not a name */
} settings[] = {
	{ "user", site_user, sizeof(site_user), 0 },
	{ "group", site_group, sizeof(site_group), 0 },
	{ "log_dir", site_log_dir, sizeof(site_log_dir), 1 },
};

static char *
trim(char *s)
{
	char	*e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int
value_ok(const struct setting *st, const char *v)
{
	const char	*p;

	if (*v == '\0' || strlen(v) >= st->len)
		return 0;
	if (st->path)
		return v[0] == '/';
	for (p = v; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && strchr("._-", *p) == NULL)
			return 0;
	return 1;
}

/* One "key = value" line, its comment and blanks already removed. */
static int
setting_set(char *line, const char *path, int n,
    char *err, size_t errlen)
{
	const struct setting	*st;
	char			*eq, *key, *val;
	size_t			 i;

	if ((eq = strchr(line, '=')) == NULL) {
		snprintf(err, errlen, "%s:%d: expected \"key = value\"", path, n);
		return -1;
	}
	*eq = '\0';
	key = trim(line);
	val = trim(eq + 1);
	for (i = 0; i < sizeof(settings) / sizeof(settings[0]); i++)
		if (strcmp(key, settings[i].key) == 0)
			break;
	if (i == sizeof(settings) / sizeof(settings[0])) {
		snprintf(err, errlen, "%s:%d: unknown key \"%.64s\" (user, group "
		    "and log_dir are known)", path, n, key);
		return -1;
	}
	st = &settings[i];
	if (!value_ok(st, val)) {
		snprintf(err, errlen, "%s:%d: %s: expected %s", path, n, key,
		    st->path ? "an absolute path" : "a user or group name");
		return -1;
	}
	strlcpy(st->buf, val, st->len);
	return 0;
}

static int
file_ok(int fd, const char *path, char *err, size_t errlen)
{
	struct stat	sb;

	if (fstat(fd, &sb) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(sb.st_mode))
		snprintf(err, errlen, "%s: not a regular file", path);
	else if (sb.st_uid != 0 && sb.st_uid != geteuid())
		snprintf(err, errlen, "%s: owned by uid %u, not by root", path,
		    (unsigned)sb.st_uid);
	else if (sb.st_mode & (S_IWGRP | S_IWOTH))
		snprintf(err, errlen, "%s: writable by group or others (mode "
		    "%04o)", path, (unsigned)(sb.st_mode & 07777));
	else if (sb.st_size > SITECONF_MAX)
		snprintf(err, errlen, "%s: larger than %d bytes", path,
		    SITECONF_MAX);
	else
		return 0;
	return -1;
}

/*
 * Read the site settings over the defaults in e.  No file is no
 * settings; a file that is unsafe or wrong is an error, never ignored:
 * the admin meant something by it.
 */
int
siteconf_load(const char *path, struct env *e, char *err, size_t errlen)
{
	FILE	*f;
	char	*line = NULL, *c;
	size_t	 cap = 0;
	int	 fd, n = 0, rv = 0;

	err[0] = site_user[0] = site_group[0] = site_log_dir[0] = '\0';
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, errno == ELOOP ?
		    "a symbolic link" : strerror(errno));
		return -1;
	}
	if (file_ok(fd, path, err, errlen) == -1 ||
	    (f = fdopen(fd, "r")) == NULL) {
		if (err[0] == '\0')
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	while (rv == 0 && getline(&line, &cap, f) != -1) {
		n++;
		if ((c = strchr(line, '#')) != NULL)
			*c = '\0';
		c = trim(line);
		if (*c != '\0')
			rv = setting_set(c, path, n, err, errlen);
	}
	if (rv == 0 && ferror(f)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		rv = -1;
	}
	free(line);
	fclose(f);
	if (rv == 0 && site_user[0] != '\0')
		e->user = site_user;
	if (rv == 0 && site_group[0] != '\0')
		e->group = site_group;
	if (rv == 0 && site_log_dir[0] != '\0')
		e->log_dir = site_log_dir;
	return rv;
}
