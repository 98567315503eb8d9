/* SPDX-License-Identifier: ISC */
/*
 * The virtio-win ISO for install_drivers, as upstream's VDSM host finds it
 * in the oVirt ISO domain, with these deliberate differences:
 *  - a file name must match a pattern whole; upstream anchors only the
 *    start, so "virtio-win-1.9.iso.part" or "virtio-win-1xiso" was an ISO;
 *  - versions compare numerically per component (4.10 > 4.9); upstream
 *    compares strings;
 *  - the walk under the mount root is bounded in depth, entries and time,
 *    follows no symlink and visits subdirectories sorted by name: the root
 *    holds NFS mounts of other machines, one of them may be dead or huge,
 *    and with two ISO domains mounted the choice must not depend on the
 *    file system's order;
 *  - files are regular files, not symlinks, like the directories walked.
 *
 * The bounds do not help once the kernel blocks in a lookup on a dead hard
 * mount; they keep a slow or enormous tree from holding the conversion, and
 * the walk touches no entry it does not need (d_type; fstatat only when the
 * file system leaves it unknown) to make such a lookup less likely.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "parent/iso.h"

#define ISO_IMAGES	"images"
#define ISO_UUID	"11111111-1111-1111-1111-111111111111"
#define WALK_MAXDEPTH	4		/* oVirt mounts domains at 2 or 3 */
#define WALK_BUDGET_S	5
#define WALK_MAXENTRIES	10000
#define META_MAX	(64 * 1024)	/* a domain's metadata is a few lines */

enum walk_stop {
	WALK_RUNNING,
	WALK_NOROOT,
	WALK_EXPIRED,
	WALK_TOOMANY
};

struct walk {
	struct timespec	 deadline;
	size_t		 entries;
	enum walk_stop	 stop;
	int		 rooterr;	/* errno of opening the root */
	int		 domfd;		/* the ISO domain's root, once found */
	char		 path[PATH_MAX];
	char		 dom[PATH_MAX];
};

/* One name pattern of upstream's list; vchars NULL: no version. */
static const struct iso_pattern {
	const char	*prefix;
	const char	*vchars;
	int		 prio;
} iso_patterns[] = {
	{ "rhv-toolssetup_",	"0123456789._",			7 },
	{ "rhv-tools-setup",	NULL,				6 },
	{ "rhev-toolssetup_",	"0123456789._",			5 },
	{ "rhev-tools-setup",	NULL,				4 },
	{ "ovirt-toolssetup_",
	    "abcdefghijklmnopqrstuvwxyz0123456789._-",		3 },
	{ "ovirt-tools-setup",	NULL,				2 },
	{ "virtio-win-",	"0123456789.",			1 },
	{ "virtio-win",		NULL,				0 },
};

static void	 walk_start(struct walk *, const char *);
static int	 walk_over(struct walk *);
static int	 walk_isdir(int, const struct dirent *, int);
static void	 walk_dir(struct walk *, int, int);
static void	 walk_subdir(struct walk *, int, const char *, int);
static int	 walk_domain(struct walk *, int);
static int	 meta_is_iso(int, const char *);
static void	 walk_reason(const struct walk *, char *, size_t);
static int	 iso_match(const char *, const char **, size_t *);
static int	 vercmp(const char *, size_t, const char *, size_t);
static int	 iso_opendir(struct walk *, char *, size_t);
static int	 iso_auto(struct walk *, const char *, char *, size_t, char *,
		    size_t, char *, size_t);
static int	 iso_named(struct walk *, const char *, const char *, char *,
		    size_t, char *, size_t);
static int	 iso_absolute(const char *, char *, size_t, char *, size_t);
static int	 iso_badname(const char *, char *, size_t);

static int
namecmp(const void *a, const void *b)
{
	return strcmp(*(char * const *)a, *(char * const *)b);
}

