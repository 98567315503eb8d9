/* SPDX-License-Identifier: ISC */
/*
 * How a run ended, decided once (common/end.c): the monitor at its last
 * write, priv when it writes the final state itself, the parent when
 * the run fails before it starts, and the cleanup of a dead run all turn
 * what they know into return_code, failed and last_message here.
 */
#ifndef END_H
#define END_H

#include <jansson.h>

struct state;

enum end_cause {
	END_EXITED,		/* virt-v2v ended, or was never started */
	END_SETUP_FAILED,	/* before virt-v2v: detail says why */
	END_START_FAILED,	/* virt-v2v could not be started: detail */
	END_PRIV_LOST,		/* the monitor lost priv */
	END_MONITOR_LOST,	/* priv lost the monitor */
	END_VIOLATION,		/* the monitor broke the protocol */
	END_WRAPPER_DIED,	/* found dead by the cleanup of dead runs */
	END_CAUSE_MAX
};

/* What is known when the run ends. */
struct end_facts {
	enum end_cause	 cause;
	const char	*detail;	/* for SETUP_FAILED, START_FAILED */
	int		 started;	/* virt-v2v ran */
	int		 exited;	/* and its wait status is known */
	int		 status;	/* that wait(2) status */
	int		 stop_sig;	/* the wrapper stopped it on this */
	int		 failed;	/* the monitor's own verdict */
};

/* What the state file says about it. */
struct end {
	int		 has_rc;
	int		 rc;		/* exit status, or -N for signal N */
	int		 failed;
	char		 message[640];	/* an error; "" for none */
	int		 replace;	/* it replaces an earlier error */
};

void		 end_decide(const struct end_facts *, struct end *);
void		 end_apply(const struct end *, struct state *);
void		 end_apply_json(const struct end *, json_t *);
const char	*sig_name(int);

#endif
