/* SPDX-License-Identifier: ISC */
/*
 * waitstate FILE SECONDS KEY [VALUE]: wait, event-driven, until the JSON
 * state file FILE has KEY at its top level (with VALUE, a JSON text, that
 * value), then print the file and exit 0.
 * Exit 1 after SECONDS without it.  The state file is replaced by rename,
 * so the watch is on its directory: IN_MOVED_TO and IN_CLOSE_WRITE.
 */
#include <sys/inotify.h>

#include <libgen.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

static int
has_key(const char *path, const char *key, const json_t *want)
{
	json_t	*o, *v;
	char	*s;
	int	 found;

	if ((o = json_load_file(path, 0, NULL)) == NULL)
		return 0;
	v = json_object_get(o, key);
	found = v != NULL && (want == NULL || json_equal(v, want));
	if (found && (s = json_dumps(o, JSON_PRESERVE_ORDER |
	    JSON_COMPACT)) != NULL) {
		printf("# %s\n", s);
		free(s);
	}
	json_decref(o);
	return found;
}

int
main(int argc, char *argv[])
{
	char		 dir[4096], ev[4096];
	struct pollfd	 pfd;
	json_t		*want = NULL;
	time_t		 deadline;
	int		 fd;

	if (argc != 4 && argc != 5) {
		fprintf(stderr, "usage: waitstate file seconds key [value]\n");
		return 2;
	}
	if (argc == 5 && (want = json_loads(argv[4], JSON_DECODE_ANY,
	    NULL)) == NULL) {
		fprintf(stderr, "waitstate: %s: not JSON\n", argv[4]);
		return 2;
	}
	snprintf(dir, sizeof(dir), "%s", argv[1]);
	if ((fd = inotify_init1(IN_NONBLOCK)) == -1 ||
	    inotify_add_watch(fd, dirname(dir), IN_MOVED_TO |
	    IN_CLOSE_WRITE) == -1) {
		perror("inotify");
		return 2;
	}
	deadline = time(NULL) + atoi(argv[2]);
	/* Watch first, then look: no change between the two is missed. */
	while (!has_key(argv[1], argv[3], want)) {
		if (time(NULL) >= deadline)
			return 1;
		pfd.fd = fd;
		pfd.events = POLLIN;
		poll(&pfd, 1, 1000);
		while (read(fd, ev, sizeof(ev)) > 0)
			;
	}
	return 0;
}
