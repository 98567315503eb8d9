/* SPDX-License-Identifier: ISC */
/*
 * The network glue's one home (common/netcg.c): where a run's net_cls
 * cgroup lives (ROOT/net_cls/v2v-conversion/TAG), the class id it
 * carries, the host lock around the shared qdisc, and what a dead run
 * leaves of them.  The parent makes the cgroup (parent/netcg.c), priv
 * classifies and releases (priv/netlimit.c), the cleanup of dead runs
 * reaps and sweeps.
 */
#ifndef NETCG_H
#define NETCG_H

#include <stdint.h>

#define NETCG_DIR	"v2v-conversion"

uint32_t netcg_classid(uint32_t);
uint32_t netcg_minor(unsigned long);
int	 netcg_open(const char *, const char *);
int	 netcg_mkdir(int, const char *, int);
int	 netcg_lock(int);
void	 netcg_unlock(int);
int	 netcg_write(int, const char *, unsigned long);
void	 netcg_remove(int, int, const char *);
void	 netcg_reap(const char *, const char *);
void	 netcg_sweep(const char *, const char *, int);

#endif
