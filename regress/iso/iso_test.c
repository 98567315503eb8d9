/* SPDX-License-Identifier: ISC */
/*
 * Regress for parent/iso.c: the ISO domain walk (storage domains, blockSD,
 * symlinks, the depth bound), the choice of the best ISO, named and
 * absolute virtio_win, and the version comparison, on a tree built under
 * /tmp.
 */

#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parent/iso.h"

#define ISO_UUID	"11111111-1111-1111-1111-111111111111"
#define DOM_UUID	"5e1a3f0c-7b1d-4c3e-9a55-0d2f6c8b1e01"

static int	 nchecks, npassed, nfailed;
static char	 top[64], mnt[256], isodir[512];
static char	 out[4096], warn[1024], err[1024];

static void	 check(int, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static void	 pathf(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static void	 diag(const char *, const char *);
static void	 die(const char *, const char *);
static void	 mkdirs(const char *);
static void	 writef(const char *, const char *);
static void	 symlinkf(const char *, const char *);
static void	 mkdomain(const char *, const char *);
static void	 set_isos(const char *const *);
static int	 rm_one(const char *, const struct stat *, int, struct FTW *);
static void	 rmtree(const char *);
static int	 run(const char *, const char *);
static void	 expect_auto(const char *const *, const char *, const char *);
static void	 test_ordering(void);
static void	 test_walk(void);
static void	 test_named(void);
static void	 test_absolute(void);
static void	 test_nodomain(void);
static void	 test_depth(void);
static void	 test_version(void);

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
		fprintf(stderr, "iso_test: path too long: %s\n", buf);
		exit(2);
	}
}

static void
diag(const char *what, const char *s)
{
	printf("# %s: \"%s\"\n", what, s);
}

/* Setup that fails is a broken test machine, not a failed check. */
static void
die(const char *what, const char *path)
{
	fprintf(stderr, "iso_test: %s %s: %s\n", what, path, strerror(errno));
	exit(2);
}

static void
mkdirs(const char *path)
{
	char	buf[1024], *p, c;

	if (strlcpy(buf, path, sizeof(buf)) >= sizeof(buf))
		die("too long", path);
	for (p = buf + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		c = *p;
		*p = '\0';
		if (mkdir(buf, 0755) == -1 && errno != EEXIST)
			die("mkdir", buf);
		if ((*p = c) == '\0')
			break;
	}
}

static void
writef(const char *path, const char *text)
{
	FILE	*fp;

	if ((fp = fopen(path, "w")) == NULL)
		die("fopen", path);
	fputs(text, fp);
	if (fclose(fp) == EOF)
		die("fclose", path);
}

static void
symlinkf(const char *target, const char *path)
{
	if (symlink(target, path) == -1)
		die("symlink", path);
}

/* A storage domain at dir: dom_md/metadata with meta, an empty ISO dir. */
static void
mkdomain(const char *dir, const char *meta)
{
	char	p[1024];

	pathf(p, sizeof(p), "%s/dom_md", dir);
	mkdirs(p);
	pathf(p, sizeof(p), "%s/dom_md/metadata", dir);
	writef(p, meta);
	pathf(p, sizeof(p), "%s/images/%s", dir, ISO_UUID);
	mkdirs(p);
	pathf(p, sizeof(p), "%s/master/vms", dir);
	mkdirs(p);
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

static void
rmtree(const char *path)
{
	if (nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS) == -1 &&
	    errno != ENOENT)
		die("nftw", path);
}

/* Empty the main ISO directory, then create these regular files. */
static void
set_isos(const char *const *names)
{
	char	p[1024];

	rmtree(isodir);
	mkdirs(isodir);
	for (; *names != NULL; names++) {
		pathf(p, sizeof(p), "%s/%s", isodir, *names);
		writef(p, "iso");
	}
}

static int
run(const char *root, const char *name)
{
	return iso_find(root, name, out, sizeof(out), warn, sizeof(warn), err,
	    sizeof(err));
}

