/* SPDX-License-Identifier: ISC */
/*
 * Regress for parent/vault.c: which files are refused (mode, owner,
 * symlink, directory, FIFO, size), what is read from a good one, and the
 * error line for each malformed entry.  The owner checks that need chown
 * run as root only and say skip otherwise.
 */

#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parent/vault.h"

#define OTHER_UID	4242	/* neither root nor the conversion user */

static int		 nchecks, npassed, nfailed, nskipped;
static char		 top[64];
static char		 err[1024];
static struct luks_key	*keys;
static size_t		 nkeys;

static void	 check(int, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static void	 skip(const char *, const char *);
static void	 pathf(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static void	 die(const char *, const char *);
static void	 writef(const char *, const char *, size_t, mode_t);
static void	 writes(const char *, const char *);
static int	 load(const char *, uid_t, const char *);
static void	 expect_err(const char *, const char *, const char *);
static void	 expect_prefix(const char *, const char *, const char *);
static void	 test_good(void);
static void	 test_modes(void);
static void	 test_types(void);
static void	 test_owner(void);
static void	 test_malformed(void);
static void	 test_size(void);
static int	 rm_one(const char *, const struct stat *, int, struct FTW *);

static void
check(int ok, const char *fmt, ...)
{
	va_list	ap;

	nchecks++;
	if (ok)
		npassed++;
	else
		nfailed++;
	printf("%sok %d - ", ok ? "" : "not ", nchecks);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static void
skip(const char *what, const char *why)
{
	nchecks++;
	nskipped++;
	printf("skip %d - %s: %s\n", nchecks, what, why);
	fflush(stdout);
}

/* snprintf that dies on truncation: a cut path would test another file. */
static void
pathf(char *buf, size_t len, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len) {
		fprintf(stderr, "vault_test: too long: %s\n", buf);
		exit(2);
	}
}

/* Setup that fails is a broken test machine, not a failed check. */
static void
die(const char *what, const char *path)
{
	fprintf(stderr, "vault_test: %s %s: %s\n", what, path,
	    strerror(errno));
	exit(2);
}

/* A new file with exactly these bytes and this mode (umask aside). */
static void
writef(const char *path, const char *buf, size_t len, mode_t mode)
{
	int	fd;

	unlink(path);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600)) == -1)
		die("open", path);
	if (len > 0 && write(fd, buf, len) != (ssize_t)len)
		die("write", path);
	if (fchmod(fd, mode) == -1)
		die("fchmod", path);
	if (close(fd) == -1)
		die("close", path);
}

/* A 0600 file holding the string s. */
static void
writes(const char *path, const char *s)
{
	writef(path, s, strlen(s), 0600);
}

static int
load(const char *path, uid_t conv_uid, const char *vm)
{
	vault_free(keys, nkeys);
	keys = NULL;
	nkeys = 0;
	return vault_load(path, 1, conv_uid, vm, &keys, &nkeys, err,
	    sizeof(err));
}

/* path's vault for "my_vm" fails with exactly want. */
static void
expect_err(const char *path, const char *want, const char *what)
{
	int	rv;

	rv = load(path, getuid(), "my_vm");
	check(rv == -1 && strcmp(err, want) == 0 && keys == NULL &&
	    nkeys == 0, "%s", what);
	if (strcmp(err, want) != 0)
		printf("# got \"%s\"\n# want \"%s\"\n", err, want);
}

static const char good[] =
    "{\"other_vm\": [{\"device\": \"/dev/sdz\", \"key\": \"zzz\"}],\n"
    " \"my_vm\": [{\"device\": \"/dev/sda1\", \"key\": \"p4ss w0rd\"},\n"
    "           {\"device\": \"/dev/sdb\", \"key\": \"s\\u00e9cr\\\"et\","
    " \"note\": \"extra members are ignored\"}]}\n";

/* Like expect_err, for a message that only has to start with want. */
static void
expect_prefix(const char *path, const char *want, const char *what)
{
	int	rv;

	rv = load(path, getuid(), "my_vm");
	check(rv == -1 && strncmp(err, want, strlen(want)) == 0 &&
	    strchr(err, '\n') == NULL && keys == NULL && nkeys == 0,
	    "%s", what);
	if (strncmp(err, want, strlen(want)) != 0)
		printf("# got \"%s\"\n# want \"%s...\"\n", err, want);
}

