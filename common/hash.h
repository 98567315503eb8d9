/* SPDX-License-Identifier: ISC */
#ifndef HASH_H
#define HASH_H

#include <stddef.h>
#include <stdint.h>

#define HASH_TEXT_MAX	4096	/* STATE_STR_MAX: the longest path */

enum hash_how { HASH_PORTABLE, HASH_FAST };

int		hash_select(enum hash_how);
uint64_t	hash_text(const char *, size_t);

#endif