static void
expect_auto(const char *const *names, const char *want, const char *why)
{
	char	path[1024];
	int	rv;

	set_isos(names);
	pathf(path, sizeof(path), "%s/%s", isodir, want);
	rv = run(mnt, NULL);
	check(rv == 0 && strcmp(out, path) == 0 && warn[0] == '\0' &&
	    err[0] == '\0', "auto: %s -> %s", why, want);
	if (rv != 0 || strcmp(out, path) != 0) {
		diag("out", out);
		diag("warn", warn);
		diag("err", err);
	}
}

/*
 * Upstream's test_tools_iso_ordering cases, unchanged: every one gives the
 * same answer with numeric versions and whole-name matching.  The cases
 * after them are where this implementation differs on purpose.
 */
static void
test_ordering(void)
{
	static const char *const c1[] = { "a.iso", "virtio-win-123.iso",
	    "b.iso", NULL };
	static const char *const c2[] = { "RHEV-toolsSetup_123.iso",
	    "virtio-win-123.iso", NULL };
	static const char *const c3[] = { "virtio-win-123.iso",
	    "RHEV-toolsSetup_123.iso", NULL };
	static const char *const c4[] = { "RHEV-toolsSetup_123.iso",
	    "virtio-win-123.iso", "RHEV-toolsSetup_234.iso", NULL };
	static const char *const c5[] = { "RHEV-toolsSetup_234.iso",
	    "virtio-win-123.iso", "RHEV-toolsSetup_123.iso", NULL };
	static const char *const c6[] = { "rhv-tools-setup.iso",
	    "virtio-win-123.iso", NULL };
	static const char *const c7[] = { "RHEV-toolsSetup_4.0_3.iso",
	    "RHEV-toolsSetup_4.0_2.iso", NULL };
	static const char *const c8[] = { "RHEV-toolsSetup_4.0_3.iso",
	    "RHEV-toolsSetup_4.1_3.iso", NULL };
	/* Upstream compared strings and chose 4.9. */
	static const char *const d1[] = { "RHV-toolsSetup_4.9.iso",
	    "RHV-toolsSetup_4.10.iso", NULL };
	/* Upstream matched the start only and chose the .part file. */
	static const char *const d2[] = { "virtio-win-1.9.iso.part",
	    "virtio-win.iso", NULL };
	/* Upstream's unescaped dot took "xiso" for ".iso". */
	static const char *const d3[] = { "virtio-win-1.2xiso",
	    "virtio-win.iso", NULL };
	static const char *const e1[] = { "VIRTIO-WIN.ISO", "c.iso", NULL };
	static const char *const e2[] = { "virtio-win.iso",
	    "virtio-win-0.1.iso", "ovirt-tools-setup.iso",
	    "oVirt-toolsSetup_4.4.iso", "rhev-tools-setup.iso",
	    "RHEV-toolsSetup_4.4.iso", "rhv-tools-setup.iso",
	    "RHV-toolsSetup_4.4.iso", NULL };
	static const char *const e3[] = { "virtio-win.iso",
	    "virtio-win-0.1.iso", "ovirt-tools-setup.iso",
	    "oVirt-toolsSetup_4.4.iso", "rhev-tools-setup.iso", NULL };
	static const char *const e4[] = { "oVirt-toolsSetup_4.2-1.el7.iso",
	    "oVirt-toolsSetup_4.2-10.el7.iso", NULL };
	static const char *const e5[] = { "RHV-toolsSetup_4.1.iso",
	    "RHV-toolsSetup_4.1.1.iso", NULL };
	static const char *const e6[] = { "RHV-toolsSetup_4.01.iso",
	    "RHV-toolsSetup_4.1.iso", NULL };
	static const char *const none[] = { "a.iso", "b.iso",
	    "virtio-win-.iso", "RHV-toolsSetup_.iso", NULL };
	char	p[1024];

	expect_auto(c1, "virtio-win-123.iso", "upstream case 1");
	expect_auto(c2, "RHEV-toolsSetup_123.iso", "upstream case 2");
	expect_auto(c3, "RHEV-toolsSetup_123.iso", "upstream case 3");
	expect_auto(c4, "RHEV-toolsSetup_234.iso", "upstream case 4");
	expect_auto(c5, "RHEV-toolsSetup_234.iso", "upstream case 5");
	expect_auto(c6, "rhv-tools-setup.iso", "upstream case 6");
	expect_auto(c7, "RHEV-toolsSetup_4.0_3.iso", "upstream case 7");
	expect_auto(c8, "RHEV-toolsSetup_4.1_3.iso", "upstream case 8");
	expect_auto(d1, "RHV-toolsSetup_4.10.iso",
	    "numeric version (upstream: 4.9)");
	expect_auto(d2, "virtio-win.iso",
	    "whole name (upstream: the .part file)");
	expect_auto(d3, "virtio-win.iso",
	    "literal .iso (upstream: virtio-win-1.2xiso)");
	expect_auto(e1, "VIRTIO-WIN.ISO", "case-insensitive");
	expect_auto(e2, "RHV-toolsSetup_4.4.iso", "all eight, priority 7");
	expect_auto(e3, "rhev-tools-setup.iso", "priorities 0-4, priority 4");
	expect_auto(e4, "oVirt-toolsSetup_4.2-10.el7.iso",
	    "oVirt version with a release");
	expect_auto(e5, "RHV-toolsSetup_4.1.1.iso", "a longer version wins");
	expect_auto(e6, "RHV-toolsSetup_4.1.iso",
	    "equal versions: the greater name, whatever the order");

	/* A directory and a symlink with better names are not files. */
	set_isos(e1 + 1);
	pathf(p, sizeof(p), "%s/RHV-toolsSetup_9.iso", isodir);
	mkdirs(p);
	pathf(p, sizeof(p), "%s/RHEV-toolsSetup_9.iso", isodir);
	symlinkf("c.iso", p);
	pathf(p, sizeof(p), "%s/virtio-win.iso", isodir);
	writef(p, "iso");
	check(run(mnt, NULL) == 0 && strcmp(out, p) == 0,
	    "auto: a directory or symlink named like an ISO is skipped");
	if (strcmp(out, p) != 0)
		diag("out", out);

	set_isos(none);
	check(run(mnt, NULL) == 0 && out[0] == '\0' && err[0] == '\0' &&
	    strstr(warn, "install_drivers: no virtio-win or guest tools ISO "
	    "in ") == warn && strstr(warn, isodir) != NULL &&
	    strchr(warn, '\n') == NULL,
	    "auto: no matching file -> 0, empty out, one-line warning");
	diag("warn", warn);
}

