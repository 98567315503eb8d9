/* SPDX-License-Identifier: ISC */
/*
 * statewatch STATE SECONDS [-g GOFILE] [-u PROGRESS]: follow the state
 * file as a caller would, but event-driven, and print one line
 * "SEC.NSEC [p1,p2,...]" (CLOCK_REALTIME, the disks' progress) each time
 * the progress list first shows a new value.  The file is replaced by
 * rename, so the watch is on its directory.  Exits 0 once "finished" is
 * in the file or the list begins with PROGRESS (compact JSON, [100,73]),
 * 1 after SECONDS without that, 3 if the run finished without PROGRESS.  GOFILE is created once the watch is in
 * place, so what the benchmark times cannot start before it is watched.
 */
#include <sys/inotify.h>

#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

struct watch {
	const char	*path;
	const char	*until;
	char		 last[8192];
	int		 finished;
};

/* The progress list of the file as compact JSON, or NULL if unreadable. */
static char *
progress_list(json_t *o)
{
	json_t	*disks, *d, *out;
	size_t	 i;
	char	*s;

	if ((out = json_array()) == NULL)
		return NULL;
	disks = json_object_get(o, "disks");
	json_array_foreach(disks, i, d)
		json_array_append(out, json_object_get(d, "progress"));
	s = json_dumps(out, JSON_COMPACT);
	json_decref(out);
	return s;
}

/*
 * "[100,73]" is reached by [100,73] and by [100,73,0]: the seeds and
 * paths a log names can add entries after the ones being asserted.
 */
static int
starts(const char *list, const char *until)
{
	size_t	n = strlen(until);

	if (n < 2 || until[n - 1] != ']' || strncmp(list, until, n - 1) != 0)
		return 0;
	return list[n - 1] == ']' || list[n - 1] == ',';
}

/* Look at the file once; non-zero (the exit status + 1) when done. */
static int
look(struct watch *w)
{
	struct timespec	 ts;
	json_t		*o;
	char		*list;
	int		 done;

	if ((o = json_load_file(w->path, 0, NULL)) == NULL)
		return 0;
	clock_gettime(CLOCK_REALTIME, &ts);
	w->finished = json_object_get(o, "finished") != NULL;
	if ((list = progress_list(o)) == NULL) {
		json_decref(o);
		return 0;
	}
	json_decref(o);
	if (strcmp(list, w->last) != 0) {
		printf("%lld.%09ld %s\n", (long long)ts.tv_sec, ts.tv_nsec,
		    list);
		snprintf(w->last, sizeof(w->last), "%s", list);
	}
	if (w->until != NULL)
		done = starts(list, w->until) ? 1 : w->finished ? 4 : 0;
	else
		done = w->finished ? 1 : 0;
	free(list);
	return done;
}

static void
touch(const char *path)
{
	int	fd;

	if ((fd = open(path, O_WRONLY | O_CREAT, 0644)) == -1) {
		perror(path);
		exit(2);
	}
	close(fd);
}

int
main(int argc, char *argv[])
{
	struct watch	 w;
	struct pollfd	 pfd;
	char		 dir[PATH_MAX], ev[4096];
	const char	*go = NULL;
	time_t		 deadline;
	int		 c, fd, done;

	memset(&w, 0, sizeof(w));
	while ((c = getopt(argc, argv, "g:u:")) != -1) {
		switch (c) {
		case 'g':
			go = optarg;
			break;
		case 'u':
			w.until = optarg;
			break;
		default:
			goto usage;
		}
	}
	if (argc - optind != 2)
		goto usage;
	w.path = argv[optind];
	snprintf(dir, sizeof(dir), "%s", w.path);
	if ((fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1 ||
	    inotify_add_watch(fd, dirname(dir), IN_MOVED_TO |
	    IN_CLOSE_WRITE) == -1) {
		perror("inotify");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	deadline = time(NULL) + atoi(argv[optind + 1]);
	/* Watch first, then look: no change between the two is missed. */
	if ((done = look(&w)) != 0)
		return done - 1;
	if (go != NULL)
		touch(go);
	for (;;) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 200) > 0) {
			while (read(fd, ev, sizeof(ev)) > 0)
				;
			if ((done = look(&w)) != 0)
				return done - 1;
		}
		if (time(NULL) >= deadline)
			return 1;
	}
usage:
	fprintf(stderr, "usage: statewatch state seconds [-g go] "
	    "[-u progress]\n");
	return 2;
}