static void
test_good(void)
{
	char	p[128];
	int	rv;

	pathf(p, sizeof(p), "%s/good.json", top);
	writef(p, good, sizeof(good) - 1, 0600);
	rv = load(p, getuid(), "my_vm");
	check(rv == 0 && err[0] == '\0' && nkeys == 2,
	    "good: mode 0600, two keys for my_vm");
	check(nkeys == 2 && strcmp(keys[0].device, "/dev/sda1") == 0 &&
	    strcmp(keys[0].key, "p4ss w0rd") == 0 &&
	    strcmp(keys[1].device, "/dev/sdb") == 0 &&
	    strcmp(keys[1].key, "s\xc3\xa9" "cr\"et") == 0,
	    "good: the exact devices and keys, in order");

	rv = load(p, getuid(), "absent_vm");
	check(rv == 0 && nkeys == 0 && keys == NULL && err[0] == '\0',
	    "good: a VM not in the vault has no keys");

	pathf(p, sizeof(p), "%s/missing.json", top);
	rv = load(p, getuid(), "my_vm");
	check(rv == 0 && nkeys == 0 && keys == NULL && err[0] == '\0',
	    "missing file, explicit path: no keys, no error");
	rv = vault_load(p, 0, getuid(), "my_vm", &keys, &nkeys, err,
	    sizeof(err));
	check(rv == 0 && nkeys == 0 && keys == NULL && err[0] == '\0',
	    "missing file, default path: no keys, no error");

	pathf(p, sizeof(p), "%s/empty-list.json", top);
	writes(p, "{\"my_vm\": []}");
	rv = load(p, getuid(), "my_vm");
	check(rv == 0 && nkeys == 0 && err[0] == '\0',
	    "an empty list: no keys");
}

static void
test_modes(void)
{
	char	p[128], want[256];

	pathf(p, sizeof(p), "%s/g.json", top);
	writef(p, good, sizeof(good) - 1, 0640);
	pathf(want, sizeof(want), "luks_keys_vault: %s: the group may access "
	    "it (mode 0640)", p);
	expect_err(p, want, "mode 0640 is refused");

	writef(p, good, sizeof(good) - 1, 0610);
	pathf(want, sizeof(want), "luks_keys_vault: %s: the group may access "
	    "it (mode 0610)", p);
	expect_err(p, want, "mode 0610 is refused");

	pathf(p, sizeof(p), "%s/o.json", top);
	writef(p, good, sizeof(good) - 1, 0604);
	pathf(want, sizeof(want), "luks_keys_vault: %s: other users may "
	    "access it (mode 0604)", p);
	expect_err(p, want, "mode 0604 is refused");

	writef(p, good, sizeof(good) - 1, 0400);
	check(load(p, getuid(), "my_vm") == 0 && nkeys == 2,
	    "mode 0400 is accepted");
}

static void
test_types(void)
{
	char	p[128], t[128], want[256];

	pathf(t, sizeof(t), "%s/good.json", top);
	pathf(p, sizeof(p), "%s/link.json", top);
	if (symlink(t, p) == -1)
		die("symlink", p);
	pathf(want, sizeof(want), "luks_keys_vault: %s: is a symbolic link",
	    p);
	expect_err(p, want, "a symlink to a good vault is refused");

	pathf(p, sizeof(p), "%s/dangling.json", top);
	pathf(t, sizeof(t), "%s/nowhere.json", top);
	if (symlink(t, p) == -1)
		die("symlink", p);
	pathf(want, sizeof(want), "luks_keys_vault: %s: is a symbolic link",
	    p);
	expect_err(p, want, "a dangling symlink is refused, not taken as "
	    "missing");

	pathf(p, sizeof(p), "%s/dir.json", top);
	if (mkdir(p, 0700) == -1)
		die("mkdir", p);
	pathf(want, sizeof(want), "luks_keys_vault: %s: not a regular file",
	    p);
	expect_err(p, want, "a directory is refused");

	/* A FIFO without a writer: opening it blocking would hang here. */
	pathf(p, sizeof(p), "%s/fifo.json", top);
	if (mkfifo(p, 0600) == -1)
		die("mkfifo", p);
	pathf(want, sizeof(want), "luks_keys_vault: %s: not a regular file",
	    p);
	alarm(10);
	expect_err(p, want, "a FIFO is refused without blocking");
	alarm(0);
}

