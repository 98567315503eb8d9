/* SPDX-License-Identifier: ISC */
/*
 * The end of a run (common/end.c), against DESIGN.md section 1 written
 * out by hand: return_code iff virt-v2v ran and its status is known,
 * failed iff it did not start, did not exit 0, was stopped or a process
 * was lost, and which message stands.  The whole programs use the same
 * rule; this pins it down case by case, JSON form included.
 */
#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/end.h"
#include "common/state.h"
#include "regress/check.h"


static const struct {
	const char		*what;
	struct end_facts	 f;
	int			 has_rc, rc, failed;
	const char		*message;	/* "" for none */
	int			 replace;
} cases[] = {
	{ "exit 0", { END_EXITED, NULL, 1, 1, 0, 0, 0 }, 1, 0, 0, "", 0 },
	{ "exit 1", { END_EXITED, NULL, 1, 1, 1 << 8, 0, 0 }, 1, 1, 1,
	    "virt-v2v exited with status 1", 0 },
	{ "killed by SIGKILL", { END_EXITED, NULL, 1, 1, SIGKILL, 0, 0 },
	    1, -9, 1, "virt-v2v was killed by SIGKILL", 0 },
	{ "a core dump", { END_EXITED, NULL, 1, 1, 0x80 | SIGSEGV, 0, 0 },
	    1, -11, 1, "virt-v2v was killed by SIGSEGV", 0 },
	{ "stopped, exit 0", { END_EXITED, NULL, 1, 1, 0, SIGTERM, 0 }, 1,
	    0, 1, "the conversion was stopped: the wrapper received SIGTERM",
	    1 },
	{ "stopped by SIGINT, exit 1", { END_EXITED, NULL, 1, 1, 1 << 8,
	    SIGINT, 0 }, 1, 1, 1,
	    "the conversion was stopped: the wrapper received SIGINT", 1 },
	{ "the monitor's verdict", { END_EXITED, NULL, 1, 1, 0, 0, 1 }, 1,
	    0, 1, "", 0 },
	{ "status unknown", { END_EXITED, NULL, 1, 0, 0, 0, 0 }, 0, 0, 1,
	    "", 0 },
	{ "never started", { END_EXITED, NULL, 0, 0, 0, 0, 0 }, 0, 0, 1,
	    "", 0 },
	{ "start failed", { END_START_FAILED, "No such file", 0, 0, 0, 0,
	    0 }, 0, 0, 1, "virt-v2v could not be started: No such file", 1 },
	{ "setup failed", { END_SETUP_FAILED, "ssh-add failed", 0, 0, 0, 0,
	    0 }, 0, 0, 1, "ssh-add failed", 1 },
	{ "priv lost", { END_PRIV_LOST, NULL, 1, 0, 0, 0, 0 }, 0, 0, 1,
	    "the privileged wrapper process ended unexpectedly; the "
	    "conversion was stopped", 1 },
	{ "monitor lost, virt-v2v stopped", { END_MONITOR_LOST, NULL, 1, 1,
	    SIGTERM, 0, 0 }, 1, -15, 1, "the monitor process ended "
	    "unexpectedly; the conversion was stopped", 1 },
	{ "violation", { END_VIOLATION, NULL, 1, 0, 0, 0, 0 }, 0, 0, 1,
	    "the monitor process broke the protocol; the conversion was "
	    "stopped", 1 },
	{ "dead wrapper", { END_WRAPPER_DIED, NULL, 0, 0, 0, 0, 0 }, 0, 0, 1,
	    "the wrapper ended unexpectedly; the run was cleaned up "
	    "afterwards", 0 },
};

static void
test_decide(void)
{
	struct end	e;
	size_t		i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		end_decide(&cases[i].f, &e);
		CHECK(e.has_rc == cases[i].has_rc &&
		    (!e.has_rc || e.rc == cases[i].rc) &&
		    e.failed == cases[i].failed &&
		    strcmp(e.message, cases[i].message) == 0 &&
		    (e.message[0] == '\0' || e.replace == cases[i].replace),
		    "%s: rc %d/%d, failed %d, \"%s\"", cases[i].what, e.has_rc,
		    e.rc, e.failed, e.message);
	}
}

