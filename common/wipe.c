/* SPDX-License-Identifier: ISC */
/*
 * jansson copies every string it parses, passwords included, and frees
 * its buffers without clearing them.  These allocation functions clear
 * what is freed, so that a secret of the input does not linger in the
 * heap of priv, which lives as long as the conversion.
 */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/wipe.h"

static void
wipe_free(void *p)
{
	if (p != NULL) {
		explicit_bzero(p, malloc_usable_size(p));
		free(p);
	}
}

void
wipe_json_allocs(void)
{
	json_set_alloc_funcs(malloc, wipe_free);
}
