/* SPDX-License-Identifier: ISC */
/*
 * virt-v2v-wrapper: start one virt-v2v conversion for a caller, report
 * it through a state file.  main() is the parent: read and validate the
 * input, prepare the run, print the one stdout line, go to the
 * background, and become priv (DESIGN.md section 3).
 */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <paths.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "common/config.h"
#include "common/log.h"
#include "common/wipe.h"
#include "common/wrapper.h"
#include "monitor/monitor.h"
#include "parent/parent.h"
#include "parent/vault.h"

static __attribute__((noreturn)) void
usage(void)
{
	fprintf(stderr, "usage: virt-v2v-wrapper [-nv] < input.json\n"
	    "       virt-v2v-wrapper --cleanup | --checks | "
	    "--check-rhv-guest-tools |\n"
	    "                        --check-rhv-version | --version\n"
	    "       virt-v2v-wrapper --prune-logs[=days]\n");
	exit(1);
}

static void
std_open(void)
{
	int	fd;

	for (fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++)
		if (fcntl(fd, F_GETFD) == -1 && open(_PATH_DEVNULL,
		    fd == STDIN_FILENO ? O_RDONLY : O_WRONLY) != fd)
			_exit(1);
}

static void
init_run(struct run *r)
{
	memset(r, 0, sizeof(*r));
	r->pc.basefd = r->logdirfd = r->pc.rundirfd = r->pc.secretdirfd = -1;
	r->pc.privdirfd = r->mrlogfd = -1;
	r->pc.lockfd = r->v2vlogfd = r->v2vlogrfd = r->mrlogrfd = -1;
	r->logfd = -1;
	r->pc.netparentfd = r->pc.netcgfd = -1;
	r->pc.steerparentfd = r->pc.steercgfd = r->pc.steerpinfd = -1;
	r->steer.mapfd = r->steer.progfd = -1;
	r->pc.agent_pid = r->pc.v2v_pid = -1;
	r->pc.cleaner_pid = r->pc.cleanerfd = r->pc.kube_pid = -1;
	r->pc.gofd = r->pc.execfd = r->pc.readyfd = r->pc.sock = -1;
	r->pc.monitor_pid = -1;
	r->pc.root = geteuid() == 0;
}

/* --cleanup: what runs whose priv died left behind. */
static int
cleanup_only(struct run *r)
{
	char	err[512];
	int	n;

	if (env_load(&r->env, err, sizeof(err)) == -1)
		fatalx("%s", err);
	if ((n = reap_dead_runs(&r->env)) == -1)
		fatal("cleanup: %s", r->env.run_dir);
	printf("%d dead run%s cleaned up\n", n, n == 1 ? "" : "s");
	return 0;
}

static int
parse_args(int argc, char *argv[], struct run *r)
{
	int	i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--version") == 0) {
			printf("virt-v2v-wrapper %s\n", WRAPPER_VERSION);
			exit(0);
		} else if (strcmp(argv[i], "--cleanup") == 0) {
			exit(cleanup_only(r));
		} else if (strcmp(argv[i], "--prune-logs") == 0) {
			exit(prune_logs(NULL));
		} else if (strncmp(argv[i], "--prune-logs=", 13) == 0) {
			exit(prune_logs(argv[i] + 13));
		} else if (strcmp(argv[i], "--checks") == 0) {
			printf("rhv-guest-tools\nrhv-version\n");
			exit(0);
		} else if (strcmp(argv[i], "--check-rhv-guest-tools") == 0)
			exit(check_guest_tools());
		else if (strcmp(argv[i], "--check-rhv-version") == 0)
			exit(check_rhv_version());
		else if (strcmp(argv[i], "-v") == 0)
			r->verbose = 1;
		else if (strcmp(argv[i], "-n") == 0)
			r->dry_run = 1;
		else
			usage();
	}
	return 0;
}

/* The one stdout line; its keys and their order are upstream's. */
static void
print_paths(const struct run *r)
{
	json_t	*o = json_object();
	char	*s;

	json_object_set_new(o, "v2v_log", json_string(r->v2v_log));
	json_object_set_new(o, "wrapper_log", json_string(r->wrapper_log));
	json_object_set_new(o, "state_file", json_string(r->state_file));
	json_object_set_new(o, "throttling_file",
	    json_string(r->throttle_file));
	if ((s = json_dumps(o, JSON_PRESERVE_ORDER)) == NULL)
		fatalx("json_dumps");
	printf("%s\n", s);
	fflush(stdout);
	free(s);
	json_decref(o);
}

