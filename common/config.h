/* SPDX-License-Identifier: ISC */
/*
 * The stdin JSON, parsed and validated into one struct before anything
 * is created.  Strings here are free of NUL and newline and bounded.
 */
#ifndef CONFIG_H
#define CONFIG_H

#include <stddef.h>

#include "common/limits.h"

#define CONF_INPUT_MAX		(1024 * 1024)
#define CONF_STR_MAX		4096
#define CONF_DISKS_MAX		256
#define CONF_NETS_MAX		256
#define CONF_DISK_PATH_MAX	1024	/* = DISK_PATH_MAX of the seeds */

enum transport { TRANSPORT_SSH, TRANSPORT_VDDK };
enum output { OUTPUT_RHV_UPLOAD, OUTPUT_EXPORT, OUTPUT_KUBEVIRT };

struct netmap {
	char		*source;
	char		*destination;
	char		*mac;			/* NULL: not given */
};

struct conf {
	char		*vm_name;
	enum transport	 transport;
	char		*vmware_uri;
	char		*vmware_password;	/* secret */
	char		*vmware_fingerprint;
	char		*ssh_key;		/* secret */
	int		 ssh_key_given;
	int		 daemonize;
	char		*output_format;
	enum output	 output;
	char		*export_domain;
	char		*rhv_url;
	char		*rhv_password;		/* secret */
	char		*rhv_cluster;
	char		*rhv_storage;
	char		*rhv_cafile;
	int		 insecure;
	char		*allocation;		/* NULL: not given */
	char		**source_disks;
	size_t		 nsource_disks;
	struct netmap	*netmaps;
	size_t		 nnetmaps;
	char		*virtio_win;		/* NULL: not given */
	int		 install_drivers;
	char		*luks_vault;		/* NULL: the default */
	struct limits	 throttling;
};

#define CONF_POD	0x1	/* the wrapper is a Kubevirt pod's first process */
int	conf_parse(const char *, size_t, struct conf *, unsigned int, char *,
	    size_t);
void	conf_forget_secrets(struct conf *);
void	conf_free(struct conf *);

#endif
