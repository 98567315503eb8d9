/* SPDX-License-Identifier: ISC */
/*
 * POSIX ACLs on a run's directories, written as the kernel's own xattr
 * (no libacl): which users besides root may enter, and, through a
 * default ACL, what every file made inside gives them whatever the
 * writer's umask (a root caller with umask 077 would otherwise write a
 * throttling file the monitor cannot read).  Group and other get
 * nothing: not every kvm member is to be trusted with a run.
 */
#include <sys/xattr.h>

#include <endian.h>
#include <linux/posix_acl.h>
#include <linux/posix_acl_xattr.h>
#include <stdint.h>
#include <string.h>

#include "parent/parent.h"

#define ACL_ENTRIES_MAX	(4 + ACL_USERS_MAX)

struct acl_buf {
	struct posix_acl_xattr_header	hdr;
	struct posix_acl_xattr_entry	ent[ACL_ENTRIES_MAX];
};

static void
acl_add(struct acl_buf *b, int *n, int tag, int perm, uint32_t id)
{
	b->ent[*n].e_tag = htole16(tag);
	b->ent[*n].e_perm = htole16(perm);
	b->ent[*n].e_id = htole32(id);
	(*n)++;
}

/*
 * owner rwx, each user its perm, no group, a mask that lets the users'
 * perms through, no other.  The kernel wants the users in uid order and
 * each once; root owns the directory and needs no entry.
 */
static int
acl_put(int fd, const char *name, const struct acl_user *in, int nin)
{
	struct acl_user	u[ACL_USERS_MAX], t;
	struct acl_buf	b;
	int		i, j, nu = 0, n = 0, mask = 0;

	for (i = 0; i < nin && nu < ACL_USERS_MAX; i++) {
		if (in[i].uid == 0)
			continue;
		for (j = 0; j < nu && u[j].uid != in[i].uid; j++)
			;
		if (j < nu)
			u[j].perm |= in[i].perm;
		else
			u[nu++] = in[i];
	}
	for (i = 1; i < nu; i++)
		for (j = i; j > 0 && u[j - 1].uid > u[j].uid; j--) {
			t = u[j];
			u[j] = u[j - 1];
			u[j - 1] = t;
		}
	memset(&b, 0, sizeof(b));
	b.hdr.a_version = htole32(POSIX_ACL_XATTR_VERSION);
	acl_add(&b, &n, ACL_USER_OBJ, 7, ACL_UNDEFINED_ID);
	for (i = 0; i < nu; i++) {
		acl_add(&b, &n, ACL_USER, u[i].perm, u[i].uid);
		mask |= u[i].perm;
	}
	acl_add(&b, &n, ACL_GROUP_OBJ, 0, ACL_UNDEFINED_ID);
	acl_add(&b, &n, ACL_MASK, mask, ACL_UNDEFINED_ID);
	acl_add(&b, &n, ACL_OTHER, 0, ACL_UNDEFINED_ID);
	return fsetxattr(fd, name, &b, sizeof(b.hdr) + n * sizeof(b.ent[0]),
	    0);
}

/* The directory's own ACL, and with inherit, the one its files get. */
int
acl_grant(int fd, const struct acl_user *u, int nu, int inherit)
{
	if (acl_put(fd, "system.posix_acl_access", u, nu) == -1)
		return -1;
	if (inherit && acl_put(fd, "system.posix_acl_default", u, nu) == -1)
		return -1;
	return 0;
}