/*
 * Without root, the file is ours: a conversion uid other than ours and
 * not 0 is refused.  As root, chown makes the other cases.
 */
static void
test_owner(void)
{
	char	p[128], want[256];
	uid_t	me = getuid();

	pathf(p, sizeof(p), "%s/owner.json", top);
	writef(p, good, sizeof(good) - 1, 0600);
	if (me != 0) {
		pathf(want, sizeof(want), "luks_keys_vault: %s: owned by uid "
		    "%u, not by root or the conversion user (uid %u)", p,
		    (unsigned)me, (unsigned)me + 1);
		check(load(p, me + 1, "my_vm") == -1 &&
		    strcmp(err, want) == 0 && keys == NULL,
		    "owner: our file, another conversion uid: refused");
		skip("owner: root-owned file accepted", "not root");
		skip("owner: chown to another uid refused", "not root");
		skip("owner: chown to the conversion uid accepted",
		    "not root");
		return;
	}
	check(load(p, OTHER_UID, "my_vm") == 0 && nkeys == 2,
	    "owner: a root-owned file is accepted for any conversion uid");
	if (chown(p, OTHER_UID, -1) == -1)
		die("chown", p);
	pathf(want, sizeof(want), "luks_keys_vault: %s: owned by uid %u, not "
	    "by root or the conversion user (uid 36)", p, OTHER_UID);
	check(load(p, 36, "my_vm") == -1 && strcmp(err, want) == 0 &&
	    keys == NULL, "owner: owned by another uid: refused");
	if (strcmp(err, want) != 0)
		printf("# got \"%s\"\n", err);
	check(load(p, OTHER_UID, "my_vm") == 0 && nkeys == 2,
	    "owner: owned by the conversion uid: accepted");
	skip("owner: our file, another conversion uid", "run as root");
}

static void
test_malformed(void)
{
	static const struct {
		const char	*json, *want, *what;
	} m[] = {
		{ "{\"my_vm\": [{\"device\": \"/dev/sda\"}]}",
		  "my_vm[0]: key is missing", "missing key" },
		{ "{\"my_vm\": [{\"key\": \"k\"}]}",
		  "my_vm[0]: device is missing", "missing device" },
		{ "{\"my_vm\": [{\"device\": \"/dev/sda\", \"key\": \"k\"},"
		  " {\"device\": 1, \"key\": \"k\"}]}",
		  "my_vm[1]: device must be a string",
		  "non-string device" },
		{ "{\"my_vm\": [{\"device\": \"/dev/sda\", \"key\": null}]}",
		  "my_vm[0]: key must be a string", "null key" },
		{ "{\"my_vm\": [{\"device\": \"/dev/sda:1\", \"key\": \"k\"}]}",
		  "my_vm[0]: device must not contain ':'", "':' in device" },
		{ "{\"my_vm\": [{\"device\": \"sda\", \"key\": \"k\"}]}",
		  "my_vm[0]: device must be a path under /dev/",
		  "device not under /dev/" },
		{ "{\"my_vm\": [{\"device\": \"/dev/\", \"key\": \"k\"}]}",
		  "my_vm[0]: device must be a path under /dev/",
		  "device /dev/ alone" },
		{ "{\"my_vm\": [{\"device\": \"/dev/sda\", \"key\": \"\"}]}",
		  "my_vm[0]: key must not be empty", "empty key" },
		{ "{\"my_vm\": [{\"device\": \"\", \"key\": \"k\"}]}",
		  "my_vm[0]: device must not be empty", "empty device" },
		{ "{\"my_vm\": [{\"device\": \"/dev/sda\", "
		  "\"key\": \"a\\nb\"}]}",
		  "my_vm[0]: key must not contain a NUL or a line break",
		  "line break in key" },
		{ "{\"my_vm\": [{\"device\": \"/dev/sd\\ta\", "
		  "\"key\": \"k\"}]}",
		  "my_vm[0]: device must not contain control characters",
		  "tab in device" },
		{ "{\"my_vm\": [\"/dev/sda:k\"]}",
		  "my_vm[0]: expected an object with device and key",
		  "entry not an object" },
		{ "{\"my_vm\": {\"device\": \"/dev/sda\", \"key\": \"k\"}}",
		  "my_vm: expected a list of objects with device and key",
		  "VM value not a list" },
	};
	static const struct {
		const char	*json, *want, *what;
	} f[] = {
		{ "{\"my_vm\": [], \"my_vm\": []}",
		  "duplicate key (line 1)", "duplicate VM names" },
		{ "{\"my_vm\": [{\"device\": \"/dev/sda\", \"key\": \"a\",\n"
		  "\"key\": \"b\"}]}",
		  "duplicate key (line 2)", "duplicate key in an entry" },
		{ "my_vm: /dev/sda secret",
		  "not valid JSON (line 1, column ", "not JSON" },
		{ "",
		  "not valid JSON (line 1, column 0)", "an empty file" },
		{ "{\"my_vm\": [{\"device\": \"/dev/sda\", "
		  "\"key\": \"a\\u0000b\"}]}",
		  "not valid JSON (line 1, column ", "NUL in a key" },
		{ "[{\"device\": \"/dev/sda\", \"key\": \"k\"}]",
		  "expected an object mapping VM names to lists of keys",
		  "top level not an object" },
	};
	char	p[128], want[512];
	size_t	i;

	pathf(p, sizeof(p), "%s/bad.json", top);
	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		writes(p, m[i].json);
		pathf(want, sizeof(want), "luks_keys_vault: %s", m[i].want);
		expect_err(p, want, m[i].what);
	}
	/* The column is jansson's; where it may vary only its start is. */
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		writes(p, f[i].json);
		pathf(want, sizeof(want), "luks_keys_vault: %s: %s", p,
		    f[i].want);
		if (want[strlen(want) - 1] == ' ')
			expect_prefix(p, want, f[i].what);
		else
			expect_err(p, want, f[i].what);
	}

	/* jansson quotes the input near an error; a key must not leak. */
	writes(p, "{\"my_vm\": [{\"device\": \"/dev/sda\", \"key\": "
	    "TOPSECRET}]}");
	check(load(p, getuid(), "my_vm") == -1 &&
	    strstr(err, "TOPSECRET") == NULL && err[0] != '\0',
	    "a parse error does not quote the input");
	if (strstr(err, "TOPSECRET") != NULL)
		printf("# got \"%s\"\n", err);

	/* A broken entry of another VM does not matter. */
	writes(p, "{\"x\": [1], \"my_vm\": []}");
	check(load(p, getuid(), "my_vm") == 0 && nkeys == 0,
	    "another VM's malformed entry is not looked at");
}