static void
walk_start(struct walk *w, const char *root)
{
	size_t	len;
	int	fd;

	memset(w, 0, sizeof(*w));
	w->domfd = -1;
	clock_gettime(CLOCK_MONOTONIC, &w->deadline);
	w->deadline.tv_sec += WALK_BUDGET_S;
	len = strlcpy(w->path, root, sizeof(w->path));
	while (len > 1 && w->path[len - 1] == '/')
		w->path[--len] = '\0';
	/* The root is the admin's choice: a symlink there is followed. */
	if ((fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		w->stop = WALK_NOROOT;
		w->rooterr = errno;
		return;
	}
	walk_dir(w, fd, 0);
}

/* Checked before every directory read: the time budget is for them all. */
static int
walk_over(struct walk *w)
{
	struct timespec	now;

	if (w->stop != WALK_RUNNING)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec > w->deadline.tv_sec ||
	    (now.tv_sec == w->deadline.tv_sec &&
	    now.tv_nsec >= w->deadline.tv_nsec)) {
		w->stop = WALK_EXPIRED;
		return 1;
	}
	return 0;
}

/* d_type when the file system gives it: a stat on NFS is a round trip. */
static int
walk_isdir(int dfd, const struct dirent *de, int wantreg)
{
	struct stat	st;
	int		type = de->d_type;

	if (type == DT_UNKNOWN) {
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1)
			return 0;
		type = S_ISDIR(st.st_mode) ? DT_DIR :
		    S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
	}
	return type == (wantreg ? DT_REG : DT_DIR);
}

/*
 * List one directory (fd is ours to close).  A directory with a dom_md
 * subdirectory is a storage domain: ISO or not, nothing below it is
 * another domain, so the walk never enters it (upstream entered dom_md
 * and whatever was not master or images).
 */
static void
walk_dir(struct walk *w, int fd, int depth)
{
	DIR		 *dp;
	struct dirent	 *de;
	char		**sub = NULL, **nsub;
	size_t		  n = 0, i;
	int		  domain = 0;

	if ((dp = fdopendir(fd)) == NULL) {
		log_debug("iso: %s: %s", w->path, strerror(errno));
		close(fd);
		return;
	}
	while (!walk_over(w)) {
		errno = 0;
		if ((de = readdir(dp)) == NULL) {
			if (errno != 0)
				log_debug("iso: %s: %s", w->path,
				    strerror(errno));
			break;
		}
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (++w->entries > WALK_MAXENTRIES) {
			w->stop = WALK_TOOMANY;
			break;
		}
		if (strcmp(de->d_name, "dom_md") == 0) {
			if (walk_isdir(dirfd(dp), de, 0))
				domain = 1;
			continue;
		}
		/* blockSD holds block domains' links: never an ISO domain. */
		if (domain || depth >= WALK_MAXDEPTH ||
		    strcmp(de->d_name, "blockSD") == 0 ||
		    !walk_isdir(dirfd(dp), de, 0))
			continue;
		if ((nsub = reallocarray(sub, n + 1, sizeof(*sub))) == NULL)
			fatal("iso: reallocarray");
		sub = nsub;
		if ((sub[n] = strdup(de->d_name)) == NULL)
			fatal("iso: strdup");
		n++;
	}
	if (domain) {
		if (w->stop == WALK_RUNNING)
			walk_domain(w, dirfd(dp));
	} else {
		if (n > 1)
			qsort(sub, n, sizeof(*sub), namecmp);
		for (i = 0; i < n && w->domfd == -1 && !walk_over(w); i++)
			walk_subdir(w, dirfd(dp), sub[i], depth + 1);
	}
	for (i = 0; i < n; i++)
		free(sub[i]);
	free(sub);
	closedir(dp);
}

static void
walk_subdir(struct walk *w, int dfd, const char *name, int depth)
{
	size_t	len = strlen(w->path);
	int	fd;

	if (len + 1 + strlen(name) >= sizeof(w->path))
		return;
	/* O_NOFOLLOW: a symlink swapped in since readdir is not entered. */
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd == -1) {
		log_debug("iso: %s/%s: %s", w->path, name, strerror(errno));
		return;
	}
	w->path[len] = '/';
	strlcpy(w->path + len + 1, name, sizeof(w->path) - len - 1);
	walk_dir(w, fd, depth);
	w->path[len] = '\0';
}

