/* SPDX-License-Identifier: ISC */
/*
 * Running another program with a deadline (common/spawn.c).
 */
#ifndef SPAWN_H
#define SPAWN_H

#include <sys/types.h>
#include <stddef.h>

/* Who the program runs as: drop 0 keeps the caller's credentials. */
struct creds {
	int	drop;
	uid_t	uid;
	gid_t	gid;
};

int	 creds_drop(const struct creds *);
void	 signals_default(void);
pid_t	 run_start(const struct creds *, char *const [], char *const [], int,
	    int);
pid_t	 run_spawn(const struct creds *, char *const [], char *const [], int *);
int	 run_read(int, char *, size_t, const char *, long long);
int	 pid_wait(pid_t, int, int *);
int	 run_wait(pid_t, long long, int *);
int	 run_capture(const struct creds *, char *const [], char *const [], int,
	    char *, size_t, char *, size_t);
int	 run_feed(const char *, size_t, int *);
int	 run_capture_input(const struct creds *, char *const [],
	    char *const [], const char *, int, char *, size_t, char *, size_t);

#endif