/*
 * The main root holds, in name order before the ISO domain, decoys that
 * would each be found first if the walk entered them.  Each decoy also
 * gets a root of its own, where nothing must be found.
 */
static void
test_walk(void)
{
	static const char *const v[] = { "virtio-win.iso", NULL };
	char	p[1024], want[1024], root[512];

	set_isos(v);
	pathf(want, sizeof(want), "%s/virtio-win.iso", isodir);
	check(run(mnt, NULL) == 0 && strcmp(out, want) == 0,
	    "walk: the ISO domain is found past every decoy");
	if (strcmp(out, want) != 0)
		diag("out", out);

	pathf(root, sizeof(root), "%s/blk", top);
	pathf(p, sizeof(p), "%s/blockSD/%s", root, DOM_UUID);
	mkdomain(p, "CLASS=Iso\n");
	check(run(root, NULL) == 0 && out[0] == '\0' &&
	    strstr(warn, "install_drivers: no ISO domain found under ") == warn,
	    "walk: an ISO domain under blockSD is not found");
	if (out[0] != '\0')
		diag("out", out);

	pathf(root, sizeof(root), "%s/data", top);
	pathf(p, sizeof(p), "%s/srv:_data/%s", root, DOM_UUID);
	mkdomain(p, "CLASS=Data\nROLE=Regular\n");
	pathf(p, sizeof(p), "%s/srv:_data/%s/master/x", root, DOM_UUID);
	mkdomain(p, "CLASS=Iso\n");
	pathf(p, sizeof(p), "%s/srv:_data/%s/zzz", root, DOM_UUID);
	mkdomain(p, "CLASS=Iso\n");
	check(run(root, NULL) == 0 && out[0] == '\0' &&
	    strstr(warn, "install_drivers: no ISO domain found under ") == warn,
	    "walk: a data domain, and ISO domains inside it, are not used");
	if (out[0] != '\0')
		diag("out", out);

	pathf(root, sizeof(root), "%s/meta", top);
	pathf(p, sizeof(p), "%s/srv:_x/%s", root, DOM_UUID);
	mkdomain(p, "XCLASS=Iso\n CLASS=Iso\nCLASS=Iso2\nCLASS=iso\n");
	check(run(root, NULL) == 0 && out[0] == '\0' &&
	    strstr(warn, "install_drivers: no ISO domain found under ") == warn,
	    "walk: only a line exactly CLASS=Iso makes an ISO domain");
	if (out[0] != '\0')
		diag("out", out);

	pathf(root, sizeof(root), "%s/links", top);
	pathf(p, sizeof(p), "%s/outside/%s", top, DOM_UUID);
	mkdomain(p, "CLASS=Iso\n");
	pathf(p, sizeof(p), "%s/outside/%s/images/%s/virtio-win.iso", top,
	    DOM_UUID, ISO_UUID);
	writef(p, "iso");
	mkdirs(root);
	pathf(p, sizeof(p), "%s/link", root);
	pathf(want, sizeof(want), "%s/outside", top);
	symlinkf(want, p);
	check(run(root, NULL) == 0 && out[0] == '\0' &&
	    strstr(warn, "install_drivers: no ISO domain found under ") == warn,
	    "walk: a symlink to a directory with an ISO domain is not "
	    "followed");
	if (out[0] != '\0')
		diag("out", out);

	/* Followed, "loop" (before "z") would find z's domain as loop/z. */
	pathf(p, sizeof(p), "%s/loop", root);
	symlinkf(".", p);
	pathf(p, sizeof(p), "%s/z/%s", root, DOM_UUID);
	mkdomain(p, "CLASS=Iso\n");
	pathf(want, sizeof(want), "%s/images/%s/virtio-win.iso", p,
	    ISO_UUID);
	writef(want, "iso");
	check(run(root, NULL) == 0 && strcmp(out, want) == 0,
	    "walk: a symlink loop is not followed");
	if (strcmp(out, want) != 0)
		diag("out", out);

	pathf(root, sizeof(root), "%s/noimg", top);
	pathf(p, sizeof(p), "%s/srv:_iso/%s/dom_md", root, DOM_UUID);
	mkdirs(p);
	pathf(p, sizeof(p), "%s/srv:_iso/%s/dom_md/metadata", root,
	    DOM_UUID);
	writef(p, "CLASS=Iso\n");
	check(run(root, NULL) == 0 && out[0] == '\0' &&
	    strstr(warn, "No such file or directory") != NULL,
	    "walk: an ISO domain without its ISO directory: a warning");
	diag("warn", warn);
	check(run(root, "virtio-win.iso") == -1 && out[0] == '\0' &&
	    strstr(err, "virtio_win: ") == err &&
	    strstr(err, "/images/" ISO_UUID ": No such file or directory"),
	    "named: an ISO domain without its ISO directory: an error");
	diag("err", err);
}

