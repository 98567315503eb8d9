/* SPDX-License-Identifier: ISC */
/*
 * priv against a hostile monitor.  The test plays the monitor: it runs
 * the real priv_main() in a child whose "virt-v2v" is a dummy process,
 * holds the other end of the socket, and sends what a compromised
 * monitor might.  priv must act on none of it: on the first violation it
 * kills virt-v2v, removes the secrets and exits 1, answering nothing
 * more.  Valid traffic, floods included, is served and changes nothing.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/imsg.h"
#include "common/log.h"
#include "common/wrapper.h"
#include "priv/priv.h"
#include "regress/check.h"


struct harness {
	char		dir[64];
	pid_t		priv;		/* runs priv_main() */
	pid_t		v2v;		/* its dummy virt-v2v */
	struct imsgbuf	ibuf;		/* we are the monitor */
};

/* The dummy virt-v2v: waits for the go byte, then sleeps. */
static pid_t
dummy_v2v(int *gofd, int *execfd)
{
	int	go[2], ex[2];
	pid_t	pid;
	char	c;

	if (pipe2(go, O_CLOEXEC) == -1 || pipe2(ex, O_CLOEXEC) == -1)
		exit(2);
	if ((pid = fork()) == 0) {
		close(go[1]);
		close(ex[0]);
		if (read(go[0], &c, 1) != 1)
			_exit(3);
		close(ex[1]);	/* as a successful exec would */
		for (;;)
			pause();
	}
	close(go[0]);
	close(ex[1]);
	*gofd = go[1];
	*execfd = ex[0];
	return pid;
}

static void
run_priv(struct harness *h, int sock, int report)
{
	static struct privconf	pc;
	static char		name[] = SECRET_VMWARE;
	int			base, priv, sec, fd;

	memset(&pc, 0, sizeof(pc));
	base = open(h->dir, O_RDONLY | O_DIRECTORY);
	mkdirat(base, "run", 0755);
	mkdirat(base, "run.private", 0711);
	priv = openat(base, "run.private", O_RDONLY | O_DIRECTORY);
	mkdirat(priv, SECRETS_DIR, 0700);
	sec = openat(priv, SECRETS_DIR, O_RDONLY | O_DIRECTORY);
	fd = openat(sec, SECRET_VMWARE, O_WRONLY | O_CREAT, 0400);
	if (base == -1 || priv == -1 || sec == -1 || fd == -1 ||
	    write(fd, "pw", 2) != 2)
		exit(2);
	close(fd);
	pc.sock = sock;
	pc.v2v_pid = dummy_v2v(&pc.gofd, &pc.execfd);
	if (write(report, &pc.v2v_pid, sizeof(pc.v2v_pid)) !=
	    sizeof(pc.v2v_pid))
		exit(2);
	close(report);
	pc.monitor_pid = getppid();	/* the test, never reaped here */
	pc.readyfd = -1;
	pc.rundirfd = openat(base, "run", O_RDONLY | O_DIRECTORY);
	pc.privdirfd = priv;
	pc.secretdirfd = sec;
	pc.lockfd = openat(priv, LOCK_NAME, O_RDWR | O_CREAT, 0600);
	pc.basefd = base;
	pc.privname = "run.private";
	pc.secrets[0] = name;
	pc.nsecrets = 1;
	pc.agent_pid = -1;
	pc.netparentfd = pc.netcgfd = -1;	/* no net_cls cgroup */
	pc.netwhy = LIMIT_WHY_NONETCLS;
	pc.ncpu = 1;
	log_init(0, 0);
	priv_main(&pc);
}

static void
start(struct harness *h)
{
	int	sp[2], rep[2];

	snprintf(h->dir, sizeof(h->dir), "/tmp/v2vw-hostile.XXXXXX");
	if (mkdtemp(h->dir) == NULL ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == -1 || pipe(rep) == -1)
		exit(2);
	if ((h->priv = fork()) == 0) {
		close(sp[0]);
		close(rep[0]);
		run_priv(h, sp[1], rep[1]);
	}
	close(sp[1]);
	close(rep[1]);
	if (read(rep[0], &h->v2v, sizeof(h->v2v)) != sizeof(h->v2v))
		exit(2);
	close(rep[0]);
	imsg_init(&h->ibuf, sp[0]);
}

