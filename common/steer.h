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
/* A unit's program, pinned for systemd: STEER_BPFFS/STEER_PIN_DIR/TAG */
#define STEER_BPFFS		"/sys/fs/bpf"
#define STEER_PIN_DIR		"virt-v2v-wrapper"

int	steer_cg2_root(char *, size_t);
int	steer_mounted(const char *);
int	steer_parent(const char *);
void	steer_remove(int, int, const char *);
void	steer_reap(const char *, const char *);

#endif
