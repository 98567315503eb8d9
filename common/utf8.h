/* SPDX-License-Identifier: ISC */
#ifndef UTF8_H
#define UTF8_H

#include <stddef.h>

size_t	utf8_clean(char *, size_t, const char *, size_t);

#endif
