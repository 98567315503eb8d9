/* SPDX-License-Identifier: ISC */
/*
 * The LUKS keys vault (luks_keys_vault): passphrases per VM and device.
 */
#ifndef VAULT_H
#define VAULT_H

#include <sys/types.h>
#include <stddef.h>

#define VAULT_MAX	(1024 * 1024)

struct luks_key {
	char	*device;	/* /dev/sdX[N]: the guest's disk order */
	char	*key;		/* the passphrase; wiped by vault_free */
};

/*
 * The keys of vm_name.  A missing file is no keys, not an error.  Returns
 * 0 with *keys and *nkeys set (NULL and 0 for none), or -1 with one line
 * in err.
 */
int	 vault_load(const char *path, int explicit_path, uid_t conv_uid,
	    const char *vm_name, struct luks_key **keys, size_t *nkeys,
	    char *err, size_t errlen);
void	 vault_forget_keys(struct luks_key *, size_t);
void	 vault_free(struct luks_key *, size_t);

#endif
