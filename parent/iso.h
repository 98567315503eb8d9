/* SPDX-License-Identifier: ISC */
/*
 * The virtio-win ISO of the oVirt ISO domain (install_drivers, virtio_win).
 */
#ifndef ISO_H
#define ISO_H

#include <stddef.h>

#define ISO_DEFAULT_ROOT	"/rhev/data-center/mnt"

/*
 * name NULL: choose the best ISO in the ISO domain under root; finding
 * none is not an error (out is "" and warn says why).  name absolute: an
 * existing regular file.  name bare: a regular file of the ISO domain.
 * Returns 0 with out set, or -1 with one line in err.
 */
int	 iso_find(const char *root, const char *name, char *out, size_t outlen,
	    char *warn, size_t warnlen, char *err, size_t errlen);

/* Versions compared numerically, component by component; for the tests. */
int	 iso_version_cmp(const char *, const char *);

#endif