/* Everything that can be checked is checked before anything is made. */
static void
load_input(struct conf *cf, struct run *r)
{
	char	 err[512], *buf;
	size_t	 len;

	if ((buf = input_read(STDIN_FILENO, &len, err, sizeof(err))) == NULL)
		fatalx("%s", err);
	if (conf_parse(buf, len, cf, kube_pod() ? CONF_POD : 0, err,
	    sizeof(err)) == -1) {
		explicit_bzero(buf, len);
		fatalx("%s", err);
	}
	explicit_bzero(buf, len);
	free(buf);
	if (validate(cf, r, err, sizeof(err)) == -1)
		fatalx("%s", err);
}

static void
prepare(struct conf *cf, struct run *r)
{
	char	err[512];

	/* Before a new run: what dead ones left (secrets included). */
	if (r->pc.root && reap_dead_runs(&r->env) == -1)
		log_warn("cleanup of dead runs in %s", r->env.run_dir);
	if (setup_create(cf, r, err, sizeof(err)) == -1) {
		setup_undo(r);
		fatalx("%s", err);
	}
	conf_forget_secrets(cf);
	vault_forget_keys(r->luks, r->nluks);
	log_setfd(r->logfd);
	log_info("virt-v2v-wrapper %s, uid %u, tag %s", WRAPPER_VERSION,
	    getuid(), r->pc.tag);
	log_info("state file %s, virt-v2v log %s", r->state_file,
	    r->v2v_log);
	ovirt_log(cf, r);
}

/*
 * After the stdout line an error is no longer an exit status but the
 * state file's: failed, finished, and why.
 */
static __attribute__((noreturn)) void
fail_early(const struct conf *cf, struct run *r, int readyfd,
    const char *msg)
{
	char	c = READY_BYTE;

	log_warnx("%s", msg);
	agent_stop(r);
	setup_finish(r);
	if (setup_state(cf, r, msg) == -1)
		log_warn("writing the state file");
	if (readyfd != -1 && write(readyfd, &c, 1) != 1)
		log_warn("telling the first process");
	exit(2);
}

/* Helpers of the run that the parent starts while it can still make
 * them the conversion user: the ssh-agent, the oVirt cleanup client. */
static void
start_helpers(const struct conf *cf, struct run *r, int readyfd)
{
	char	err[512];

	if (agent_start(cf, r, err, sizeof(err)) == -1 ||
	    ovirt_cleaner_start(cf, r, err, sizeof(err)) == -1)
		fail_early(cf, r, readyfd, err);
	kube_start(r);
}

int
main(int argc, char *argv[])
{
	static struct conf	cf;
	static struct run	r;
	struct rlimit		nocore = { 0, 0 };
	int			readyfd = -1;

	if (argc > 1 && strcmp(argv[1], MONITOR_FLAG) == 0)
		monitor_main(argc, argv);
	if (argc > 1 && strcmp(argv[1], HELPER_FLAG) == 0)
		exec_helper(argc, argv);
	umask(077);
	wipe_json_allocs();
	/* The parent holds the input's secrets for a while: no core file,
	 * no ptrace by another process of the caller's uid. */
	setrlimit(RLIMIT_CORE, &nocore);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	/* A daemon keeps none of its caller's descriptors, and 0 to 2 are
	 * open: a descriptor we open must never land on one of them. */
	closefrom(STDERR_FILENO + 1);
	std_open();
	signal(SIGPIPE, SIG_IGN);
	log_init(1, 0);
	init_run(&r);
	parse_args(argc, argv, &r);
	log_init(1, r.verbose);

	load_input(&cf, &r);
	if (r.dry_run) {
		dry_run(&cf, &r);
		exit(0);
	}
	prepare(&cf, &r);
	if (cf.daemonize) {
		switch (daemon_detach(&readyfd)) {
		case 1:
			print_paths(&r);
			exit(0);
		case -1:
			fatalx("the wrapper daemon did not start; see %s",
			    r.wrapper_log);
		}
	} else
		print_paths(&r);
	/* The scope first: the agent and the monitor are born into it. */
	if (r.use_unit && !r.env.systemd_given)
		scope_adopt(&r);
	start_helpers(&cf, &r, readyfd);
	start(&cf, &r, readyfd);
}