static void
test_named(void)
{
	static const char *const v[] = { "virtio-win.iso", "other.iso", NULL };
	char	p[1024], want[1024];

	set_isos(v);
	pathf(want, sizeof(want), "%s/other.iso", isodir);
	check(run(mnt, "other.iso") == 0 && strcmp(out, want) == 0 &&
	    err[0] == '\0' && warn[0] == '\0',
	    "named: a bare name of the ISO domain is found");
	if (strcmp(out, want) != 0)
		diag("out", out);

	pathf(want, sizeof(want), "virtio_win: %s/missing.iso: No such file "
	    "or directory", isodir);
	check(run(mnt, "missing.iso") == -1 && strcmp(err, want) == 0 &&
	    out[0] == '\0', "named: a missing bare name is an error");
	diag("err", err);

	check(run(mnt, "images/other.iso") == -1 && strcmp(err,
	    "virtio_win: a bare file name must not contain '/'") == 0,
	    "named: '/' in a bare name is an error");
	check(run(mnt, "..") == -1 && strcmp(err,
	    "virtio_win: a bare file name must not be '.' or '..'") == 0,
	    "named: '..' is an error");
	check(run(mnt, "") == -1 && strcmp(err,
	    "virtio_win: must not be empty") == 0, "named: '' is an error");
	check(run(mnt, "a\nb.iso") == -1 && strcmp(err,
	    "virtio_win: must not contain control characters") == 0,
	    "named: a line break in the name is an error");

	pathf(p, sizeof(p), "%s/adir.iso", isodir);
	mkdirs(p);
	pathf(want, sizeof(want), "virtio_win: %s: not a regular file", p);
	check(run(mnt, "adir.iso") == -1 && strcmp(err, want) == 0,
	    "named: a directory is an error");
	diag("err", err);
	pathf(p, sizeof(p), "%s/alink.iso", isodir);
	symlinkf("other.iso", p);
	pathf(want, sizeof(want), "virtio_win: %s: not a regular file", p);
	check(run(mnt, "alink.iso") == -1 && strcmp(err, want) == 0,
	    "named: a symlink in the ISO domain is an error");
	diag("err", err);
}

