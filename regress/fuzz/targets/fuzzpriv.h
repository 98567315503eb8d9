/* SPDX-License-Identifier: ISC */
/*
 * Between the priv fuzz target's harness (fuzz_priv.c) and priv's own
 * code (privdisp.c, which includes priv/priv.c).  The harness never sees
 * struct priv: it drives priv's static functions through the fzp_*
 * entry points and reads priv's facts through a view.  The fz_*
 * functions are what priv.c's calls to imsg_read() and friends are
 * renamed to in privdisp.c; the harness defines them.
 */
#ifndef FUZZPRIV_H
#define FUZZPRIV_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

#include "common/imsg.h"
#include "common/state.h"
#include "priv/priv.h"

/* What priv believes, read after each step. */
struct fzp_view {
	pid_t		v2v_pid;
	int		pidfd;
	int		v2v_running;
	int		v2v_started;
	int		v2v_exited;
	int		v2v_status;
	int		stopping;
	int		monitor_eof;
	int		monitor_done;
	int		backlog;	/* messages read, not yet acted on */
	int		failed;
};

/* privdisp.c: priv's static functions, as priv_main() calls them. */
void	fzp_init(struct privconf *);
void	fzp_view(struct fzp_view *);
void	fzp_start(void);		/* priv_start_v2v() */
void	fzp_read(void);			/* priv_read_monitor() */
void	fzp_ended(int);			/* priv_reap() or priv_check_unit() */
void	fzp_stop(int);			/* priv_stop(): a signal */
__attribute__((noreturn))
void	fzp_monitor_lost(void);		/* priv_monitor_lost() */
void	fzp_clear(void);		/* drop what priv queued and read */

/* fuzz_priv.c: what privdisp.c renames priv.c's calls to. */
__attribute__((noreturn))
void	fz_exit(int);
int	fz_state_write(int, const struct state *);
ssize_t	fz_imsg_read(struct imsgbuf *);
ssize_t	fz_imsg_get(struct imsgbuf *, struct imsg *);
void	fz_imsg_free(struct imsg *);
int	fz_imsg_compose(struct imsgbuf *, uint32_t, uint32_t, pid_t, int,
	    const void *, size_t);

#endif
