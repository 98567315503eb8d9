/* SPDX-License-Identifier: ISC */
/*
 * --check-rhv-version, as the earlier wrapper's Ansible role runs it
 * when it validates a conversion host (install-validate-rhevm.yml): the
 * installed vdsm must be 4.20.31 or later, the first of oVirt 4.2.4;
 * epoch first, the release ignored, as upstream compared them.  The
 * version comes from rpm, else dpkg-query, each run by its path with an
 * argv of ours.
 */
#include <sys/wait.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/spawn.h"
#include "common/wrapper.h"
#include "parent/parent.h"

#define VDSM_MIN	"4.20.31"
#define RHV_MIN		"4.2.4"

/* prog's one line of output, when it ran and said 0. */
static int
ask(const char *prog, char *a1, char *a2, char *a3, char *out, size_t len)
{
	static char	 path[] = SAFE_PATH, pkg[] = "vdsm";
	char		*argv[] = { (char *)(uintptr_t)prog, a1, a2, a3, pkg,
			    NULL }, *envp[] = { path, NULL }, err[256];
	int		 status;

	status = run_capture(NULL, argv, envp, 30000, out, len, err,
	    sizeof(err));
	out[strcspn(out, "\n")] = '\0';
	return status != -1 && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0 && out[0] != '\0' ? 0 : -1;
}

/* Dotted numbers, a part at a time; a missing part is 0. */
static int
vercmp(const char *a, const char *b)
{
	unsigned long	x, y;

	while (*a != '\0' || *b != '\0') {
		x = isdigit((unsigned char)*a) ? strtoul(a, NULL, 10) : 0;
		y = isdigit((unsigned char)*b) ? strtoul(b, NULL, 10) : 0;
		if (x != y)
			return x < y ? -1 : 1;
		a += strcspn(a, ".");
		b += strcspn(b, ".");
		a += *a == '.';
		b += *b == '.';
	}
	return 0;
}

/*
 * "EPOCH:VERSION" of rpm (EPOCH "(none)") or dpkg's
 * "[EPOCH:]VERSION[-RELEASE]": 1 when at least VDSM_MIN.
 */
int
vdsm_version_ok(const char *evr)
{
	const char	*colon = strchr(evr, ':'), *v = evr;
	char		 ver[128];

	if (colon != NULL) {
		if (isdigit((unsigned char)*evr) && atoi(evr) > 0)
			return 1;
		v = colon + 1;
	}
	strlcpy(ver, v, sizeof(ver));
	ver[strcspn(ver, "-~+")] = '\0';
	return vercmp(ver, VDSM_MIN) >= 0;
}

int
check_rhv_version(void)
{
	struct env	 e;
	static char	 q[] = "-q", qf[] = "--queryformat", rfmt[] =
			    "%{EPOCH}:%{VERSION}\n", w[] = "-W", f[] = "-f",
			    dfmt[] = "${Version}\n";
	char		 out[256] = "", err[512];

	if (env_load(&e, err, sizeof(err)) == -1)
		fatalx("%s", err);
	if (ask(e.rpm, q, qf, rfmt, out, sizeof(out)) == -1 &&
	    ask(e.dpkg_query, w, f, dfmt, out, sizeof(out)) == -1) {
		printf("VDSM is not installed on this host\n"
		    "Minimal required oVirt/RHV version is %s\n", RHV_MIN);
		return 1;
	}
	printf("Version of VDSM on the host: %s\n",
	    strncmp(out, "(none):", 7) == 0 ? out + 7 : out);
	if (vdsm_version_ok(out))
		return 0;
	printf("Minimal required oVirt/RHV version is %s\n", RHV_MIN);
	return 1;
}