/* Every message priv sends until it is quiet for ms, or gone. */
static int
drain(struct harness *h, int ms, int *types)
{
	struct pollfd	pfd = { h->ibuf.fd, POLLIN, 0 };
	struct imsg	imsg;
	int		count = 0;
	ssize_t		r;

	while (poll(&pfd, 1, ms) == 1) {
		if ((r = imsg_read(&h->ibuf)) <= 0)
			return count;
		while (imsg_get(&h->ibuf, &imsg) > 0) {
			if (types != NULL)
				types[imsg.hdr.type < IMSG_MAX ?
				    imsg.hdr.type : 0]++;
			count++;
			imsg_free(&imsg);
		}
	}
	return count;
}

static int
alive(pid_t pid)
{
	char	path[64], state = 0;
	FILE	*f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	if (fscanf(f, "%*d (%*[^)]) %c", &state) != 1)
		state = 0;
	fclose(f);
	return state != 0 && state != 'Z';
}

/* Wait for priv's end; returns its exit status or -1 after 10 s. */
static int
priv_status(struct harness *h)
{
	struct timespec	nap = { 0, 10 * 1000 * 1000 };
	int		status, i;

	for (i = 0; i < 1000; i++) {
		if (waitpid(h->priv, &status, WNOHANG) == h->priv)
			return WIFEXITED(status) ? WEXITSTATUS(status) :
			    128 + WTERMSIG(status);
		nanosleep(&nap, NULL);
	}
	kill(h->priv, SIGKILL);
	waitpid(h->priv, &status, 0);
	return -1;
}

static int
secret_left(struct harness *h)
{
	char		path[128];
	struct stat	sb;

	snprintf(path, sizeof(path), "%s/run.private/secrets/%s", h->dir,
	    SECRET_VMWARE);
	return stat(path, &sb) == 0;
}

/* The state file priv left holds text. */
static int
state_says(struct harness *h, const char *text)
{
	char	path[128], buf[4096];
	ssize_t	got;
	int	fd;

	snprintf(path, sizeof(path), "%s/run/" STATE_NAME, h->dir);
	if ((fd = open(path, O_RDONLY)) == -1)
		return 0;
	got = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[got > 0 ? got : 0] = '\0';
	return strstr(buf, text) != NULL;
}

