/* SPDX-License-Identifier: ISC */
/*
 * The C tests' one check: "ok N - what" or "not ok N - what", as
 * regress/run.sh counts them; main() ends with report().
 */
#ifndef REGRESS_CHECK_H
#define REGRESS_CHECK_H

#include <stdio.h>

static int	npass, nfail, n;

#define CHECK(cond, ...) do {						\
	n++;								\
	if (cond) { npass++; printf("ok %d - ", n); }			\
	else { nfail++; printf("not ok %d - ", n); }			\
	printf(__VA_ARGS__); printf("\n");				\
} while (0)

static inline int
report(void)
{
	printf("%d passed, %d failed\n", npass, nfail);
	return nfail == 0 ? 0 : 1;
}

#endif