/* Exactly 1 MiB of valid JSON is read; one byte more is refused. */
static void
test_size(void)
{
	static const char	 head[] = "{\"my_vm\": [{\"device\": "
	    "\"/dev/sda\", \"key\": \"k\"}], \"pad\": \"";
	char			*buf, p[128], want[256];
	size_t			 n = VAULT_MAX;

	if ((buf = malloc(n + 1)) == NULL)
		die("malloc", "");
	memset(buf, 'x', n + 1);
	memcpy(buf, head, sizeof(head) - 1);
	memcpy(buf + n - 2, "\"}", 2);
	pathf(p, sizeof(p), "%s/big.json", top);
	writef(p, buf, n, 0600);
	check(load(p, getuid(), "my_vm") == 0 && nkeys == 1,
	    "a vault of exactly 1 MiB is read");
	if (err[0] != '\0')
		printf("# got \"%s\"\n", err);

	memcpy(buf + n - 2, "x\"}", 3);
	writef(p, buf, n + 1, 0600);
	pathf(want, sizeof(want), "luks_keys_vault: %s: larger than 1 MiB", p);
	expect_err(p, want, "a vault over 1 MiB is refused");
	free(buf);
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	if (remove(path) == -1)
		die("remove", path);
	return 0;
}

int
main(void)
{
	strlcpy(top, "/tmp/vault_test.XXXXXX", sizeof(top));
	if (mkdtemp(top) == NULL)
		die("mkdtemp", top);

	test_good();
	test_modes();
	test_types();
	test_owner();
	test_malformed();
	test_size();

	vault_free(keys, nkeys);
	if (nftw(top, rm_one, 16, FTW_DEPTH | FTW_PHYS) == -1)
		die("nftw", top);
	printf("%d passed, %d failed, %d skipped\n", npassed, nfailed,
	    nskipped);
	return nfailed == 0 ? 0 : 1;
}
