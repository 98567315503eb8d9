/* SPDX-License-Identifier: ISC */
/*
 * What the three processes share: message types and their payloads,
 * file names, and the fixed descriptor numbers of the re-exec'd monitor.
 * Every payload is a fixed-size struct checked for its exact length.
 */
#ifndef WRAPPER_H
#define WRAPPER_H

#include <stdint.h>

#define WRAPPER_VERSION		"24"

#define DEFAULT_VIRT_V2V	"/usr/bin/virt-v2v"
#define DEFAULT_LOG_DIR		"/var/log/vdsm/import"
#define DEFAULT_RUN_DIR		"/run/virt-v2v-wrapper"
#define DEFAULT_ISO_ROOT	"/rhev/data-center/mnt"
#define DEFAULT_SSH_AGENT	"/usr/bin/ssh-agent"
#define DEFAULT_SSH_ADD		"/usr/bin/ssh-add"
#define DEFAULT_SYSTEMD_RUN	"/usr/bin/systemd-run"
#define DEFAULT_SYSTEMCTL	"/usr/bin/systemctl"
#define DEFAULT_BUSCTL		"/usr/bin/busctl"
#define DEFAULT_RPM		"/usr/bin/rpm"
#define DEFAULT_DPKG_QUERY	"/usr/bin/dpkg-query"
#define DEFAULT_CGROUP_ROOT	"/sys/fs/cgroup"
/* The oVirt API client, from the program's own PREFIX/bin/NAME:
 * PREFIX/libexec/... (parent/env.c); this one when it is elsewhere. */
#define API_SUBPATH		"libexec/virt-v2v-wrapper/virt-v2v-wrapper-api"
#define DEFAULT_API		"/usr/" API_SUBPATH
/* The one PATH a program we run gets (its argv[0] is absolute anyway). */
#define SAFE_PATH		"PATH=/usr/sbin:/usr/bin:/sbin:/bin"

/* Kubevirt mode, in a conversion pod: the monitor's user (nobody, in any
 * image), the logs, and where virt-v2v writes the VM (-o json -os). */
#define KUBEVIRT_NOBODY		65534
#define KUBEVIRT_LOG_DIR	"/var/log/virt-v2v-wrapper"
#define KUBEVIRT_DATA		"/data/vm"
/* The service account's token, at most (the API client's bound too). */
#define API_TOKEN_MAX		(16 * 1024)

#define DEFAULT_USER		"vdsm"
#define DEFAULT_GROUP		"kvm"
/* Site settings: the conversion user and group, the log directory. */
#define DEFAULT_SITE_CONF	"/etc/virt-v2v-wrapper.conf"

#define RUN_PREFIX		"v2v-import-"
/* systemd's names for a run's units: printf formats of the run's tag */
#define UNIT_FMT		"virt-v2v-%s.service"
#define SCOPE_FMT		"virt-v2v-wrapper-%s.scope"
#define STATE_NAME		"state.json"
#define THROTTLE_NAME		"throttle.json"
#define PRIVATE_SUFFIX		".private"	/* beside the run directory */
#define LOCK_NAME		"lock"
#define SECRETS_DIR		"secrets"
#define SECRET_VMWARE		"vmware_password"
#define SECRET_RHV		"rhv_password"
#define SECRET_SSHKEY		"ssh_key"
#define AGENT_DIR		"agent"
#define AGENT_SOCK		"agent.sock"
#define SECRET_LUKS		"luks_key_"	/* + the entry's index */

/* Descriptors the monitor finds after its re-exec. */
#define MONITOR_FD_SOCK		3
#define MONITOR_FD_RUNDIR	4
#define MONITOR_FD_V2VLOG	5
#define MONITOR_FD_MRLOG	6
#define MONITOR_FD_LOG		7
#define MONITOR_FD_COPY		8	/* Kubevirt: stdout; else closed */
#define MONITOR_FD_MAX		MONITOR_FD_COPY

/* The byte the daemon sends the first process once it runs. */
#define READY_BYTE		'R'
/* The byte priv sends the waiting virt-v2v child to let it exec. */
#define GO_BYTE			'g'

/* Hidden first arguments: the re-exec'd monitor, and the exec helper
 * that a systemd unit runs. */
