/* SPDX-License-Identifier: ISC */
/*
 * Fuzz target: the throttling file's bytes through throttle_parse() (and
 * so limits_from_json()), for 1, 3 and 64 online CPUs and with a roomy
 * and a tiny warning buffer, then limits_format() of what was taken.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/limits.h"
#include "monitor/monitor.h"

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "FUZZ INVARIANT FAILED: %s:%d: %s\n",	\
		    __FILE__, __LINE__, #cond);				\
		abort();						\
	}								\
} while (0)

/* What the monitor gives throttle_take(). */
#define WARN_SIZE	512

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_format(int cpu, long long v)
{
	char		 buf[32], want[32];

	limits_format(cpu, v, buf, sizeof(buf));
	if (v == 0)
		snprintf(want, sizeof(want), "unlimited");
	else
		snprintf(want, sizeof(want), "%lld%s", v, cpu ? "%" : "");
	CHECK(strcmp(buf, want) == 0);
}

/* One parse; returns what was taken in *l. */
static int
one(const uint8_t *data, size_t size, long ncpu, size_t warnlen,
    struct limits *l, char *warn)
{
	int	 rv;

	memset(warn, 'X', WARN_SIZE);
	memset(l, 0xa5, sizeof(*l));
	rv = throttle_parse((const char *)data, size, ncpu, l, warn, warnlen);
	CHECK(rv == 0 || rv == -1);
	/* NUL-terminated inside the buffer it was given, one log line. */
	CHECK(memchr(warn, '\0', warnlen) != NULL);
	CHECK(warnlen == WARN_SIZE || warn[warnlen] == 'X');
	CHECK(strchr(warn, '\n') == NULL && strchr(warn, '\r') == NULL);
	CHECK(l->has_cpu == 0 || l->has_cpu == 1);
	CHECK(l->has_net == 0 || l->has_net == 1);
	if (rv == -1) {
		CHECK(!l->has_cpu && !l->has_net);
		CHECK(warn[0] != '\0' || warnlen == 1);
	}
	if (l->has_cpu) {
		CHECK(l->cpu >= 0 && l->cpu <= 100LL * ncpu);
		check_format(1, l->cpu);
	} else
		CHECK(l->cpu == 0);
	if (l->has_net) {
		CHECK(l->net >= 0 && l->net <= NETWORK_MAX);
		check_format(0, l->net);
	} else
		CHECK(l->net == 0);
	return rv;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct limits	l1, l3, l64, tiny;
	json_t		*o, *cpu, *net;
	char		w1[WARN_SIZE], w3[WARN_SIZE], w64[WARN_SIZE];
	char		wt[WARN_SIZE];
	int		r1, r3, r64, rt;

	r1 = one(data, size, 1, WARN_SIZE, &l1, w1);
	r3 = one(data, size, 3, WARN_SIZE, &l3, w3);
	r64 = one(data, size, 64, WARN_SIZE, &l64, w64);
	rt = one(data, size, 3, 7, &tiny, wt);

	/* Only the cpu value depends on the CPUs: more than all of them
	 * is all of them; what is accepted does not depend on them. */
	CHECK(r1 == r3 && r3 == r64 && r3 == rt);
	CHECK(l1.has_net == l64.has_net && l1.net == l64.net);
	CHECK(l1.has_cpu == l3.has_cpu && l3.has_cpu == l64.has_cpu);
	CHECK(l1.cpu == (l3.cpu > 100 ? 100 : l3.cpu));
	CHECK(l3.cpu == (l64.cpu > 300 ? 300 : l64.cpu));
	/* The buffer size changes the warning, never the values. */
	CHECK(memcmp(&l3, &tiny, sizeof(l3)) == 0);

	/*
	 * Against jansson's own view: a key that is there is taken or named
	 * in the warning, one that is not is neither; no warning, no doubt.
	 */
	o = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	CHECK((o != NULL && json_is_object(o)) == (r3 == 0));
	if (r3 == 0) {
		cpu = json_object_get(o, "cpu");
		net = json_object_get(o, "network");
		CHECK(l3.has_cpu == (cpu != NULL && strstr(w3, "cpu: ") == NULL));
		CHECK(l3.has_net == (net != NULL &&
		    strstr(w3, "network: ") == NULL));
		CHECK((w3[0] == '\0') == ((cpu == NULL || l3.has_cpu) &&
		    (net == NULL || l3.has_net)));
	}
	json_decref(o);
	return 0;
}
