/* SPDX-License-Identifier: ISC */
/*
 * priv/priv.c itself, unchanged, for the priv fuzz target.  It is
 * included rather than linked because the dispatcher and its helpers
 * are static.  This file is built like the project's code (coverage
 * instrumented), the harness in fuzz_priv.c only for the sanitizers, so
 * that libFuzzer's "cov:" counts priv's edges, not the harness's.
 *
 * A few of priv.c's calls are renamed to the harness's recorders with
 * macros, because their real definitions are linked in for other
 * callers or are the C library's:
 *   exit            priv_monitor_lost() ends the process: the harness
 *                   records the code and longjmp()s back instead
 *   state_write     common/state.o is linked for state_init() and
 *                   friends; the final state is recorded, not written
 *   imsg_read/get/free/compose
 *                   the real functions run, and the harness sees each
 *                   read, each message priv dispatches (and when it is
 *                   done with it), and each message priv sends
 * The system headers are included first, so that only priv.c's calls
 * are renamed, never their declarations.  fatalx() needs no macro:
 * common/log.o is not linked, the harness defines the log functions.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/imsg.h"
#include "common/log.h"
#include "common/state.h"
#include "common/wrapper.h"
#include "priv/priv.h"
#include "regress/fuzz/targets/fuzzpriv.h"

#define exit		fz_exit
#define state_write	fz_state_write
#define imsg_read	fz_imsg_read
#define imsg_get	fz_imsg_get
#define imsg_free	fz_imsg_free
#define imsg_compose	fz_imsg_compose
#include "priv/priv.c"
#undef exit
#undef state_write
#undef imsg_read
#undef imsg_get
#undef imsg_free
#undef imsg_compose

/* Static: its 64 KiB read buffer is not cleared on the stack per input. */
static struct priv	fzp;

/* As priv_main() sets it up, without its signals and capabilities. */
void
fzp_init(struct privconf *pc)
{
	memset(&fzp, 0, sizeof(fzp));
	fzp.pc = pc;
	fzp.pidfd = -1;
	imsg_init(&fzp.ibuf, pc->sock);
}

void
fzp_view(struct fzp_view *v)
{
	v->v2v_pid = fzp.v2v_pid;
	v->pidfd = fzp.pidfd;
	v->v2v_running = fzp.v2v_running;
	v->v2v_started = fzp.v2v_started;
	v->v2v_exited = fzp.v2v_exited;
	v->v2v_status = fzp.v2v_status;
	v->stopping = fzp.stopping;
	v->monitor_eof = fzp.monitor_eof;
	v->monitor_done = fzp.monitor_done;
	v->backlog = fzp.backlog;
	v->failed = fzp.failed;
}

void
fzp_start(void)
{
	priv_start_v2v(&fzp);
}

void
fzp_read(void)
{
	priv_read_monitor(&fzp);
}

/* virt-v2v ended, as priv learns it: a unit through its pidfd and
 * systemd, a direct child through waitpid(). */
void
fzp_ended(int status)
{
	if (fzp.pc->unit[0] != '\0')
		priv_check_unit(&fzp, 1);
	else if (fzp.v2v_running)
		priv_ended(&fzp, status);
}

void
fzp_stop(int sig)
{
	priv_stop(&fzp, sig);
}

void
fzp_monitor_lost(void)
{
	priv_monitor_lost(&fzp);
}

void
fzp_clear(void)
{
	imsg_clear(&fzp.ibuf);
	if (fzp.pidfd != -1) {
		close(fzp.pidfd);
		fzp.pidfd = -1;
	}
}
