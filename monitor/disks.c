/* SPDX-License-Identifier: ISC */
/*
 * Which entry of "disks" a source path belongs to.  virt-v2v names a
 * disk's source in different places per version (nbdkit's vddk "Opening
 * file" line, the ssh plugin's config line, 1.x overlay dumps), before
 * or during its copy.  The rule, after upstream's _locate_disk:
 *   - a path seen before the first "Copying disk" belongs to the disk
 *     whose index is its order of first appearance; later paths belong
 *     to the disk being copied;
 *   - found at or after that index: moved into place;
 *   - unknown: it names the placeholder at that index (a disk nobody had
 *     named), or is appended;
 * and no index is ever used past the end of the list.
 */
#include <stdio.h>
#include <string.h>

#include "common/state.h"
#include "monitor/monitor.h"

#define VMFS_PREFIX	"/vmfs/volumes/"

static char *
put(char *dst, const char *s, size_t len)
{
	memcpy(dst, s, len);
	return dst + len;
}

/*
 * "/vmfs/volumes/DS/VM/DISK[-flat].vmdk" -> "[DS] VM/DISK.vmdk", the
 * form VDDK and callers' source_disks use.  Anything else is kept.
 */
size_t
disk_vmdk_name(char *dst, size_t dstsz, const char *s, size_t len)
{
	const char	*ds, *vm, *disk, *end = s + len;
	size_t		 pl = sizeof(VMFS_PREFIX) - 1, dl, n;
	char		*out;

	if (len > pl + 5 && memcmp(s, VMFS_PREFIX, pl) == 0 &&
	    memcmp(end - 5, ".vmdk", 5) == 0) {
		ds = s + pl;
		vm = memchr(ds, '/', end - ds);
		disk = vm ? memchr(vm + 1, '/', end - vm - 1) : NULL;
		if (disk != NULL && vm > ds && disk > vm + 1) {
			dl = end - 5 - (disk + 1);
			if (dl > 5 && memcmp(disk + 1 + dl - 5, "-flat", 5) == 0)
				dl -= 5;
			/* Pieces copied, not printed: a hostile log names
			 * thousands of 4 KiB paths, snprintf was a tenth of
			 * the time. */
			n = (vm - ds) + (disk - vm - 1) + dl + 9;
			if (n < dstsz) {
				out = dst;
				out = put(out, "[", 1);
				out = put(out, ds, vm - ds);
				out = put(out, "] ", 2);
				out = put(out, vm + 1, disk - vm - 1);
				out = put(out, "/", 1);
				out = put(out, disk + 1, dl);
				out = put(out, ".vmdk", 6);
				return n;
			}
		}
	}
	if (len >= dstsz)
		len = dstsz - 1;
	memcpy(dst, s, len);
	dst[len] = '\0';
	return len;
}

/* Placeholders "disk N" up to and including idx; -1 when full. */
int
disk_ensure(struct state *st, int idx)
{
	char	name[32];
	int	i;

	while ((size_t)idx >= st->ndisks) {
		snprintf(name, sizeof(name), "disk %zu", st->ndisks + 1);
		if ((i = state_add_disk(st, name, strlen(name))) == -1)
			return -1;
		state_disk(st, i)->unnamed = 1;
	}
	return 0;
}

/* The path (already cleaned, len bytes, hash h) is the disk at idx's. */
void
disk_locate(struct state *st, int idx, const char *path, size_t len,
    uint64_t h)
{
	int	j;

	if (idx < 0 || idx >= STATE_DISKS_MAX)
		return;
	if ((j = state_find_disk(st, idx, st->ndisks, path, len, h)) != -1) {
		if (j > idx)
			state_move_disk(st, j, idx);
		return;
	}
	if ((size_t)idx < st->ndisks && state_disk(st, idx)->unnamed) {
		state_disk_path(st, idx, path, len);
		state_disk(st, idx)->unnamed = 0;
		return;
	}
	if ((size_t)idx > st->ndisks && disk_ensure(st, idx - 1) == -1)
		return;
	state_add_disk(st, path, len);
}
