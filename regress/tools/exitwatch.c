/* SPDX-License-Identifier: ISC */
/*
 * exitwatch PID STATEFILE SECONDS READYFILE: wait, event-driven, for PID to end
 * (a pidfd) and for the state file to have "finished" (inotify on its
 * directory), then print the milliseconds from the one to the other.
 * Exit 1 when either did not happen within SECONDS.  READYFILE is made
 * once both watches are in place: the test acts only then.
 */
#include <sys/inotify.h>
#include <sys/syscall.h>

#include <libgen.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "common/clock.h"

static int
finished(const char *path)
{
	json_t	*o = json_load_file(path, 0, NULL);
	int	 f = o != NULL && json_is_true(json_object_get(o, "finished"));

	json_decref(o);
	return f;
}

int
main(int argc, char *argv[])
{
	struct pollfd	pfd[2];
	char		dir[4096], ev[4096];
	long long	deadline, t_exit = -1, t_fin = -1;
	int		pidfd, in;

	FILE		*f;

	if (argc != 5)
		return 2;
	snprintf(dir, sizeof(dir), "%s", argv[2]);
	pidfd = syscall(SYS_pidfd_open, atoi(argv[1]), 0);
	in = inotify_init1(IN_NONBLOCK);
	if (pidfd == -1 || in == -1 || inotify_add_watch(in, dirname(dir),
	    IN_MOVED_TO | IN_CLOSE_WRITE) == -1) {
		perror("exitwatch");
		return 2;
	}
	if ((f = fopen(argv[4], "w")) == NULL)
		return 2;
	fclose(f);
	deadline = mono_ms() + atoi(argv[3]) * 1000LL;
	while (t_exit == -1 || t_fin == -1) {
		if (t_fin == -1 && finished(argv[2]))
			t_fin = mono_ms();
		if (t_exit != -1 && t_fin != -1)
			break;
		if (mono_ms() >= deadline)
			return 1;
		pfd[0].fd = t_exit == -1 ? pidfd : -1;
		pfd[0].events = POLLIN;
		pfd[1].fd = in;
		pfd[1].events = POLLIN;
		poll(pfd, 2, 1000);
		if (pfd[0].revents & POLLIN)
			t_exit = mono_ms();
		while (read(in, ev, sizeof(ev)) > 0)
			;
	}
	printf("%lld\n", t_fin > t_exit ? t_fin - t_exit : 0);
	return 0;
}
