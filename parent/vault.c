/* SPDX-License-Identifier: ISC */
/*
 * The LUKS keys vault: a JSON object mapping VM names to lists of
 * {"device": "/dev/sdX[N]", "key": "passphrase"}.  Each key becomes a
 * secret file and a "--key DEVICE:file:FILE" argument of virt-v2v.
 *
 * Differences from upstream: root may own the file as well as the
 * conversion user (root reads it anyway); any group or other bit is
 * refused, not only rwx of the file's use; the file is checked before it
 * is opened, so that a device or a FIFO named by the caller is never
 * opened by root; entries are validated, not trusted to have their keys.
 * As upstream, a missing file is no keys, even when the path was given.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "common/log.h"
#include "parent/vault.h"

static int	 vault_missing(const char *, int);
static int	 vault_open(const char *, int, uid_t, int *, size_t *, char *,
		    size_t);
static int	 vault_check(const char *, const struct stat *, uid_t, char *,
		    size_t);
static char	*vault_read(int, size_t, const char *, char *, size_t);
static json_t	*vault_parse(const char *, size_t, const char *, char *,
		    size_t);
static int	 vault_entry(json_t *, const char *, size_t,
		    struct luks_key *, char *, size_t);
static int	 vault_string(json_t *, const char *, const char *, size_t,
		    char **, char *, size_t);

/* Upstream skips LUKS silently, even for a path given explicitly. */
static int
vault_missing(const char *path, int explicit_path)
{
	if (explicit_path)
		log_warnx("luks_keys_vault: %s: no such file, no LUKS keys",
		    path);
	else
		log_debug("luks_keys_vault: %s: no such file", path);
	return 0;
}

/*
 * lstat first so that root never opens a device, FIFO or symlink named by
 * the caller; then open without following and without blocking, and check
 * that what was opened is what was looked at.  Returns 1 with *fdp, 0 for
 * no file, -1 on error.
 */
