/* SPDX-License-Identifier: ISC */
/*
 * "virt-v2v --machine-readable" lists what this virt-v2v can do, one
 * word a line.  Run as the conversion user, with a deadline, before
 * anything is created: a virt-v2v that cannot even answer this would
 * not convert either.  "mac-option" decides --mac over --bridge.
 */
#include <sys/wait.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "common/wrapper.h"
#include "parent/parent.h"

#define PROBE_TIMEOUT_MS	30000

static int
has_line(const char *text, const char *word)
{
	size_t		len = strlen(word);
	const char	*p = text;

	while ((p = strstr(p, word)) != NULL) {
		if ((p == text || p[-1] == '\n') &&
		    (p[len] == '\n' || p[len] == '\0'))
			return 1;
		p += len;
	}
	return 0;
}

int
probe_caps(struct run *r, char *err, size_t errlen)
{
	static char	 flag[] = "--machine-readable";
	static char	 lc[] = "LC_ALL=C", lang[] = "LANG=C",
			 path[] = SAFE_PATH;
	char		*argv[] = { NULL, flag, NULL };
	char		*envp[] = { lc, lang, path, NULL };
	char		 out[8192], why[256];
	int		 status;

	argv[0] = (char *)(uintptr_t)r->env.virt_v2v;
	status = run_capture(&r->conv, argv, envp, PROBE_TIMEOUT_MS, out, sizeof(out),
	    why, sizeof(why));
	if (status == -1) {
		snprintf(err, errlen, "could not get virt-v2v capabilities: %s",
		    why);
		return -1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
	    !has_line(out, "virt-v2v")) {
		snprintf(err, errlen, "could not get virt-v2v capabilities: "
		    "%s --machine-readable failed", r->env.virt_v2v);
		return -1;
	}
	r->cap_mac = has_line(out, "mac-option");
	log_debug("virt-v2v %s, %s", has_line(out, "virt-v2v-2.0") ? "2.x" :
	    "1.x", r->cap_mac ? "with --mac" : "without --mac");
	return 0;
}
