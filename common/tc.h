/* SPDX-License-Identifier: ISC */
/*
 * Traffic control (common/tc.c): the host's shared HTB qdisc abc: and
 * one class abc:N per run.  priv reserves and releases a run's class;
 * the cleanup of dead runs sweeps the classes nobody names.
 */
#ifndef TC_H
#define TC_H

#include <net/if.h>
#include <stdint.h>

#define TC_MAJOR	0xabc
#define TC_MINOR_FIRST	1
#define TC_MINOR_LAST	0xffff
#define TC_IF_MAX	64
/*
 * "unlimited" keeps the class, at a rate no link reaches (8 Tbit/s):
 * rate64, as the 32-bit rate field would cap it at 4 GB/s.
 */
#define TC_UNLIMITED	(1ULL << 40)
#define TC_ENOCLS	(-2)	/* no cgroup classifier in the kernel */
#define TC_ENOIF	(-3)	/* no interface we may shape */

struct nl_sock;

struct tc {
	struct nl_sock	*sk;
	uint32_t	 minor;		/* our class, 0 for none */
	int		 nif;
	int		 ifindex[TC_IF_MAX];
	unsigned int	 mtu[TC_IF_MAX];
	char		 ifname[TC_IF_MAX][IFNAMSIZ];
	/* No cgroup classifier: cgroup v2 steering sets skb->priority
	 * itself, which HTB takes a class from (regress/tc sets it too,
	 * to test the rest on a kernel without cls_cgroup). */
	int		 no_classifier;
};

int	tc_open(struct tc *);
void	tc_close(struct tc *);
int	tc_reserve(struct tc *, uint64_t);
int	tc_rate(struct tc *, uint64_t);
void	tc_release(struct tc *, uint32_t);
void	tc_sweep(struct tc *, const uint8_t *);

#endif
