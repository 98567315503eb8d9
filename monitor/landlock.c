/* SPDX-License-Identifier: ISC */
/*
 * Landlock over the monitor, where the kernel has it (Debian 12's 6.1,
 * RHEL 9 from 9.6): files only beneath its run directory (it reads the
 * throttling file there, writes and renames the state file, removes what
 * it consumed), and never execute; no TCP (ABI 4); no signal to, and no abstract socket of,
 * a process outside its domain (ABI 6).  What it has open already (the
 * logs, the socket to priv) stays usable.  Built from the kernel's ABI
 * with our own struct, so older headers still build it.
 */
#include <sys/syscall.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "monitor/monitor.h"

#ifdef __NR_landlock_create_ruleset

#define LL_VERSION		(1U << 0)	/* create_ruleset flag */
#define LL_RULE_PATH_BENEATH	1

/* filesystem rights, ABI 1 to 3, then 5 */
#define LL_FS_ABI1		((1ULL << 13) - 1)	/* EXECUTE .. MAKE_SYM */
#define LL_FS_REFER		(1ULL << 13)		/* ABI 2 */
#define LL_FS_TRUNCATE		(1ULL << 14)		/* ABI 3 */
#define LL_FS_IOCTL_DEV		(1ULL << 15)		/* ABI 5 */
#define LL_FS_WRITE_FILE	(1ULL << 1)
#define LL_FS_READ_FILE		(1ULL << 2)
#define LL_FS_READ_DIR		(1ULL << 3)
#define LL_FS_REMOVE_DIR	(1ULL << 4)
#define LL_FS_REMOVE_FILE	(1ULL << 5)
#define LL_FS_MAKE_CHAR		(1ULL << 6)
#define LL_FS_MAKE_DIR		(1ULL << 7)
#define LL_FS_MAKE_REG		(1ULL << 8)
#define LL_FS_MAKE_SOCK		(1ULL << 9)
#define LL_FS_MAKE_FIFO		(1ULL << 10)
#define LL_FS_MAKE_BLOCK	(1ULL << 11)
#define LL_FS_MAKE_SYM		(1ULL << 12)
/* ABI 4 */
#define LL_NET_BIND_TCP		(1ULL << 0)
#define LL_NET_CONNECT_TCP	(1ULL << 1)
/* ABI 6 */
#define LL_SCOPE_ABSTRACT_UNIX	(1ULL << 0)
#define LL_SCOPE_SIGNAL		(1ULL << 1)

struct ll_ruleset {
	uint64_t	fs;
	uint64_t	net;
	uint64_t	scoped;
};

struct ll_beneath {
	uint64_t	allowed;
	int32_t		parent_fd;
} __attribute__((packed));

/* The ruleset of this kernel's ABI, and the size it takes. */
static size_t
ll_ruleset(int abi, struct ll_ruleset *rs)
{
	memset(rs, 0, sizeof(*rs));
	rs->fs = LL_FS_ABI1;
	if (abi >= 2)
		rs->fs |= LL_FS_REFER;
	if (abi >= 3)
		rs->fs |= LL_FS_TRUNCATE;
	if (abi >= 5)
		rs->fs |= LL_FS_IOCTL_DEV;
	if (abi >= 4)
		rs->net = LL_NET_BIND_TCP | LL_NET_CONNECT_TCP;
	if (abi >= 6)
		rs->scoped = LL_SCOPE_ABSTRACT_UNIX | LL_SCOPE_SIGNAL;
	return abi >= 6 ? 24 : abi >= 4 ? 16 : 8;
}

/* 1 confined, 0 unavailable here (said in the log), -1 failed. */
int
landlock_confine(int rundirfd)
{
	struct ll_ruleset	rs;
	struct ll_beneath	rule;
	size_t			size;
	int			abi, fd, saved;

	abi = syscall(__NR_landlock_create_ruleset, NULL, 0, LL_VERSION);
	if (abi < 1) {
		/* Not built in, turned off, or a container's own filter. */
		if (errno == ENOSYS || errno == EOPNOTSUPP || errno == EPERM) {
			log_warnx("landlock unavailable (%s): the monitor is "
			    "confined by chroot and seccomp only",
			    strerror(errno));
			return 0;
		}
		return -1;
	}
	size = ll_ruleset(abi, &rs);
	if ((fd = syscall(__NR_landlock_create_ruleset, &rs, size, 0)) == -1)
		return -1;
	memset(&rule, 0, sizeof(rule));
	/*
	 * Whatever a caller put in place of the throttling file (a link, a
	 * FIFO, a directory) must be renamed aside and removed: a rename
	 * needs the right to make a file of its type.  Making a device node
	 * still needs CAP_MKNOD, which the monitor does not have.
	 */
	rule.allowed = LL_FS_READ_FILE | LL_FS_WRITE_FILE | LL_FS_READ_DIR |
	    LL_FS_REMOVE_FILE | LL_FS_REMOVE_DIR | LL_FS_MAKE_REG |
	    LL_FS_MAKE_DIR | LL_FS_MAKE_SYM | LL_FS_MAKE_FIFO |
	    LL_FS_MAKE_SOCK | LL_FS_MAKE_CHAR | LL_FS_MAKE_BLOCK |
	    (abi >= 3 ? LL_FS_TRUNCATE : 0);
	rule.parent_fd = rundirfd;
	if (syscall(__NR_landlock_add_rule, fd, LL_RULE_PATH_BENEATH, &rule,
	    0) == -1 || syscall(__NR_landlock_restrict_self, fd, 0) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	close(fd);
	log_debug("landlock ABI %d", abi);
	return 1;
}

#else

int
landlock_confine(int rundirfd)
{
	(void)rundirfd;
	log_warnx("landlock unknown to this build: the monitor is confined "
	    "by chroot and seccomp only");
	return 0;
}

#endif
