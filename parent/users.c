/* SPDX-License-Identifier: ISC */
/*
 * Who runs what.  As root: the monitor always runs as the unprivileged
 * user (vdsm:kvm); virt-v2v runs as that user too, except for an export
 * domain, which it has to mount over NFS, so as root (as upstream did).
 * Not as root: no switch at all, everything runs as the caller.
 */
#include <grp.h>
#include <stdint.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/config.h"
#include "common/log.h"
#include "parent/parent.h"

/*
 * The account that started the run: the caller, or under sudo the one
 * that ran sudo.  It may read its run's state and write its throttling
 * file; another account may not.
 */
static uid_t
caller_of(void)
{
	const char	*s = getenv("SUDO_UID"), *errstr = NULL;
	uid_t		 uid;

	if (getuid() != 0 || s == NULL)
		return getuid();
	uid = strtonum(s, 1, UINT32_MAX - 1, &errstr);
	return errstr == NULL ? uid : 0;
}

static int
home_of(uid_t uid, struct run *r, char *err, size_t errlen)
{
	struct passwd	*pw;

	if ((pw = getpwuid(uid)) == NULL || pw->pw_dir == NULL) {
		snprintf(err, errlen, "user %u: no passwd entry", uid);
		return -1;
	}
	if ((r->conv_home = strdup(pw->pw_dir)) == NULL)
		fatal("strdup");
	return 0;
}

int
users_resolve(const struct conf *cf, struct run *r, char *err,
    size_t errlen)
{
	struct passwd	*pw;
	struct group	*gr;

	r->caller_uid = caller_of();
	if (cf->output == OUTPUT_KUBEVIRT)
		return kube_users(r, err, errlen) == -1 ? -1 :
		    home_of(r->conv_uid, r, err, errlen);
	if (!r->pc.root) {
		r->mon_uid = r->conv_uid = getuid();
		r->mon_gid = r->conv_gid = getgid();
		return home_of(r->conv_uid, r, err, errlen);
	}
	if ((pw = getpwnam(r->env.user)) == NULL) {
		snprintf(err, errlen, "user %s does not exist (set "
		    "V2V_WRAPPER_USER to another)", r->env.user);
		return -1;
	}
	if ((gr = getgrnam(r->env.group)) == NULL) {
		snprintf(err, errlen, "group %s does not exist (set "
		    "V2V_WRAPPER_GROUP to another)", r->env.group);
		return -1;
	}
	if (pw->pw_uid == 0 || gr->gr_gid == 0) {
		snprintf(err, errlen, "the unprivileged user %s:%s must not "
		    "be root", r->env.user, r->env.group);
		return -1;
	}
	r->mon_uid = pw->pw_uid;
	r->mon_gid = gr->gr_gid;
	if (cf->output == OUTPUT_EXPORT && cf->rhv_url == NULL) {
		r->conv_uid = 0;
		r->conv_gid = 0;
	} else {
		r->conv_uid = r->mon_uid;
		r->conv_gid = r->mon_gid;
	}
	r->conv.drop = 1;
	r->conv.uid = r->conv_uid;
	r->conv.gid = r->conv_gid;
	return home_of(r->conv_uid, r, err, errlen);
}
