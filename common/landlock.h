/* SPDX-License-Identifier: ISC */
#ifndef LANDLOCK_H
#define LANDLOCK_H

#include <stddef.h>

#define LANDLOCK_READ	1	/* read files, list directories */
#define LANDLOCK_WRITE	2	/* and make, write, rename, remove */

/* A directory (what is beneath it) or a file, opened O_PATH. */
struct landlock_rule {
	int		fd;
	unsigned int	how;
};

int	landlock_confine(const struct landlock_rule *, size_t, int);

#endif
