/* SPDX-License-Identifier: ISC */
/*
 * state_write() streams the JSON into the file: the file holds exactly
 * what state_dump() returns, for a small state and for the largest one
 * (1024 disks of 4 KiB paths with quotes, backslashes, control bytes and
 * UTF-8, each string escaped across the writer's buffer edges), and
 * state_replace() writes a text as it is.  The worst state (every string
 * at its cap, every byte escaped to six) fits in STATE_FILE_MAX, which
 * the state's readers allow.  Nothing but the state file is left in the
 * directory.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/state.h"
#include "common/wrapper.h"
#include "regress/check.h"

static char *
slurp_at(int dfd, const char *name)
{
	char	*buf = NULL;
	size_t	 len = 0;
	ssize_t	 n;
	int	 fd;

	if ((fd = openat(dfd, name, O_RDONLY)) == -1)
		return NULL;
	do {
		if ((buf = realloc(buf, len + 65537)) == NULL)
			exit(2);
		n = read(fd, buf + len, 65536);
		len += n > 0 ? n : 0;
	} while (n > 0);
	close(fd);
	buf[len] = '\0';
	return buf;
}

static int
entries(const char *dir)
{
	DIR		*d = opendir(dir);
	struct dirent	*e;
	int		 n = 0;

	while (d != NULL && (e = readdir(d)) != NULL)
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	if (d != NULL)
		closedir(d);
	return n;
}

/* Every string at its cap, in bytes JSON writes as \u00XX. */
static void
worst_fits(int dfd)
{
	static char	ctl[STATE_STR_MAX + 1];	/* NUL-terminated */
	struct state	st;
	struct stat	sb;
	size_t		i;
	int		fd;

	memset(ctl, '\x01', STATE_STR_MAX);
	state_init(&st);
	st.started = 1;
	st.pid = 2147483647;
	state_setstr(&st.stage, ctl, STATE_STR_MAX);
	state_setstr(&st.vm_id, ctl, STATE_STR_MAX);
	state_setstr(&st.thr_cpu, ctl, STATE_STR_MAX);
	state_setstr(&st.thr_net, ctl, STATE_STR_MAX);
	for (i = 0; i < STATE_DISKS_MAX; i++) {
		state_add_disk(&st, ctl, STATE_STR_MAX);
		state_disk(&st, i)->progress = 9999;
	}
	st.disk_count = STATE_DISKS_MAX;
	for (i = 0; i < STATE_WARNINGS_MAX + 1; i++)
		state_warning(&st, ctl, STATE_STR_MAX);
	state_message(&st, MSG_ERROR, ctl);
	st.has_rc = 1;
	st.rc = -2147483647;
	st.failed = st.finished = 1;
	CHECK(state_write(dfd, &st) == 0 && (fd = openat(dfd, STATE_NAME,
	    O_RDONLY)) != -1 && fstat(fd, &sb) == 0 && close(fd) == 0 &&
	    sb.st_size <= STATE_FILE_MAX, "the worst state, %lld bytes, fits "
	    "in STATE_FILE_MAX (%d)", (long long)sb.st_size, STATE_FILE_MAX);
	state_free(&st);
}

static void
written_as_dumped(int dfd, const struct state *st, const char *what)
{
	char	*want = state_dump(st), *got;

	CHECK(state_write(dfd, st) == 0, "%s: state_write", what);
	got = slurp_at(dfd, STATE_NAME);
	CHECK(want != NULL && got != NULL && strcmp(want, got) == 0,
	    "%s: the file is state_dump()'s %zu bytes", what,
	    want ? strlen(want) : 0);
	free(want);
	free(got);
}

int
main(void)
{
	static const char	 odd[] = "\"\\\x01\t\n/\xc3\xa9\xe2\x96\x90";
	struct state		 st;
	char			 dir[] = "/tmp/v2vw-write.XXXXXX", path[4097];
	char			*got;
	size_t			 i, j;
	int			 dfd;

	if (mkdtemp(dir) == NULL || (dfd = open(dir, O_RDONLY |
	    O_DIRECTORY)) == -1) {
		perror("mkdtemp");
		return 2;
	}
	state_init(&st);
	st.started = 1;
	st.pid = 42;
	state_setstr(&st.stage, "Copying disk 1/1", 16);
	state_add_disk(&st, "[ds] vm/vm.vmdk", 15);
	state_disk(&st, 0)->progress = 4217;
	st.disk_count = 1;
	written_as_dumped(dfd, &st, "a small state");

	for (i = 1; i < STATE_DISKS_MAX; i++) {
		for (j = 0; j < sizeof(path) - 1; j++)
			path[j] = j % 97 < sizeof(odd) - 1 ? odd[j % 97] :
			    (char)('a' + (i + j) % 26);
		state_add_disk(&st, path, sizeof(path) - 1);
		state_disk(&st, i)->progress = i * 7 % 10001;
	}
	state_warning(&st, odd, sizeof(odd) - 1);
	state_message(&st, MSG_ERROR, "virt-v2v error: \"x\"");
	written_as_dumped(dfd, &st, "1024 disks of 4 KiB odd paths");

	worst_fits(dfd);
	got = NULL;
	CHECK(state_replace(dfd, "{\"finished\":true}") == 0 &&
	    (got = slurp_at(dfd, STATE_NAME)) != NULL &&
	    strcmp(got, "{\"finished\":true}") == 0,
	    "state_replace writes its text as it is");
	free(got);
	CHECK(entries(dir) == 1, "only the state file is left (%d entries)",
	    entries(dir));
	unlinkat(dfd, STATE_NAME, 0);
	close(dfd);
	rmdir(dir);
	state_free(&st);
	return report();
}
