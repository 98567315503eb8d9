/* SPDX-License-Identifier: ISC */
/*
 * The net_cls cgroup of a run: ROOT/net_cls/v2v-conversion/TAG.
 */
#ifndef NETCG_H
#define NETCG_H

#define NETCG_DIR	"v2v-conversion"

int	netcg_write(int, const char *, unsigned long);
void	netcg_remove(int, int, const char *);

#endif