static void
test_absolute(void)
{
	char	p[1024], want[1024];

	pathf(p, sizeof(p), "%s/abs.iso", top);
	writef(p, "iso");
	check(run(mnt, p) == 0 && strcmp(out, p) == 0 && err[0] == '\0',
	    "absolute: an existing file is used as given");

	pathf(p, sizeof(p), "%s/nope.iso", top);
	pathf(want, sizeof(want), "virtio_win: %s: No such file or "
	    "directory", p);
	check(run(mnt, p) == -1 && strcmp(err, want) == 0 && out[0] == '\0',
	    "absolute: a missing file is an error");
	diag("err", err);

	pathf(want, sizeof(want), "virtio_win: %s: not a regular file", top);
	check(run(mnt, top) == -1 && strcmp(err, want) == 0,
	    "absolute: a directory is an error");
	diag("err", err);
}

static void
test_nodomain(void)
{
	char	root[512], p[1024], want[1024];

	pathf(root, sizeof(root), "%s/empty", top);
	pathf(p, sizeof(p), "%s/srv:_export/%s/images", root, DOM_UUID);
	mkdirs(p);
	pathf(want, sizeof(want), "install_drivers: no ISO domain found "
	    "under %s, drivers are not installed", root);
	check(run(root, NULL) == 0 && out[0] == '\0' && err[0] == '\0' &&
	    strcmp(warn, want) == 0, "no domain: auto is a warning");
	diag("warn", warn);
	pathf(want, sizeof(want), "virtio_win: no ISO domain found under "
	    "%s", root);
	check(run(root, "virtio-win.iso") == -1 && strcmp(err, want) == 0 &&
	    out[0] == '\0', "no domain: a bare name is an error");
	diag("err", err);

	pathf(root, sizeof(root), "%s/none", top);
	pathf(want, sizeof(want), "install_drivers: no ISO domain found "
	    "under %s (No such file or directory), drivers are not "
	    "installed", root);
	check(run(root, NULL) == 0 && out[0] == '\0' && err[0] == '\0' &&
	    strcmp(warn, want) == 0, "no root: auto is a warning");
	diag("warn", warn);
	pathf(want, sizeof(want), "virtio_win: no ISO domain found under "
	    "%s (No such file or directory)", root);
	check(run(root, "virtio-win.iso") == -1 && strcmp(err, want) == 0,
	    "no root: a bare name is an error");
	diag("err", err);
}