#define MONITOR_FLAG		"--monitor-internal"
/* The monitor's options, a number in its argv. */
#define MONITOR_OPT_VERBOSE	0x1
#define MONITOR_OPT_ROOT	0x2	/* drop to the monitor's user */
#define MONITOR_OPT_COPY	0x4	/* virt-v2v's output to FD_COPY too */
#define MONITOR_OPT_ALL		0x7
#define HELPER_FLAG		"--exec-helper-internal"

enum imsg_type {
	IMSG_NONE,
	/* priv -> monitor */
	IMSG_DISK_SEED,		/* struct msg_disk */
	IMSG_CONF_WARNING,	/* struct msg_text: for last_message */
	IMSG_CONF_DONE,		/* empty: every seed has been sent */
	IMSG_V2V_STARTED,	/* struct msg_pid */
	IMSG_V2V_START_FAILED,	/* struct msg_text: why */
	IMSG_V2V_EXITED,	/* struct msg_status */
	IMSG_STOPPING,		/* struct msg_signal: the wrapper stops it */
	IMSG_LIMIT_RESULT,	/* struct msg_limit_result */
	/* monitor -> priv */
	IMSG_STOP_REQUEST,	/* empty: the monitor got SIGTERM */
	IMSG_MONITOR_DONE,	/* struct msg_done: final state is on disk */
	IMSG_LIMIT,		/* struct msg_limit */
	/* rhv-upload's disk cleanup; last, so that the numbers above
	 * stay what the fuzz corpus has */
	IMSG_CLEANUP_ARMED,	/* priv, empty, in CONF: a failed run's disks
				 * are removed before the final state */
	IMSG_CLEANUP_DONE,	/* priv, empty: that removal is over */
	IMSG_DISK_ID,		/* monitor, struct msg_disk_id, from the log */
	IMSG_LOG_DONE,		/* monitor, empty: the logs are read to EOF */
	IMSG_CLEANUP_STARTED,	/* priv, struct msg_pid: the API client's,
				 * the state's kill target while it works */
	IMSG_MAX
};

#define DISK_PATH_MAX	1024

struct msg_disk {
	char		path[DISK_PATH_MAX];	/* NUL-terminated */
};

struct msg_text {
	char		text[512];		/* NUL-terminated */
};

struct msg_pid {
	int32_t		pid;
};

/* A wait(2) status, decoded by the receiver. */
struct msg_status {
	int32_t		status;
};

struct msg_signal {
	int32_t		signo;
};

enum limit_kind { LIMIT_CPU = 1, LIMIT_NET = 2 };

/* A throttling request: cpu in percent of one CPU, network in bytes per
 * second; 0 is "unlimited". */
struct msg_limit {
	int32_t		kind;
	int32_t		pad;
	int64_t		value;
};

enum limit_status { LIMIT_APPLIED = 1, LIMIT_UNAVAILABLE, LIMIT_FAILED };

/* Why a limit is unavailable, for last_message. */
enum limit_why {
	LIMIT_WHY_NONE,
	LIMIT_WHY_NOUNIT,	/* no systemd unit (cpu) */
	LIMIT_WHY_NOTROOT,
	LIMIT_WHY_FOREGROUND,
	LIMIT_WHY_NONETCLS,	/* no net_cls cgroup v1 hierarchy mounted */
	LIMIT_WHY_CGROUP2,	/* a cgroup-v2-only host */
	LIMIT_WHY_CGROUP,	/* the run's cgroup could not be made */
	LIMIT_WHY_NOCLS,	/* the kernel has no cgroup classifier */
	LIMIT_WHY_NOIF,		/* no interface we may shape */
	LIMIT_WHY_NOTJOINED,	/* virt-v2v is not in the run's cgroup */
	LIMIT_WHY_HYBRID,	/* cgroup2 mounted too, kernel before 5.15 */
	LIMIT_WHY_NOBPF,	/* cgroup v2: the BPF program or its cgroup */
	LIMIT_WHY_UNIT2,	/* cgroup v2: a unit, systemd cannot take it */
	LIMIT_WHY_MAX
};

struct msg_limit_result {
	int32_t		kind;
	int32_t		status;
	int64_t		value;
	int32_t		why;		/* enum limit_why, for UNAVAILABLE */
	int32_t		pad;
};

/* A disk id rhv-upload printed (disk.id = '...'): 36 characters of
 * hex digits and dashes, NUL-padded.  At most DISK_IDS_MAX a run. */
#define DISK_ID_LEN	36
#define DISK_IDS_MAX	64
struct msg_disk_id {
	char		id[40];
};

struct msg_done {
	int32_t		failed;			/* 0 or 1 */
};

#endif
