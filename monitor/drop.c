/* SPDX-License-Identifier: ISC */
/*
 * The monitor's confinement, in the order DESIGN.md section 2 gives,
 * the OpenBSD way: chroot into its run directory while it still may
 * (after it opened the logs it reads, as ntpd chroots to /var/empty), so
 * that /proc and every other path are out of reach on every kernel;
 * then the bounding set (needs CAP_SETPCAP, so while still root), groups,
 * gid, uid, remaining capabilities and the ambient set, no_new_privs,
 * not dumpable (after the uid change, which resets it), Landlock where
 * the kernel has it, and the seccomp filter last.  A sanitizer build
 * keeps the file system (its report goes to a path) and only logs what
 * the filter does not list.
 */
#include <sys/prctl.h>
#include <sys/syscall.h>

#include <linux/capability.h>

#include <errno.h>
#include <grp.h>
#include <string.h>
#include <unistd.h>

#include <cap-ng.h>

#include "common/landlock.h"
#include "common/log.h"
#include "monitor/monitor.h"

static void
drop_ids(uid_t uid, gid_t gid)
{
	uid_t	ru, eu, su;
	gid_t	rg, eg, sg;

	capng_clear(CAPNG_SELECT_BOUNDS);
	if (capng_apply(CAPNG_SELECT_BOUNDS) == -1)
		fatalx("clearing the capability bounding set");
	if (setgroups(1, &gid) == -1)
		fatal("setgroups");
	if (setresgid(gid, gid, gid) == -1)
		fatal("setresgid %u", gid);
	if (setresuid(uid, uid, uid) == -1)
		fatal("setresuid %u", uid);
	if (getresuid(&ru, &eu, &su) == -1 || getresgid(&rg, &eg, &sg) == -1 ||
	    ru != uid || eu != uid || su != uid ||
	    rg != gid || eg != gid || sg != gid)
		fatalx("the uid or gid did not change");
	/* The way back must be closed. */
	if (setuid(0) != -1 || setgid(0) != -1)
		fatalx("could regain root after the drop");
}

/* Read back from the kernel, not our own bookkeeping, and without
 * /proc, which the chroot took away. */
static int
caps_left(void)
{
	struct __user_cap_header_struct	hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct	data[2];
	int				cap, i;

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) == -1)
		return 1;
	for (i = 0; i < 2; i++)
		if (data[i].effective || data[i].permitted ||
		    data[i].inheritable)
			return 1;
	for (cap = 0; prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; cap++)
		if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1)
			return 1;
	return 0;
}

static void
chroot_rundir(int rundirfd)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_UNDEFINED__)
	(void)rundirfd;
	log_warnx("a sanitizer build: the monitor keeps the file system");
#else
	if (fchdir(rundirfd) == -1 || chroot(".") == -1 || chdir("/") == -1)
		fatal("chroot into the run directory");
#endif
}

/* Files only beneath its run directory, no TCP, no program. */
static void
landlock_rundir(int rundirfd)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_UNDEFINED__)
	(void)rundirfd;
#else
	struct landlock_rule	rule = { rundirfd, LANDLOCK_WRITE };
	int			abi;

	if ((abi = landlock_confine(&rule, 1, -1)) == -1)
		fatal("landlock");
	if (abi == 0)
		log_warnx("landlock unavailable: the monitor is confined by "
		    "chroot and seccomp only");
	else
		log_debug("landlock ABI %d", abi);
#endif
}

void
monitor_confine(int rundirfd, unsigned int uid, unsigned int gid, int root)
{
	if (root) {
		chroot_rundir(rundirfd);
		drop_ids(uid, gid);
		capng_clear(CAPNG_SELECT_BOTH);
		if (capng_apply(CAPNG_SELECT_BOTH) == -1)
			fatalx("clearing capabilities");
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0,
		    0) == -1)
			fatal("PR_CAP_AMBIENT_CLEAR_ALL");
		if (caps_left())
			fatalx("capabilities remain after the drop");
	}
	else if (geteuid() == 0) {
		/* uid 0 that may not switch users (a restricted pod): no
		 * capability at all, and no exec under seccomp to get any
		 * back. */
		capng_get_caps_process();
		if (capng_have_capability(CAPNG_EFFECTIVE, CAP_SETPCAP)) {
			capng_clear(CAPNG_SELECT_BOUNDS);
			capng_apply(CAPNG_SELECT_BOUNDS);
		}
		capng_clear(CAPNG_SELECT_CAPS);
		if (capng_apply(CAPNG_SELECT_CAPS) == -1 ||
		    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0,
		    0) == -1)
			fatalx("clearing capabilities");
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal("PR_SET_NO_NEW_PRIVS");
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		fatal("PR_SET_DUMPABLE");
	landlock_rundir(rundirfd);
	/* Where the kernel has seccomp, the monitor runs only under it. */
	if (seccomp_confine() == -1 && errno != ENOSYS)
		fatalx("the seccomp filter could not be installed");
}
