/* SPDX-License-Identifier: ISC */
#ifndef SLURP_H
#define SLURP_H

#include <sys/types.h>

ssize_t	slurp_at(int, const char *, char *, size_t);

#endif