/* The walk lists directories down to depth 4 below the root, no deeper. */
static void
test_depth(void)
{
	char	root[512], p[1024], want[1024];

	pathf(root, sizeof(root), "%s/deep4", top);
	pathf(p, sizeof(p), "%s/a/b/c/%s", root, DOM_UUID);
	mkdomain(p, "CLASS=Iso\n");
	pathf(want, sizeof(want), "%s/images/%s/virtio-win.iso", p,
	    ISO_UUID);
	writef(want, "iso");
	check(run(root, "virtio-win.iso") == 0 && strcmp(out, want) == 0,
	    "depth: a domain at depth 4 is found");
	diag("err", err);

	pathf(root, sizeof(root), "%s/deep5", top);
	pathf(p, sizeof(p), "%s/a/b/c/d/%s", root, DOM_UUID);
	mkdomain(p, "CLASS=Iso\n");
	pathf(want, sizeof(want), "%s/images/%s/virtio-win.iso", p,
	    ISO_UUID);
	writef(want, "iso");
	check(run(root, "virtio-win.iso") == -1 && out[0] == '\0' &&
	    strstr(err, "virtio_win: no ISO domain found under ") == err,
	    "depth: a domain at depth 5 is not found");
	diag("out", out);
}

static void
test_version(void)
{
	static const struct {
		const char	*a, *b;
		int		 want;
	} v[] = {
		{ "4.10", "4.9", 1 },
		{ "1.2", "1.10", -1 },
		{ "4.0_3", "4.0_3", 0 },
		{ "4.0_3", "4.0_2", 1 },
		{ "4.1", "4.1.1", -1 },
		{ "01", "1", 0 },
		{ "", "0", -1 },
		{ "", "", 0 },
		{ "4.2-1.el7", "4.2-10.el7", -1 },
		{ "4.2.rc1", "4.2.1", -1 },
		{ "99999999999999999999999", "99999999999999999999998", 1 },
	};
	size_t	i;
	int	ab, ba;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		ab = iso_version_cmp(v[i].a, v[i].b);
		ba = iso_version_cmp(v[i].b, v[i].a);
		check((ab > 0) - (ab < 0) == v[i].want &&
		    (ba > 0) - (ba < 0) == -v[i].want,
		    "version: \"%s\" %s \"%s\"", v[i].a,
		    v[i].want < 0 ? "<" : v[i].want > 0 ? ">" : "==", v[i].b);
	}
}

int
main(void)
{
	char	p[1024];

	strlcpy(top, "/tmp/iso_test.XXXXXX", sizeof(top));
	if (mkdtemp(top) == NULL)
		die("mkdtemp", top);
	pathf(mnt, sizeof(mnt), "%s/mnt", top);
	pathf(p, sizeof(p), "%s/nfs.example.com:_export_iso/%s", mnt,
	    DOM_UUID);
	/* Trailing white space after CLASS=Iso does not matter. */
	mkdomain(p, "DESCRIPTION=iso\nCLASS=Iso \t\r\nROLE=Regular");
	pathf(isodir, sizeof(isodir), "%s/images/%s", p, ISO_UUID);

	/* Decoys, each before the ISO domain in name order. */
	pathf(p, sizeof(p), "%s/blockSD/%s", mnt, DOM_UUID);
	mkdomain(p, "CLASS=Iso\n");
	pathf(p, sizeof(p), "%s/blockSD/%s/images/%s/virtio-win.iso", mnt,
	    DOM_UUID, ISO_UUID);
	writef(p, "iso");
	pathf(p, sizeof(p), "%s/nfs.example.com:_export_data/%s", mnt,
	    DOM_UUID);
	mkdomain(p, "CLASS=Data\n");
	pathf(p, sizeof(p), "%s/nfs.example.com:_export_data/%s/master/x",
	    mnt, DOM_UUID);
	mkdomain(p, "CLASS=Iso\n");
	pathf(p, sizeof(p), "%s/nfs.example.com:_export_data/%s/master/x/"
	    "images/%s/virtio-win.iso", mnt, DOM_UUID, ISO_UUID);
	writef(p, "iso");
	pathf(p, sizeof(p), "%s/aloop", mnt);
	symlinkf(".", p);

	test_ordering();
	test_walk();
	test_named();
	test_absolute();
	test_nodomain();
	test_depth();
	test_version();

	rmtree(top);
	printf("%d passed, %d failed\n", npassed, nfailed);
	return nfailed == 0 ? 0 : 1;
}