/* An error virt-v2v reported stands against a plain exit status. */
static void
test_apply(void)
{
	struct end_facts	 exit1 = { END_EXITED, NULL, 1, 1, 1 << 8, 0, 0 };
	struct end_facts	 stop = { END_EXITED, NULL, 1, 1, 0, SIGTERM, 0 };
	struct end		 e;
	struct state		 st;
	char			*s;

	state_init(&st);
	state_message(&st, MSG_ERROR, "disk full");
	end_decide(&exit1, &e);
	end_apply(&e, &st);
	s = state_dump(&st);
	CHECK(s != NULL && strcmp(s, "{\"disks\":[],\"disk_count\":0,"
	    "\"throttling\":{\"cpu\":null,\"network\":null},\"last_message\":"
	    "{\"message\":\"disk full\",\"type\":\"error\"},\"return_code\":1,"
	    "\"failed\":true,\"finished\":true}") == 0,
	    "exit 1 after virt-v2v's own error: its error stands: %s", s);
	free(s);
	state_free(&st);

	state_init(&st);
	state_message(&st, MSG_ERROR, "disk full");
	end_decide(&stop, &e);
	end_apply(&e, &st);
	CHECK(strcmp(st.message, "the conversion was stopped: the wrapper "
	    "received SIGTERM") == 0, "a stop replaces an earlier error");
	state_free(&st);

	state_init(&st);
	state_message(&st, MSG_WARNING, "slow disk");
	end_decide(&exit1, &e);
	end_apply(&e, &st);
	CHECK(st.msgtype == MSG_ERROR && strcmp(st.message,
	    "virt-v2v exited with status 1") == 0,
	    "an exit status replaces a warning");
	state_free(&st);
}

/* The dead-run cleanup patches the JSON a dead run left. */
static void
test_json(void)
{
	struct end_facts	 f = { .cause = END_WRAPPER_DIED };
	struct end		 e;
	json_t			*o;
	char			*s;

	end_decide(&f, &e);
	o = json_loads("{\"started\":true,\"pid\":7,\"disks\":[],"
	    "\"disk_count\":0,\"last_message\":{\"message\":\"w\","
	    "\"type\":\"warning\"}}", 0, NULL);
	end_apply_json(&e, o);
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	CHECK(s != NULL && strcmp(s, "{\"started\":true,\"pid\":7,"
	    "\"disks\":[],\"disk_count\":0,\"last_message\":{\"message\":"
	    "\"the wrapper ended unexpectedly; the run was cleaned up "
	    "afterwards\",\"type\":\"error\"},\"failed\":true,"
	    "\"finished\":true}") == 0,
	    "dead run with a warning: the error replaces it, keys in order: %s",
	    s);
	free(s);
	json_decref(o);

	o = json_loads("{\"disks\":[],\"last_message\":{\"message\":\"boom\","
	    "\"type\":\"error\"}}", 0, NULL);
	end_apply_json(&e, o);
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	CHECK(s != NULL && strcmp(s, "{\"disks\":[],\"last_message\":"
	    "{\"message\":\"boom\",\"type\":\"error\"},\"failed\":true,"
	    "\"finished\":true}") == 0,
	    "dead run with an error: its error stands: %s", s);
	free(s);
	json_decref(o);
}

static void
test_signames(void)
{
	CHECK(strcmp(sig_name(SIGTERM), "SIGTERM") == 0 &&
	    strcmp(sig_name(SIGKILL), "SIGKILL") == 0 &&
	    strcmp(sig_name(SIGSYS), "SIGSYS") == 0,
	    "signal names from our own table");
	CHECK(strcmp(sig_name(SIGRTMIN + 2), "signal 36") == 0 ||
	    SIGRTMIN + 2 != 36, "a signal without a name: its number");
	CHECK(strcmp(sig_name(0), "signal 0") == 0 &&
	    strcmp(sig_name(99), "signal 99") == 0, "out of range: a number");
}

int
main(void)
{
	test_decide();
	test_apply();
	test_json();
	test_signames();
	return report();
}
