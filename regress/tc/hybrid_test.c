/* SPDX-License-Identifier: ISC */
/*
 * When net_cls is not ours to use: a kernel before 5.15 with a cgroup2
 * hierarchy mounted too (parent/netcg.c).  The live host is always
 * recent here, so the rule is checked on release strings.
 */
#include <stdio.h>

#include "parent/parent.h"

static int	n, failed;

static void
t(const char *release, int has2, int want)
{
	int	got = netcg_hybrid_unsafe(release, has2);

	n++;
	if (got != want)
		failed++;
	printf("%s %d - %s, cgroup2 %s: %s\n", got == want ? "ok" : "not ok",
	    n, release, has2 ? "mounted" : "not mounted",
	    want ? "not ours" : "ours");
}

int
main(void)
{
	t("4.18.0-348.el8.x86_64", 1, 1);	/* RHEL 8, hybrid */
	t("4.18.0-348.el8.x86_64", 0, 0);	/* RHEL 8, legacy */
	t("5.14.0-70.el9.x86_64", 1, 1);
	t("5.15.0", 1, 0);
	t("6.1.0-56-amd64", 1, 0);
	t("10.0", 1, 0);
	t("garbage", 1, 1);
	t("garbage", 0, 0);
	printf("%d passed, %d failed\n", n - failed, failed);
	return failed != 0;
}