static int
walk_domain(struct walk *w, int dfd)
{
	if (!meta_is_iso(dfd, w->path)) {
		log_debug("iso: %s: a storage domain, not the ISO domain",
		    w->path);
		return 0;
	}
	if ((w->domfd = fcntl(dfd, F_DUPFD_CLOEXEC, 0)) == -1)
		fatal("iso: fcntl");
	strlcpy(w->dom, w->path, sizeof(w->dom));
	log_debug("iso: ISO domain %s", w->dom);
	return 1;
}

/* dom_md/metadata has a line "CLASS=Iso", trailing white space ignored. */
static int
meta_is_iso(int dfd, const char *path)
{
	struct stat	 st;
	char		*buf, *line, *end, *eol, *next;
	ssize_t		 r = 0;
	size_t		 len = 0;
	int		 mfd, fd, save, iso = 0;

	if ((mfd = openat(dfd, "dom_md", O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) == -1)
		return 0;
	fd = openat(mfd, "metadata", O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC);
	close(mfd);
	save = errno;
	if (fd == -1 || fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		/* No metadata at all is no domain, not worth a warning. */
		if (fd != -1 || save != ENOENT)
			log_warnx("iso: %s/dom_md/metadata: failed to read "
			    "domain metadata", path);
		if (fd != -1)
			close(fd);
		return 0;
	}
	if ((buf = malloc(META_MAX + 1)) == NULL)
		fatal("iso: malloc");
	while (len <= META_MAX) {
		r = read(fd, buf + len, META_MAX + 1 - len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += r;
	}
	close(fd);
	if (r == -1 || len > META_MAX) {
		log_warnx("iso: %s/dom_md/metadata: failed to read domain "
		    "metadata", path);
		free(buf);
		return 0;
	}
	end = buf + len;
	for (line = buf; line < end && !iso; line = next) {
		if ((eol = memchr(line, '\n', end - line)) == NULL)
			eol = end;
		next = eol + 1;
		while (eol > line && isspace((unsigned char)eol[-1]))
			eol--;
		iso = (eol - line == 9 && memcmp(line, "CLASS=Iso", 9) == 0);
	}
	free(buf);
	return iso;
}

static void
walk_reason(const struct walk *w, char *buf, size_t len)
{
	switch (w->stop) {
	case WALK_NOROOT:
		snprintf(buf, len, " (%s)", strerror(w->rooterr));
		break;
	case WALK_EXPIRED:
		snprintf(buf, len, " (the search stopped after %d seconds)",
		    WALK_BUDGET_S);
		break;
	case WALK_TOOMANY:
		snprintf(buf, len, " (the search stopped after %d entries)",
		    WALK_MAXENTRIES);
		break;
	default:
		buf[0] = '\0';
		break;
	}
}

/* The priority of a name, or -1; *ver is its version, "" for none. */
static int
iso_match(const char *name, const char **ver, size_t *vlen)
{
	const struct iso_pattern	*p;
	size_t				 len = strlen(name), plen, mlen, i;

	if (len < 4 || strcasecmp(name + len - 4, ".iso") != 0)
		return -1;
	for (p = iso_patterns; p < iso_patterns + sizeof(iso_patterns) /
	    sizeof(iso_patterns[0]); p++) {
		plen = strlen(p->prefix);
		if (plen > len - 4 || strncasecmp(name, p->prefix, plen) != 0)
			continue;
		mlen = len - 4 - plen;
		if ((p->vchars == NULL) != (mlen == 0))
			continue;
		for (i = 0; i < mlen; i++)
			if (strchr(p->vchars,
			    tolower((unsigned char)name[plen + i])) == NULL)
				break;
		if (i < mlen)
			continue;
		*ver = name + plen;
		*vlen = mlen;
		return p->prio;
	}
	return -1;
}

static int
vsep(int c)
{
	return c == '.' || c == '_' || c == '-';
}

/* Kinds of a version component, in increasing order. */
enum { V_EMPTY, V_ALPHA, V_NUM };

static int
vkind(const char *s, size_t n)
{
	size_t	i;

	if (n == 0)
		return V_EMPTY;
	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return V_ALPHA;
	return V_NUM;
}

/* Numbers by value (any length), words case-insensitively; a number wins. */
static int
vcomp(const char *a, size_t an, const char *b, size_t bn)
{
	int	ka = vkind(a, an), kb = vkind(b, bn), c;

	if (ka != kb)
		return ka < kb ? -1 : 1;
	if (ka == V_NUM) {
		for (; an > 1 && *a == '0'; a++, an--)
			;
		for (; bn > 1 && *b == '0'; b++, bn--)
			;
		if (an != bn)
			return an < bn ? -1 : 1;
		c = memcmp(a, b, an);
	} else {
		c = strncasecmp(a, b, an < bn ? an : bn);
		if (c == 0)
			c = (an > bn) - (an < bn);
	}
	return (c > 0) - (c < 0);
}

/* No version is lower than any; then component by component. */
static int
vercmp(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t	i = 0, j = 0, ai, bj;
	int	c;

	if (alen == 0 || blen == 0)
		return (alen > 0) - (blen > 0);
	for (;;) {
		for (ai = i; ai < alen && !vsep(a[ai]); ai++)
			;
		for (bj = j; bj < blen && !vsep(b[bj]); bj++)
			;
		if ((c = vcomp(a + i, ai - i, b + j, bj - j)) != 0)
			return c;
		if (ai == alen || bj == blen)
			return (ai < alen) - (bj < blen);
		i = ai + 1;
		j = bj + 1;
	}
}

int
iso_version_cmp(const char *a, const char *b)
{
	return vercmp(a, strlen(a), b, strlen(b));
}

/* Open DOMAIN/images/1111...; dir gets its path for messages. */
static int
iso_opendir(struct walk *w, char *dir, size_t dirlen)
{
	int	ifd, fd, save;

	if ((size_t)snprintf(dir, dirlen, "%s/%s/%s", w->dom, ISO_IMAGES,
	    ISO_UUID) >= dirlen) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((ifd = openat(w->domfd, ISO_IMAGES, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) == -1)
		return -1;
	fd = openat(ifd, ISO_UUID, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	save = errno;
	close(ifd);
	errno = save;
	return fd;
}

/*
 * The best regular file of the ISO directory: highest priority, then
 * highest version, then, only so that the result does not depend on the
 * directory's order, the greatest name.  Nothing is not an error.
 */
static int
iso_auto(struct walk *w, const char *root, char *out, size_t outlen,
    char *warn, size_t warnlen, char *err, size_t errlen)
{
	DIR		*dp;
	struct dirent	*de;
	char		 dir[PATH_MAX], why[128], best[NAME_MAX + 1] = "";
	const char	*ver;
	size_t		 vlen, bestoff = 0, bestvlen = 0;
	int		 fd, prio, bestprio = -1, c;

	if (w->domfd == -1) {
		walk_reason(w, why, sizeof(why));
		snprintf(warn, warnlen, "install_drivers: no ISO domain found "
		    "under %s%s, drivers are not installed", root, why);
		return 0;
	}
	if ((fd = iso_opendir(w, dir, sizeof(dir))) == -1 ||
	    (dp = fdopendir(fd)) == NULL) {
		snprintf(warn, warnlen, "install_drivers: %s: %s, drivers are "
		    "not installed", dir, strerror(errno));
		if (fd != -1)
			close(fd);
		return 0;
	}
	while (!walk_over(w)) {
		errno = 0;
		if ((de = readdir(dp)) == NULL) {
			if (errno != 0)
				log_debug("iso: %s: %s", dir, strerror(errno));
			break;
		}
		if (++w->entries > WALK_MAXENTRIES) {
			w->stop = WALK_TOOMANY;
			break;
		}
		if ((prio = iso_match(de->d_name, &ver, &vlen)) < 0 ||
		    prio < bestprio)
			continue;
		if (prio == bestprio && ((c = vercmp(ver, vlen,
		    best + bestoff, bestvlen)) < 0 ||
		    (c == 0 && strcmp(de->d_name, best) <= 0)))
			continue;
		/* Only a candidate costs a stat, and only without d_type. */
		if (!walk_isdir(dirfd(dp), de, 1))
			continue;
		bestprio = prio;
		bestoff = ver - de->d_name;
		bestvlen = vlen;
		strlcpy(best, de->d_name, sizeof(best));
	}
	closedir(dp);
	if (w->stop != WALK_RUNNING) {
		walk_reason(w, why, sizeof(why));
		snprintf(warn, warnlen, "install_drivers: %s: not read%s, "
		    "drivers are not installed", dir, why);
		return 0;
	}
	if (bestprio == -1) {
		snprintf(warn, warnlen, "install_drivers: no virtio-win or "
		    "guest tools ISO in %s, drivers are not installed", dir);
		return 0;
	}
	if ((size_t)snprintf(out, outlen, "%s/%s", dir, best) >= outlen) {
		out[0] = '\0';
		snprintf(err, errlen, "install_drivers: %s/%s: path too long",
		    dir, best);
		return -1;
	}
	log_info("install_drivers: using %s", out);
	return 0;
}

static int
iso_named(struct walk *w, const char *root, const char *name, char *out,
    size_t outlen, char *err, size_t errlen)
{
	struct stat	st;
	char		dir[PATH_MAX], why[128];
	int		fd, r;

	if (w->domfd == -1) {
		walk_reason(w, why, sizeof(why));
		snprintf(err, errlen, "virtio_win: no ISO domain found under "
		    "%s%s", root, why);
		return -1;
	}
	if ((fd = iso_opendir(w, dir, sizeof(dir))) == -1) {
		snprintf(err, errlen, "virtio_win: %s: %s", dir,
		    strerror(errno));
		return -1;
	}
	r = fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW);
	close(fd);
	if (r == -1) {
		snprintf(err, errlen, "virtio_win: %s/%s: %s", dir, name,
		    strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "virtio_win: %s/%s: not a regular file",
		    dir, name);
		return -1;
	}
	if ((size_t)snprintf(out, outlen, "%s/%s", dir, name) >= outlen) {
		out[0] = '\0';
		snprintf(err, errlen, "virtio_win: %s/%s: path too long", dir,
		    name);
		return -1;
	}
	return 0;
}

/* An absolute path is the admin's: symlinks are followed, as by stat. */
static int
iso_absolute(const char *name, char *out, size_t outlen, char *err,
    size_t errlen)
{
	struct stat	st;

	if (stat(name, &st) == -1) {
		snprintf(err, errlen, "virtio_win: %s: %s", name,
		    strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "virtio_win: %s: not a regular file",
		    name);
		return -1;
	}
	if (strlcpy(out, name, outlen) >= outlen) {
		out[0] = '\0';
		snprintf(err, errlen, "virtio_win: %s: path too long", name);
		return -1;
	}
	return 0;
}

/* Errors are one line: a name with a control character is refused. */
static int
iso_badname(const char *name, char *err, size_t errlen)
{
	const char	*p;

	if (*name == '\0') {
		snprintf(err, errlen, "virtio_win: must not be empty");
		return 1;
	}
	for (p = name; *p != '\0'; p++)
		if (iscntrl((unsigned char)*p)) {
			snprintf(err, errlen, "virtio_win: must not contain "
			    "control characters");
			return 1;
		}
	if (name[0] == '/')
		return 0;
	if (strchr(name, '/') != NULL) {
		snprintf(err, errlen, "virtio_win: a bare file name must not "
		    "contain '/'");
		return 1;
	}
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
		snprintf(err, errlen, "virtio_win: a bare file name must not "
		    "be '.' or '..'");
		return 1;
	}
	return 0;
}

int
iso_find(const char *root, const char *name, char *out, size_t outlen,
    char *warn, size_t warnlen, char *err, size_t errlen)
{
	struct walk	*w;
	int		 rv;

	if (outlen > 0)
		out[0] = '\0';
	if (warnlen > 0)
		warn[0] = '\0';
	if (errlen > 0)
		err[0] = '\0';
	if (name != NULL && iso_badname(name, err, errlen))
		return -1;
	if (name != NULL && name[0] == '/')
		return iso_absolute(name, out, outlen, err, errlen);
	/* Two PATH_MAX buffers: better on the heap than on the stack. */
	if ((w = malloc(sizeof(*w))) == NULL)
		fatal("iso: malloc");
	walk_start(w, root);
	if (name == NULL)
		rv = iso_auto(w, root, out, outlen, warn, warnlen, err,
		    errlen);
	else
		rv = iso_named(w, root, name, out, outlen, err, errlen);
	if (w->domfd != -1)
		close(w->domfd);
	free(w);
	return rv;
}
