/* SPDX-License-Identifier: ISC */
/*
 * The C tests' one check: "ok N - what" or "not ok N - what", as
 * regress/run.sh counts them; main() ends with report().
 */
#ifndef REGRESS_CHECK_H
#define REGRESS_CHECK_H

#include <stdio.h>

static int	check_pass, check_fail, check_n;

#define CHECK(cond, ...) do {						\
	check_n++;							\
	if (cond) { check_pass++; printf("ok %d - ", check_n); }	\
	else { check_fail++; printf("not ok %d - ", check_n); }		\
	printf(__VA_ARGS__); printf("\n");				\
} while (0)

#define SKIP(...) do {							\
	check_n++;							\
	printf("skip %d - ", check_n);					\
	printf(__VA_ARGS__); printf("\n");				\
} while (0)

static inline int
report(void)
{
	printf("%d passed, %d failed\n", check_pass, check_fail);
	return check_fail == 0 ? 0 : 1;
}

#endif
