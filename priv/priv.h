/* SPDX-License-Identifier: ISC */
/*
 * priv: uid 0 with CAP_NET_ADMIN and CAP_KILL only.  It holds every
 * authoritative fact of the run (pids, descriptors, secret names) and
 * takes nothing from the monitor but numbers it validates.
 *
 * Its configuration (priv/privconf.h) is the parent's and read-only;
 * struct priv is what changes while it runs.  virt-v2v and the monitor
 * each move through phases, only by priv_v2v_phase() and
 * priv_mon_phase() (priv/phase.c), which refuse any other move.
 */
#ifndef PRIV_H
#define PRIV_H

#include <sys/types.h>

#include "common/end.h"
#include "common/imsg.h"
#include "common/tc.h"
#include "common/wrapper.h"
#include "priv/privconf.h"

enum v2v_phase {
	V2V_NEW,		/* not started yet */
	V2V_RUNNING,
	V2V_GONE,		/* its unit's process is gone, systemd has
				 * not said how it ended yet */
	V2V_ENDED,		/* its wait status is known */
	V2V_NOSTART,		/* it could not be started */
	V2V_PHASE_MAX
};

enum mon_phase {
	MON_RUNNING,
	MON_DRAINING,		/* it exited: read what it left, to EOF */
	MON_DONE,		/* it wrote the final state, said so */
	MON_LOST,		/* its socket closed without DONE */
	MON_PHASE_MAX
};

/* The oVirt cleanup client (priv/cleaner.c). */
enum clean_phase {
	CLEAN_NONE,		/* none: not an rhv-upload run */
	CLEAN_WAITING,		/* started with the run, waits for orders */
	CLEAN_RUNNING,		/* ordered to clean, not ended yet */
	CLEAN_DONE,		/* ended, let go, or stopped */
};

struct priv {
	const struct privconf	*conf;
	struct imsgbuf		 ibuf;
	enum v2v_phase		 v2v;
	enum mon_phase		 mon;
	pid_t			 v2v_pid;	/* once started */
	int			 v2v_status;	/* wait status, once ENDED */
	int			 pidfd;		/* a unit's MainPID, or -1 */
	int			 gone_ticks;	/* GONE: asked systemd so often */
	long long		 unit_check_at;	/* a unit without a pidfd: next ask */
	long long		 done_by;	/* the monitor's DONE is due (or 0) */
	int			 stop_sig;	/* we were asked to stop it */
	long long		 stop_deadline;	/* then KILL (mono_ms) */
	int			 mon_failed;	/* the monitor's verdict */
	pid_t			 monitor_pid;	/* -1 once reaped */
	pid_t			 agent_pid;	/* -1 once stopped or reaped */
	pid_t			 kube_pid;	/* -1 once reaped */
	int			 secrets_gone;
	unsigned char		 secret_gone[SECRETS_MAX];
	/* the cleanup client, and the disk ids the monitor passed on */
	enum clean_phase	 clean;
	pid_t			 cleaner_pid;	/* -1 once reaped */
	int			 cleanerfd;	/* its orders, until given */
	long long		 clean_by;	/* RUNNING: then it is killed */
	int			 log_done;	/* the monitor said LOG_DONE */
	char			 ids[DISK_IDS_MAX][DISK_ID_LEN + 1];
	int			 nids;
	int			 cleaned;
	/*
	 * Limits the monitor asked for, the newest per kind, applied at
	 * most once a second per kind: a flood of valid requests costs the
	 * host one systemctl or tc change a second, not one per request.
	 */
	struct {
		int		 pending;
		long long	 value;
		long long	 last;		/* mono_ms of the last, or 0 */
	}			 lim[LIMIT_NET + 1];
	/* network limits: the run's tc class, or why there is none */
	int			 netwhy;
	struct tc		 tc;
};

#define PRIV_STOP_GRACE_MS	30000	/* TERM, then KILL after this */
#define PRIV_LIMIT_MS		1000	/* one change per kind this often */
#define PRIV_ANSWERS_MAX	64	/* queued for the monitor: read no more */
#define PRIV_DONE_MS		60000	/* from virt-v2v's end to DONE */
#define PRIV_DONE_STOP_MS	5000	/* the same, once asked to stop */
#define PRIV_REAP_SEC		5	/* for the monitor's own end */
#define PRIV_KUBE_SEC		30	/* the pod's last patches */
#define PRIV_CLEANER_MS		(330 * 1000)	/* the client's 300 s, and
						 * its last requests */

/* priv.c */
__attribute__((noreturn))
void	priv_exit(int);

/* phase.c */
void	priv_v2v_phase(struct priv *, enum v2v_phase);
void	priv_mon_phase(struct priv *, enum mon_phase);
int	priv_v2v_started(const struct priv *);
int	priv_v2v_running(const struct priv *);

/* run.c: the run's events, as priv's loop and its dispatcher see them */
void	priv_init(struct priv *, const struct privconf *);
void	priv_compose(struct priv *, int, const void *, size_t);
void	priv_send_seeds(struct priv *);
void	priv_start_v2v(struct priv *);
void	priv_ended(struct priv *, int);
void	priv_check_unit(struct priv *, int);
void	priv_stop(struct priv *, int);
void	priv_apply_limit(struct priv *, int, long long);
void	priv_want_limit(struct priv *, int, long long);
int	priv_limits_due(struct priv *, long long);
void	priv_end_facts(const struct priv *, enum end_cause,
	    struct end_facts *);
__attribute__((noreturn, format(printf, 2, 3)))
void	priv_violation(struct priv *, const char *, ...);
__attribute__((noreturn))
void	priv_monitor_lost(struct priv *);

/* dispatch.c */
void	priv_read_monitor(struct priv *);
void	priv_drain_monitor(struct priv *);

/* caps.c */
void	caps_drop(void);
void	caps_trim(void);

/* child.c */
int	child_release(const struct privconf *);
void	child_signal(pid_t, int);
int	child_stop_wait(pid_t, int);
void	child_kill_wait(pid_t);
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

int	unit_show(const struct privconf *, struct unit_state *);
int	unit_wait_status(const struct unit_state *);
pid_t	unit_start(const struct privconf *, char *, size_t);
int	unit_pidfd(pid_t);
void	unit_kill(const struct privconf *, int);
void	unit_remove(const struct privconf *);
int	unit_cpu_quota(const struct privconf *, long long);

/* conv.c */
int	conv_start(const struct privconf *, pid_t *, int *, char *, size_t);
void	conv_signal(const struct privconf *, pid_t, int);
int	conv_poll_ms(const struct privconf *, int);
int	conv_ended(const struct privconf *, int *);
void	conv_finish(const struct privconf *);
int	conv_stop_wait(const struct privconf *, pid_t, int);

/* netlimit.c */
int	net_limit(struct priv *, long long, int *);
void	net_adopt(const struct privconf *, pid_t);
void	net_release(struct priv *);

/* cleaner.c */
void	cleaner_init(struct priv *);
int	cleaner_needs_secret(const struct priv *);
void	cleaner_add_id(struct priv *, const char *);
void	cleaner_order(struct priv *);
void	cleaner_reaped(struct priv *, int);
void	cleaner_deadline(struct priv *);
void	cleaner_stop(struct priv *);

/* cleanup.c */
void	cleanup_secrets(struct priv *);
void	cleanup_run(struct priv *);

#endif
