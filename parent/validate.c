/* SPDX-License-Identifier: ISC */
/*
 * Everything about the input that can be checked on this host, checked
 * before anything is created (DESIGN.md section 3, step 1): the users,
 * the directories, virt-v2v itself, the LUKS vault and the ISO.
 */
#include <sys/stat.h>

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/config.h"
#include "common/log.h"
#include "parent/iso.h"
#include "parent/parent.h"
#include "parent/vault.h"

#define VAULT_NAME	".v2v_luks_keys_vault.json"

static void
add_warning(struct run *r, const char *w)
{
	if (r->pc.warning[0] != '\0')
		strlcat(r->pc.warning, "; ", sizeof(r->pc.warning));
	strlcat(r->pc.warning, w, sizeof(r->pc.warning));
	log_warnx("%s", w);
}

/* The caller's HOME, else its passwd entry, as upstream. */
static int
vault_path(const struct conf *cf, char *path, size_t len)
{
	const char	*home = getenv("HOME");
	struct passwd	*pw;

	if (cf->luks_vault != NULL) {
		strlcpy(path, cf->luks_vault, len);
		return 1;
	}
	if ((home == NULL || home[0] != '/') &&
	    (pw = getpwuid(getuid())) != NULL)
		home = pw->pw_dir;
	if (home == NULL)
		home = "/";
	snprintf(path, len, "%s/%s", home, VAULT_NAME);
	return 0;
}

static int
check_vault(const struct conf *cf, struct run *r, char *err, size_t errlen)
{
	char	path[PATH_MAX];
	int	explicit_path;

	explicit_path = vault_path(cf, path, sizeof(path));
	if (vault_load(path, explicit_path, r->conv_uid, cf->vm_name, &r->luks,
	    &r->nluks, err, errlen) == -1)
		return -1;
	if (r->nluks > LUKS_MAX) {
		snprintf(err, errlen, "luks_keys_vault: more than %d keys for "
		    "%s", LUKS_MAX, cf->vm_name);
		return -1;
	}
	if (r->nluks > 0)
		log_info("%zu LUKS keys for this VM in %s", r->nluks, path);
	return 0;
}

static int
check_iso(const struct conf *cf, struct run *r, char *err, size_t errlen)
{
	char	warn[512] = "";

	if (cf->virtio_win == NULL && !cf->install_drivers)
		return 0;
	if (iso_find_bounded(r->env.iso_root, cf->virtio_win, r->virtio_win,
	    sizeof(r->virtio_win), warn, sizeof(warn), err, errlen) == -1)
		return -1;
	if (warn[0] != '\0')
		add_warning(r, warn);
	return 0;
}

/*
 * A daemonized run goes into a transient systemd unit where systemd
 * runs (or where V2V_WRAPPER_SYSTEMD_RUN names a stand-in); without it,
 * virt-v2v is a direct child and CPU throttling is unavailable.
 */
static void
check_systemd(const struct conf *cf, struct run *r)
{
	struct stat	sb;

	if (!cf->daemonize)
		return;
	if (r->env.systemd_given || (lstat("/run/systemd/system", &sb) == 0 &&
	    S_ISDIR(sb.st_mode))) {
		r->use_unit = 1;
		return;
	}
	add_warning(r, "no running systemd: virt-v2v runs as a direct "
	    "child and cpu throttling is unavailable");
}

int
validate(const struct conf *cf, struct run *r, char *err, size_t errlen)
{
	if (env_load(&r->env, err, errlen) == -1 ||
	    users_resolve(cf, r, err, errlen) == -1 ||
	    (cf->output == OUTPUT_KUBEVIRT &&
	    kube_logdir(r, err, errlen) == -1) ||
	    setup_check(r, err, errlen) == -1 ||
	    probe_caps(r, err, errlen) == -1 ||
	    check_vault(cf, r, err, errlen) == -1 ||
	    check_iso(cf, r, err, errlen) == -1 ||
	    ovirt_prepare(cf, r, err, errlen) == -1)
		return -1;
	kube_prepare(cf, r);
	check_systemd(cf, r);
	return 0;
}

/*
 * --check-rhv-guest-tools: is there a tools ISO to install drivers
 * from?  Exit 0 when one is found, as upstream.
 */
int
check_guest_tools(void)
{
	struct env	e;
	char		out[PATH_MAX] = "", warn[512] = "", err[512] = "";

	if (env_load(&e, err, sizeof(err)) == -1)
		fatalx("%s", err);
	if (iso_find_bounded(e.iso_root, NULL, out, sizeof(out), warn, sizeof(warn),
	    err, sizeof(err)) == -1 || out[0] == '\0') {
		log_warnx("%s", out[0] == '\0' ? warn : err);
		return 1;
	}
	printf("%s\n", out);
	return 0;
}
