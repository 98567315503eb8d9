/*
 * priv: uid 0 with CAP_NET_ADMIN and CAP_KILL only.  It holds every
 * authoritative fact of the run (pids, descriptors, secret names) and
 * takes nothing from the monitor but numbers it validates.
 */
#ifndef PRIV_H
#define PRIV_H

#include <sys/types.h>
#include <stddef.h>

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
	int		  has_cpu, has_net;	/* the input's throttling */
	long long	  cpu, net;
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

/* cleanup.c */
void	cleanup_secrets(struct privconf *);
void	cleanup_run(struct privconf *);

#endif
