/* SPDX-License-Identifier: ISC */
/*
 * What the parent hands priv (DESIGN.md section 3): the run as setup
 * prepared it.  The parent fills it while it prepares the run (it is a
 * member of struct run) and priv_main() only reads it: what changes
 * while priv runs lives in priv's own state (priv/priv.h).  This is the
 * one priv header the parent includes.
 */
#ifndef PRIVCONF_H
#define PRIVCONF_H

#include <sys/types.h>

#include <stdint.h>

#include "common/limits.h"

#define LUKS_MAX	64
#define SECRETS_MAX	(3 + LUKS_MAX)

struct privconf {
	/* the processes of the run */
	int		  sock;		/* to the monitor */
	pid_t		  monitor_pid;
	pid_t		  agent_pid;	/* the ssh-agent, or -1 */
	/* rhv-upload: the API client that removes a failed run's disks,
	 * waiting for its orders on cleanerfd; or -1 */
	pid_t		  cleaner_pid;
	int		  cleanerfd;
	/* Kubevirt: the API client that puts the progress on the pod, which
	 * follows the state file and ends after the final one; or -1 */
	pid_t		  kube_pid;
	/* a direct child: virt-v2v forked, waiting for GO_BYTE; or -1 */
	pid_t		  v2v_pid;
	int		  gofd;
	int		  execfd;	/* CLOEXEC pipe: errno if exec failed */
	int		  readyfd;	/* to the first process, or -1 */
	/* a systemd unit instead (unit[0] != '\0') */
	char		  unit[128];
	char		**unit_argv;	/* systemd-run ... */
	const char	 *systemctl;
	/* files */
	char		  tag[64];
	int		  basefd;	/* the base run directory */
	int		  rundirfd;
	int		  privdirfd;	/* lock, secrets/, agent/ */
	const char	 *privname;	/* its name in the base directory */
	int		  lockfd;
	int		  secretdirfd;
	char		 *secrets[SECRETS_MAX];	/* names in secretdirfd */
	int		  nsecrets;
	/* for the monitor's first state */
	char		**disks;	/* source_disks */
	size_t		  ndisks;
	char		  warning[512];	/* "" or a warning for the state */
	/* limits */
	int		  root;		/* the caller is uid 0 */
	long		  ncpu;		/* the run's CPU count, as the monitor's */
	struct limits	  limits;	/* the input's throttling */
	int		  netparentfd;	/* net_cls/v2v-conversion, or -1 */
	int		  netcgfd;	/* its TAG, the run's cgroup, or -1 */
	int		  netwhy;	/* why network limits cannot work */
	/* or cgroup v2: a BPF program copies *steer into skb->priority */
	volatile uint32_t *steer;	/* the mapped value, or NULL */
	int		  steerparentfd; /* CG2/v2v-conversion, or -1 */
	int		  steercgfd;	/* its TAG, the run's cgroup, or -1 */
	int		  steerpinfd;	/* a unit's pin directory, or -1 */
};

__attribute__((noreturn))
void	priv_main(const struct privconf *);

#endif