static int
vault_open(const char *path, int explicit_path, uid_t conv_uid, int *fdp,
    size_t *sizep, char *err, size_t errlen)
{
	struct stat	lst, st;
	int		fd;

	if (lstat(path, &lst) == -1) {
		if (errno == ENOENT)
			return vault_missing(path, explicit_path);
		snprintf(err, errlen, "luks_keys_vault: %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (vault_check(path, &lst, conv_uid, err, errlen) == -1)
		return -1;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd == -1 && errno == ENOENT)
		return vault_missing(path, explicit_path);
	if (fd == -1) {
		snprintf(err, errlen, "luks_keys_vault: %s: %s", path,
		    errno == ELOOP ? "is a symbolic link" : strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "luks_keys_vault: %s: %s", path,
		    strerror(errno));
		close(fd);
		return -1;
	}
	if (vault_check(path, &st, conv_uid, err, errlen) == -1) {
		close(fd);
		return -1;
	}
	if (st.st_dev != lst.st_dev || st.st_ino != lst.st_ino) {
		snprintf(err, errlen, "luks_keys_vault: %s: replaced while "
		    "being opened", path);
		close(fd);
		return -1;
	}
	*fdp = fd;
	*sizep = st.st_size;
	return 1;
}

/* Upstream's order: owner, other, group. */
static int
vault_check(const char *path, const struct stat *st, uid_t conv_uid,
    char *err, size_t errlen)
{
	if (S_ISLNK(st->st_mode))
		snprintf(err, errlen, "luks_keys_vault: %s: is a symbolic "
		    "link", path);
	else if (!S_ISREG(st->st_mode))
		snprintf(err, errlen, "luks_keys_vault: %s: not a regular "
		    "file", path);
	else if (st->st_uid != 0 && st->st_uid != conv_uid)
		snprintf(err, errlen, "luks_keys_vault: %s: owned by uid %u, "
		    "not by root or the conversion user (uid %u)", path,
		    (unsigned)st->st_uid, (unsigned)conv_uid);
	else if (st->st_mode & S_IRWXO)
		snprintf(err, errlen, "luks_keys_vault: %s: other users may "
		    "access it (mode %04o)", path,
		    (unsigned)(st->st_mode & 07777));
	else if (st->st_mode & S_IRWXG)
		snprintf(err, errlen, "luks_keys_vault: %s: the group may "
		    "access it (mode %04o)", path,
		    (unsigned)(st->st_mode & 07777));
	else if (st->st_size > VAULT_MAX)
		snprintf(err, errlen, "luks_keys_vault: %s: larger than 1 MiB",
		    path);
	else
		return 0;
	return -1;
}

/* The whole file, size bytes and a NUL; the caller wipes and frees it. */
static char *
vault_read(int fd, size_t size, const char *path, char *err, size_t errlen)
{
	char	*buf;
	size_t	 len = 0;
	ssize_t	 r;

	if ((buf = malloc(size + 1)) == NULL)
		fatal("vault: malloc");
	/* One byte more than fstat said tells a file that grew. */
	while (len < size + 1) {
		r = read(fd, buf + len, size + 1 - len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			snprintf(err, errlen, "luks_keys_vault: %s: %s", path,
			    strerror(errno));
			break;
		}
		if (r == 0)
			break;
		len += r;
	}
	if (len != size && err[0] == '\0')
		snprintf(err, errlen, "luks_keys_vault: %s: changed while "
		    "being read", path);
	if (err[0] != '\0') {
		explicit_bzero(buf, size + 1);
		free(buf);
		return NULL;
	}
	buf[size] = '\0';
	return buf;
}

/*
 * jansson's error text quotes the input near the error, which here may be
 * a passphrase: only the position goes into the message.
 */
static json_t *
vault_parse(const char *buf, size_t len, const char *path, char *err,
    size_t errlen)
{
	json_error_t	 jerr;
	json_t		*root;

	if ((root = json_loadb(buf, len, JSON_REJECT_DUPLICATES,
	    &jerr)) == NULL) {
		if (json_error_code(&jerr) == json_error_duplicate_key)
			snprintf(err, errlen, "luks_keys_vault: %s: duplicate "
			    "key (line %d)", path, jerr.line);
		else
			snprintf(err, errlen, "luks_keys_vault: %s: not valid "
			    "JSON (line %d, column %d)", path, jerr.line,
			    jerr.column);
		explicit_bzero(&jerr, sizeof(jerr));
		return NULL;
	}
	explicit_bzero(&jerr, sizeof(jerr));
	if (!json_is_object(root)) {
		snprintf(err, errlen, "luks_keys_vault: %s: expected an object "
		    "mapping VM names to lists of keys", path);
		json_decref(root);
		return NULL;
	}
	return root;
}

/* A string member: present, a string, not empty, no NUL, one line. */
static int
vault_string(json_t *e, const char *name, const char *vm, size_t i,
    char **out, char *err, size_t errlen)
{
	json_t		*v = json_object_get(e, name);
	const char	*s;
	size_t		 len;

	if (v == NULL) {
		snprintf(err, errlen, "luks_keys_vault: %s[%zu]: %s is missing",
		    vm, i, name);
		return -1;
	}
	if (!json_is_string(v)) {
		snprintf(err, errlen, "luks_keys_vault: %s[%zu]: %s must be a "
		    "string", vm, i, name);
		return -1;
	}
	s = json_string_value(v);
	len = json_string_length(v);
	if (len == 0) {
		snprintf(err, errlen, "luks_keys_vault: %s[%zu]: %s must not "
		    "be empty", vm, i, name);
		return -1;
	}
	if (strlen(s) != len || strpbrk(s, "\n\r") != NULL) {
		snprintf(err, errlen, "luks_keys_vault: %s[%zu]: %s must not "
		    "contain a NUL or a line break", vm, i, name);
		return -1;
	}
	if ((*out = malloc(len + 1)) == NULL)
		fatal("vault: malloc");
	memcpy(*out, s, len + 1);
	return 0;
}

/* The device goes into "--key DEVICE:file:FILE": no ':' may be in it. */
static int
vault_entry(json_t *e, const char *vm, size_t i, struct luks_key *k,
    char *err, size_t errlen)
{
	const char	*p;

	if (!json_is_object(e)) {
		snprintf(err, errlen, "luks_keys_vault: %s[%zu]: expected an "
		    "object with device and key", vm, i);
		return -1;
	}
	if (vault_string(e, "device", vm, i, &k->device, err, errlen) == -1 ||
	    vault_string(e, "key", vm, i, &k->key, err, errlen) == -1)
		return -1;
	if (strncmp(k->device, "/dev/", 5) != 0 || k->device[5] == '\0') {
		snprintf(err, errlen, "luks_keys_vault: %s[%zu]: device must "
		    "be a path under /dev/", vm, i);
		return -1;
	}
	if (strchr(k->device, ':') != NULL) {
		snprintf(err, errlen, "luks_keys_vault: %s[%zu]: device must "
		    "not contain ':'", vm, i);
		return -1;
	}
	for (p = k->device; *p != '\0'; p++)
		if (iscntrl((unsigned char)*p)) {
			snprintf(err, errlen, "luks_keys_vault: %s[%zu]: "
			    "device must not contain control characters",
			    vm, i);
			return -1;
		}
	return 0;
}

int
vault_load(const char *path, int explicit_path, uid_t conv_uid,
    const char *vm_name, struct luks_key **keys, size_t *nkeys, char *err,
    size_t errlen)
{
	struct luks_key	*k = NULL;
	json_t		*root, *list;
	char		*buf;
	size_t		 size, n = 0, i;
	int		 fd, r;

	*keys = NULL;
	*nkeys = 0;
	if (errlen > 0)
		err[0] = '\0';
	if ((r = vault_open(path, explicit_path, conv_uid, &fd, &size, err,
	    errlen)) <= 0)
		return r;
	buf = vault_read(fd, size, path, err, errlen);
	close(fd);
	if (buf == NULL)
		return -1;
	root = vault_parse(buf, size, path, err, errlen);
	explicit_bzero(buf, size + 1);
	free(buf);
	if (root == NULL)
		return -1;

	/*
	 * Our copies are wiped by vault_free; jansson's copies of the
	 * strings are freed unwiped by json_decref (a wiping allocator for
	 * jansson is another issue's work).
	 */
	if ((list = json_object_get(root, vm_name)) == NULL) {
		log_debug("luks_keys_vault: %s: no keys for this VM", path);
		json_decref(root);
		return 0;
	}
	if (!json_is_array(list)) {
		snprintf(err, errlen, "luks_keys_vault: %s: expected a list of "
		    "objects with device and key", vm_name);
		json_decref(root);
		return -1;
	}
	if ((n = json_array_size(list)) > 0 &&
	    (k = calloc(n, sizeof(*k))) == NULL)
		fatal("vault: calloc");
	for (i = 0; i < n; i++)
		if (vault_entry(json_array_get(list, i), vm_name, i, &k[i],
		    err, errlen) == -1) {
			json_decref(root);
			vault_free(k, n);
			return -1;
		}
	json_decref(root);
	log_debug("luks_keys_vault: %zu key%s for this VM", n,
	    n == 1 ? "" : "s");
	*keys = k;
	*nkeys = n;
	return 0;
}

/* The keys are in their secret files: wiped, the devices kept for the
 * virt-v2v command line.  priv lives as long as the conversion. */
void
vault_forget_keys(struct luks_key *k, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (k[i].key != NULL) {
			explicit_bzero(k[i].key, strlen(k[i].key));
			free(k[i].key);
			k[i].key = NULL;
		}
}

void
vault_free(struct luks_key *k, size_t n)
{
	size_t	i;

	if (k == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(k[i].device);
		if (k[i].key != NULL) {
			explicit_bzero(k[i].key, strlen(k[i].key));
			free(k[i].key);
		}
	}
	explicit_bzero(k, n * sizeof(*k));
	free(k);
}