static void
finish(struct harness *h)
{
	char	path[128];

	snprintf(path, sizeof(path), "%s/run/" STATE_NAME, h->dir);
	unlink(path);

	if (alive(h->v2v))
		kill(h->v2v, SIGKILL);
	imsg_clear(&h->ibuf);
	close(h->ibuf.fd);
	snprintf(path, sizeof(path), "%s/run.private/secrets/%s", h->dir,
	    SECRET_VMWARE);
	unlink(path);
	snprintf(path, sizeof(path), "%s/run.private/secrets", h->dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/run.private/lock", h->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/run.private", h->dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/run", h->dir);
	rmdir(path);
	rmdir(h->dir);
}

/* One violation: priv must exit 1, kill virt-v2v, remove the secret,
 * and answer nothing after it. */
static void
violation(const char *what, uint32_t type, const void *data, size_t len,
    int raw_len)
{
	struct harness		h;
	struct msg_limit	after = { LIMIT_CPU, 0, 50 };
	struct imsg_hdr		hdr;
	int			types[IMSG_MAX] = { 0 }, rc, i;
	char			buf[64];

	start(&h);
	drain(&h, 300, NULL);		/* seeds, V2V_STARTED */
	if (raw_len) {
		/* A frame whose length no sender would write. */
		memset(&hdr, 0, sizeof(hdr));
		hdr.type = type;
		hdr.len = raw_len;
		memcpy(buf, &hdr, sizeof(hdr));
		if (write(h.ibuf.fd, buf, sizeof(hdr)) != sizeof(hdr))
			exit(2);
	} else
		imsg_compose(&h.ibuf, type, data, len);
	imsg_compose(&h.ibuf, IMSG_LIMIT, &after, sizeof(after));
	imsg_flush(&h.ibuf);
	drain(&h, 2000, types);
	rc = priv_status(&h);
	CHECK(rc == 1, "%s: priv exits 1 (got %d)", what, rc);
	CHECK(types[IMSG_LIMIT_RESULT] == 0,
	    "%s: nothing after the violation is answered", what);
	for (i = 0; i < 100 && alive(h.v2v); i++)
		usleep(10000);	/* SIGKILL lands at once; be fair anyway */
	CHECK(!alive(h.v2v), "%s: virt-v2v is killed", what);
	CHECK(!secret_left(&h), "%s: the secrets are removed", what);
	CHECK(state_says(&h, "\"failed\":true,\"finished\":true"),
	    "%s: the state ends failed and finished", what);
	finish(&h);
}

static void
flood(void)
{
	struct harness		h;
	struct msg_limit	l = { LIMIT_NET, 0, 1048576 };
	int			types[IMSG_MAX] = { 0 }, i, got = 0;

	start(&h);
	drain(&h, 300, NULL);
	for (i = 0; i < 10000; i++) {
		imsg_compose(&h.ibuf, IMSG_LIMIT, &l, sizeof(l));
		if (i % 100 == 99) {
			imsg_flush(&h.ibuf);
			got += drain(&h, 0, types);
		}
	}
	imsg_flush(&h.ibuf);
	while (got < 10000 && drain(&h, 2000, types) > 0)
		got = types[IMSG_LIMIT_RESULT];
	CHECK(types[IMSG_LIMIT_RESULT] == 10000,
	    "flood: 10000 valid limits, 10000 answers (got %d)",
	    types[IMSG_LIMIT_RESULT]);
	CHECK(alive(h.priv) && alive(h.v2v),
	    "flood: priv and virt-v2v still run");
	CHECK(secret_left(&h), "flood: the secrets are untouched");
	kill(h.priv, SIGTERM);		/* ends the run as asked */
	drain(&h, 500, NULL);
	kill(h.priv, SIGKILL);
	priv_status(&h);
	finish(&h);
}

int
main(void)
{
	struct msg_limit	lim;
	struct msg_done		done;
	char			junk[3] = "xyz";

	signal(SIGPIPE, SIG_IGN);
	/* Unbuffered: forked children must not repeat our lines. */
	setvbuf(stdout, NULL, _IONBF, 0);
	violation("unknown type", 999, NULL, 0, 0);
	violation("type 0", IMSG_NONE, NULL, 0, 0);
	violation("a priv-to-monitor type", IMSG_V2V_STARTED, NULL, 0, 0);
	violation("MONITOR_DONE short", IMSG_MONITOR_DONE, junk, 3, 0);
	done.failed = 7;
	violation("MONITOR_DONE failed=7", IMSG_MONITOR_DONE, &done,
	    sizeof(done), 0);
	done.failed = 0;
	violation("MONITOR_DONE while virt-v2v runs", IMSG_MONITOR_DONE,
	    &done, sizeof(done), 0);
	violation("STOP_REQUEST with a payload", IMSG_STOP_REQUEST, junk, 3, 0);
	violation("LIMIT short", IMSG_LIMIT, junk, 3, 0);
	lim = (struct msg_limit){ LIMIT_CPU, 0, -1 };
	violation("LIMIT cpu -1", IMSG_LIMIT, &lim, sizeof(lim), 0);
	lim = (struct msg_limit){ LIMIT_CPU, 0, 100000000 };
	violation("LIMIT cpu 1e8 %", IMSG_LIMIT, &lim, sizeof(lim), 0);
	lim = (struct msg_limit){ LIMIT_NET, 0, 1LL << 60 };
	violation("LIMIT network 2^60", IMSG_LIMIT, &lim, sizeof(lim), 0);
	lim = (struct msg_limit){ 7, 0, 1 };
	violation("LIMIT kind 7", IMSG_LIMIT, &lim, sizeof(lim), 0);
	lim = (struct msg_limit){ LIMIT_CPU, 1, 50 };
	violation("LIMIT padding set", IMSG_LIMIT, &lim, sizeof(lim), 0);
	violation("frame length above the maximum", IMSG_LIMIT, NULL, 0,
	    IMSG_MAXSIZE + 1);
	violation("frame length below the header", IMSG_LIMIT, NULL, 0, 4);
	flood();
	return report();
}
