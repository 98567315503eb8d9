/* SPDX-License-Identifier: ISC */
/*
 * priv: uid 0 with CAP_NET_ADMIN and CAP_KILL only.  It holds every
 * authoritative fact of the run (pids, descriptors, secret names) and
 * takes nothing from the monitor but numbers it validates.
 */
#ifndef PRIV_H
#define PRIV_H

#include <sys/types.h>
#include <net/if.h>
#include <stddef.h>
#include <stdint.h>

/* tc.c: the host's shared HTB qdisc abc: and one class abc:N per run. */
#define TC_MAJOR	0xabc
#define TC_MINOR_FIRST	1
#define TC_MINOR_LAST	0xffff
#define TC_IF_MAX	64
/*
 * "unlimited" keeps the class, at a rate no link reaches (8 Tbit/s):
 * rate64, as the 32-bit rate field would cap it at 4 GB/s.
 */
#define TC_UNLIMITED	(1ULL << 40)
#define TC_ENOCLS	(-2)	/* no cgroup classifier in the kernel */
#define TC_ENOIF	(-3)	/* no interface we may shape */

struct nl_sock;

struct tc {
	struct nl_sock	*sk;
	uint32_t	 minor;		/* our class, 0 for none */
	int		 nif;
	int		 ifindex[TC_IF_MAX];
	unsigned int	 mtu[TC_IF_MAX];
	char		 ifname[TC_IF_MAX][IFNAMSIZ];
	/* Only regress/tc sets it, to test the rest on a kernel without
	 * cls_cgroup; priv always classifies. */
	int		 no_classifier;
};

struct privconf {
	int		  sock;		/* to the monitor */
	pid_t		  monitor_pid;
	pid_t		  child_pid;	/* virt-v2v, waiting for GO_BYTE */
	int		  gofd;
	int		  execfd;	/* CLOEXEC pipe: errno if exec failed */
	int		  readyfd;	/* to the first process, or -1 */
	int		  rundirfd;
	int		  privdirfd;	/* lock, secrets/, agent/ */
	const char	 *privname;	/* its name in the base directory */
	int		  basefd;
	int		  secretdirfd;
	int		  lockfd;
	int		  root;
	int		  foreground;
	char		**secrets;
	int		  nsecrets;
	char		**disks;	/* source_disks, for the seeds */
	size_t		  ndisks;
	const char	 *warning;	/* "" or a warning for the state */
	pid_t		  agent_pid;	/* the ssh-agent, or -1 */
	long		  ncpu;		/* the run's CPU count, as the monitor's */
	int		  has_cpu, has_net;	/* the input's throttling */
	long long	  cpu, net;
	/* a systemd unit instead of a direct child (unit[0] != '\0') */
	char		  unit[128];
	char		**unit_argv;		/* systemd-run ... */
	const char	 *systemctl;
	/* network limits: the run's net_cls cgroup and its tc class */
	int		  netparentfd, netcgfd;
	int		  netwhy;	/* unavailable (enum limit_why), or 0 */
	const char	 *tag;
	struct tc	  tc;
};

/* priv.c */
__attribute__((noreturn))
void	priv_main(struct privconf *);

/* caps.c */
void	caps_drop(void);

/* child.c */
int	child_release(struct privconf *);
void	child_signal(pid_t, int);
int	child_stop_wait(pid_t, int);
void	child_stop_wait_for(pid_t, int);

/* unit.c */
struct unit_state {
	long	main_pid;
	long	exec_pid;	/* ExecMainPID: kept after the end */
	long	code;		/* ExecMainCode: CLD_EXITED, CLD_KILLED ... */
	long	status;		/* ExecMainStatus */
	char	active[32];
	char	load[32];
};

int	unit_show(struct privconf *, struct unit_state *);
int	unit_wait_status(const struct unit_state *);
pid_t	unit_start(struct privconf *, char *, size_t);
int	unit_pidfd(pid_t);
void	unit_kill(struct privconf *, int);
void	unit_remove(struct privconf *);
int	unit_cpu_quota(struct privconf *, long long);

/* conv.c */
int	conv_start(struct privconf *, pid_t *, int *, char *, size_t);
void	conv_signal(struct privconf *, pid_t, int);
int	conv_poll_ms(const struct privconf *, int);
int	conv_ended(struct privconf *, int *);
void	conv_finish(struct privconf *);
int	conv_stop_wait(struct privconf *, pid_t, int);

/* tc.c */
int	tc_open(struct tc *);
void	tc_close(struct tc *);
int	tc_reserve(struct tc *, uint64_t);
int	tc_rate(struct tc *, uint64_t);
void	tc_release(struct tc *, uint32_t);
void	tc_sweep(struct tc *, const uint8_t *);

/* netlimit.c */
int	net_limit(struct privconf *, pid_t, long long, int *);
void	net_adopt(struct privconf *, pid_t);
void	net_release(struct privconf *);
int	net_lock(int);
void	net_unlock(int);

/* cleanup.c */
void	cleanup_secrets(struct privconf *);
void	cleanup_run(struct privconf *);

#endif
