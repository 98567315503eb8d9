/* SPDX-License-Identifier: ISC */
/*
 * Throttling limits as both the input key "throttling" and the
 * throttling file give them: {"cpu": ..., "network": ...}.
 */
#ifndef LIMITS_H
#define LIMITS_H

#include <stddef.h>

#include <jansson.h>

#define NETWORK_MAX	(1LL << 50)	/* 1 PiB/s: far above any NIC */

struct limits {
	int		has_cpu;
	long long	cpu;		/* percent of one CPU; 0 unlimited */
	int		has_net;
	long long	net;		/* bytes per second; 0 unlimited */
};

int	limits_from_json(json_t *, long, struct limits *, char *, size_t);
void	limits_format(int, long long, char *, size_t);

#endif
