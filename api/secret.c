/* SPDX-License-Identifier: ISC */
/*
 * The password, read from a pipe or from the run's secret file into
 * memory that is wiped when it is let go, and the shape of a disk id.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/api.h"

void
secret_free(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

/* All of fd up to API_SECRET_MAX, one trailing newline dropped. */
char *
secret_read_fd(int fd)
{
	char	*s;
	size_t	 len = 0;
	ssize_t	 n;

	if ((s = calloc(1, API_SECRET_MAX + 1)) == NULL)
		return NULL;
	while (len < API_SECRET_MAX) {
		n = read(fd, s + len, API_SECRET_MAX - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += n;
	}
	if (len > 0 && s[len - 1] == '\n')
		s[--len] = '\0';
	if (len == 0 || len == API_SECRET_MAX || strlen(s) != len) {
		explicit_bzero(s, API_SECRET_MAX);
		free(s);
		errno = EINVAL;
		return NULL;
	}
	return s;
}

char *
secret_read_file(const char *path)
{
	char	*s;
	int	 fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return NULL;
	s = secret_read_fd(fd);
	close(fd);
	return s;
}

/* 8-4-4-4-12 hex digits, as oVirt writes them. */
int
uuid_valid(const char *s)
{
	size_t	i;

	if (strlen(s) != UUID_LEN)
		return 0;
	for (i = 0; i < UUID_LEN; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (strchr("0123456789abcdefABCDEF", s[i]) == NULL ||
		    s[i] == '\0')
			return 0;
	}
	return 1;
}
