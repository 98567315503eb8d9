/* SPDX-License-Identifier: ISC */
/*
 * Environment variables that move the wrapper's files and programs.  The
 * tests run unprivileged fakes through them; a set-id or otherwise
 * AT_SECURE process must never let its caller redirect a root program.
 */
#include <sys/auxv.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/steer.h"
#include "common/wrapper.h"
#include "parent/parent.h"

/*
 * Under sudo the environment is the sudo caller's, who must not move
 * what root runs or where root writes: sudo rights to the wrapper would
 * become root rights.  (sudo's env_reset drops these anyway; a sudoers
 * rule that keeps them must not be able to hurt.)
 */
int
under_sudo(void)
{
	const char	*s = getenv("SUDO_UID");

	return s != NULL && strcmp(s, "0") != 0;
}

static int
env_get(const char *name, const char *def, int path, const char **out,
    char *err, size_t errlen)
{
	const char	*v = getenv(name);

	*out = def;
	if (v == NULL)
		return 0;
	if (getauxval(AT_SECURE)) {
		log_info("ignoring %s: the process runs with AT_SECURE", name);
		return 0;
	}
	if (under_sudo()) {
		log_warnx("ignoring %s: the wrapper runs under sudo", name);
		return 0;
	}
	if (*v == '\0' || (path && v[0] != '/')) {
		snprintf(err, errlen, "%s: expected %s", name,
		    path ? "an absolute path" : "a name");
		return -1;
	}
	if (strpbrk(v, "\n\r") != NULL) {
		snprintf(err, errlen, "%s: contains a line break", name);
		return -1;
	}
	*out = v;
	return 0;
}

/*
 * PREFIX/libexec/virt-v2v-wrapper/virt-v2v-wrapper-api beside our own
 * PREFIX/bin: an install under any PREFIX finds its own client, and a
 * build tree (no .../bin) the packages' place.
 */
static const char *
api_default(void)
{
	static char	path[PATH_MAX];
	char		self[PATH_MAX], *slash;
	ssize_t		n;

	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) <= 0)
		return DEFAULT_API;
	self[n] = '\0';
	if ((slash = strrchr(self, '/')) == NULL)
		return DEFAULT_API;
	*slash = '\0';
	if ((slash = strrchr(self, '/')) == NULL || strcmp(slash, "/bin") != 0)
		return DEFAULT_API;
	slash[1] = '\0';
	if ((size_t)snprintf(path, sizeof(path), "%s%s", self, API_SUBPATH) >=
	    sizeof(path))
		return DEFAULT_API;
	return path;
}

int
env_load(struct env *e, char *err, size_t errlen)
{
	const char	*conf;

	if (env_get("V2V_WRAPPER_VIRT_V2V", DEFAULT_VIRT_V2V, 1,
	    &e->virt_v2v, err, errlen) == -1 ||
	    env_get("V2V_WRAPPER_ISO_ROOT", DEFAULT_ISO_ROOT, 1,
	    &e->iso_root, err, errlen) == -1 ||
	    env_get("V2V_WRAPPER_SSH_AGENT", DEFAULT_SSH_AGENT, 1,
	    &e->ssh_agent, err, errlen) == -1 ||
	    env_get("V2V_WRAPPER_SSH_ADD", DEFAULT_SSH_ADD, 1,
	    &e->ssh_add, err, errlen) == -1 ||
	    env_get("V2V_WRAPPER_SYSTEMD_RUN", DEFAULT_SYSTEMD_RUN, 1,
	    &e->systemd_run, err, errlen) == -1 ||
	    env_get("V2V_WRAPPER_SYSTEMCTL", DEFAULT_SYSTEMCTL, 1,
	    &e->systemctl, err, errlen) == -1 ||
	    env_get("V2V_WRAPPER_BUSCTL", DEFAULT_BUSCTL, 1,
	    &e->busctl, err, errlen) == -1 ||
	    env_get("V2V_WRAPPER_RPM", DEFAULT_RPM, 1,
	    &e->rpm, err, errlen) == -1 ||
	    env_get("V2V_WRAPPER_DPKG_QUERY", DEFAULT_DPKG_QUERY, 1,
	    &e->dpkg_query, err, errlen) == -1 ||
	    env_get("V2V_WRAPPER_API", api_default(), 1,
	    &e->api, err, errlen) == -1 ||
	    env_get("V2V_WRAPPER_CGROUP_ROOT", DEFAULT_CGROUP_ROOT, 1,
	    &e->cgroup_root, err, errlen) == -1 ||
	    env_get("V2V_WRAPPER_CGROUP2_ROOT", "", 1,
	    &e->cgroup2_root, err, errlen) == -1 ||
	    env_get("V2V_WRAPPER_RUN_DIR", DEFAULT_RUN_DIR, 1,
	    &e->run_dir, err, errlen) == -1)
		return -1;
	/* The site's settings, then the environment over them. */
	e->log_dir = e->log_dir_default = DEFAULT_LOG_DIR;
	e->user = DEFAULT_USER;
	e->group = DEFAULT_GROUP;
	if (env_get("V2V_WRAPPER_CONF", DEFAULT_SITE_CONF, 1, &conf, err,
	    errlen) == -1 ||
	    siteconf_load(conf, e, err, errlen) == -1 ||
	    env_get("V2V_WRAPPER_LOG_DIR", e->log_dir, 1,
	    &e->log_dir, err, errlen) == -1 ||
	    env_get("V2V_WRAPPER_USER", e->user, 0,
	    &e->user, err, errlen) == -1 ||
	    env_get("V2V_WRAPPER_GROUP", e->group, 0,
	    &e->group, err, errlen) == -1)
		return -1;
	e->systemd_given = strcmp(e->systemd_run, DEFAULT_SYSTEMD_RUN) != 0;
	/* Not moved: the first cgroup2 mount, if there is one. */
	if (e->cgroup2_root[0] == '\0' && steer_cg2_root(e->cgroup2_buf,
	    sizeof(e->cgroup2_buf)) == 0)
		e->cgroup2_root = e->cgroup2_buf;
	return 0;
}
