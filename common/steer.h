/* SPDX-License-Identifier: ISC */
/*
 * The cgroup v2 half of network limits (common/steer.c).
 */
#ifndef STEER_H
#define STEER_H

#include <stddef.h>

/* What priv writes to the mapped value besides a class id: no class. */
#define STEER_NONE	0
/* A live run's class minor, for the sweep: PRIVDIR/netclass */
#define STEER_CLASS_NAME	"netclass"

int	steer_cg2_root(char *, size_t);
int	steer_parent(const char *);
void	steer_remove(int, int, const char *);
void	steer_reap(const char *, const char *);

#endif
