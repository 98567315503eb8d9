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
	/* a systemd unit instead of a direct child (unit[0] != '\0') */
	char		  unit[128];
	char		**unit_argv;		/* systemd-run ... */
	const char	 *systemctl;
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

/* cleanup.c */
void	cleanup_secrets(struct privconf *);
void	cleanup_run(struct privconf *);

#endif
