/* SPDX-License-Identifier: ISC */
/*
 * Landlock, where the kernel has it (Debian 12's 6.1, RHEL 9 from 9.6):
 * a process gives itself up every file right but those its rules grant
 * beneath a few directories or on a few files, every TCP port but one
 * it may connect to (ABI 4), and signals to, and abstract sockets of,
 * processes outside its domain (ABI 6).  What it has open already stays
 * usable.  The monitor keeps its run directory (monitor/drop.c), the
 * API client reads the system's files and its own (api/confine.c).
 * Built from the kernel's ABI with our own structs, so older headers
 * still build it.
 */
#include <sys/stat.h>
#include <sys/syscall.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "common/landlock.h"

#ifdef __NR_landlock_create_ruleset

#define LL_VERSION		(1U << 0)	/* create_ruleset flag */
#define LL_RULE_PATH_BENEATH	1
#define LL_RULE_NET_PORT	2

/* filesystem rights, ABI 1 to 3, then 5 */
#define LL_FS_ABI1		((1ULL << 13) - 1)	/* EXECUTE .. MAKE_SYM */
#define LL_FS_EXECUTE		(1ULL << 0)
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

struct ll_port {
	uint64_t	allowed;
	uint64_t	port;
};

/* Rights that a rule on a file, not a directory, may hold. */
#define LL_FS_FILE	(LL_FS_EXECUTE | LL_FS_WRITE_FILE | LL_FS_READ_FILE | \
			    LL_FS_TRUNCATE | LL_FS_IOCTL_DEV)

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

/* What LANDLOCK_READ or LANDLOCK_WRITE grant on fd, in this ABI. */
static uint64_t
ll_rights(int fd, unsigned int how, int abi)
{
	struct stat	sb;
	uint64_t	r = LL_FS_READ_FILE | LL_FS_READ_DIR;

	/*
	 * Whatever a caller put in place of the monitor's throttling file
	 * (a link, a FIFO, a directory) must be renamed aside and removed:
	 * a rename needs the right to make a file of its type.  Making a
	 * device node still needs CAP_MKNOD, which nobody confined has.
	 */
	if (how == LANDLOCK_WRITE)
		r |= LL_FS_WRITE_FILE | LL_FS_REMOVE_FILE | LL_FS_REMOVE_DIR |
		    LL_FS_MAKE_REG | LL_FS_MAKE_DIR | LL_FS_MAKE_SYM |
		    LL_FS_MAKE_FIFO | LL_FS_MAKE_SOCK | LL_FS_MAKE_CHAR |
		    LL_FS_MAKE_BLOCK | (abi >= 3 ? LL_FS_TRUNCATE : 0);
	if (fstat(fd, &sb) == 0 && !S_ISDIR(sb.st_mode))
		r &= LL_FS_FILE;
	return r;
}

static int
ll_add(int rfd, int type, const void *rule)
{
	return syscall(__NR_landlock_add_rule, rfd, type, rule, 0) == -1 ?
	    -1 : 0;
}

/*
 * Confine this process to rules (none executes anything) and, with tcp
 * 0 to 65535, to TCP connections to that port and to 53 (a resolver
 * falls back to TCP); tcp -1: no TCP at all.  Returns the ABI (>= 1)
 * once confined, 0 where Landlock is unavailable, -1 on failure.
 */
int
landlock_confine(const struct landlock_rule *rules, size_t n, int tcp)
{
	struct ll_ruleset	rs;
	struct ll_beneath	beneath;
	struct ll_port		port;
	size_t			size, i;
	int			abi, fd, saved;

	abi = syscall(__NR_landlock_create_ruleset, NULL, 0, LL_VERSION);
	if (abi < 1)
		/* Not built in, turned off, or a container's own filter. */
		return errno == ENOSYS || errno == EOPNOTSUPP ||
		    errno == EPERM ? 0 : -1;
	size = ll_ruleset(abi, &rs);
	if ((fd = syscall(__NR_landlock_create_ruleset, &rs, size, 0)) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		memset(&beneath, 0, sizeof(beneath));
		beneath.allowed = ll_rights(rules[i].fd, rules[i].how, abi);
		beneath.parent_fd = rules[i].fd;
		if (ll_add(fd, LL_RULE_PATH_BENEATH, &beneath) == -1)
			goto fail;
	}
	if (abi >= 4 && tcp >= 0 && tcp <= 65535) {
		port.allowed = LL_NET_CONNECT_TCP;
		port.port = (uint64_t)tcp;
		if (ll_add(fd, LL_RULE_NET_PORT, &port) == -1)
			goto fail;
		port.port = 53;
		if (tcp != 53 && ll_add(fd, LL_RULE_NET_PORT, &port) == -1)
			goto fail;
	}
	if (syscall(__NR_landlock_restrict_self, fd, 0) == -1)
		goto fail;
	close(fd);
	return abi;
 fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

#else

int
landlock_confine(const struct landlock_rule *rules, size_t n, int tcp)
{
	(void)rules;
	(void)n;
	(void)tcp;
	return 0;
}

#endif
