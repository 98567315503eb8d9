/* SPDX-License-Identifier: ISC */
/*
 * Reading a small file whole, as a string: /proc and cgroup files that
 * the parent and priv look at.
 */
#include <fcntl.h>
#include <unistd.h>

#include "common/slurp.h"

/* At most len - 1 bytes of dirfd/path, NUL-terminated; -1 or 0 when
 * there is nothing to read. */
ssize_t
slurp_at(int dirfd, const char *path, char *buf, size_t len)
{
	ssize_t	n;
	int	fd;

	if (len == 0 || (fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return n;
}
