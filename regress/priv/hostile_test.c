/* SPDX-License-Identifier: ISC */
/*
 * priv against a hostile monitor.  The test plays the monitor: it runs
 * the real priv_main() in a child whose "virt-v2v" is a dummy process,
 * holds the other end of the socket, and sends what a compromised
 * monitor might.  priv must act on none of it: on the first violation it
 * kills virt-v2v, removes the secrets and exits 1, answering nothing
 * more.  Valid traffic, floods included, is served within bounds: the
 * newest limit per kind, one system change a second per kind, a bounded
 * answer queue for a monitor that does not read, and a bounded wait for
 * the last words of a monitor that exited while a child of it keeps
 * writing.
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

#include "common/clock.h"
#include "common/imsg.h"
#include "common/log.h"
#include "common/wrapper.h"
#include "priv/priv.h"
#include "regress/check.h"


enum hmode {
	H_CHILD,	/* a direct virt-v2v child, as in the foreground */
	H_UNIT,		/* a systemd unit: a stand-in systemctl logs calls */
	H_MONCHILD,	/* priv's own "monitor" child exits, we keep writing */
};

struct harness {
	char		dir[64];
	enum hmode	mode;
	pid_t		priv;		/* runs priv_main() */
	pid_t		v2v;		/* its dummy virt-v2v */
	pid_t		mon;		/* its dummy monitor process */
	int		life;		/* the dummy monitor lives while open */
	int		cleaner;	/* give priv a disk cleanup client */
	pid_t		cl;		/* its dummy: orders to dir/orders */
	pid_t		cl_named;	/* the pid CLEANUP_STARTED gave */
	struct imsgbuf	ibuf;		/* we are the monitor */
};

/* The unit's systemctl: logs each call with a timestamp (ns) and acts
 * on the dummy virt-v2v as systemd would on a unit's MainPID. */
static const char systemctl_sh[] =
    "#!/bin/sh\n"
    "d=$(dirname \"$0\")\n"
    "echo \"$(date +%s%N) $*\" >>\"$d/systemctl.log\"\n"
    "p=$(cat \"$d/v2v.pid\")\n"
    "case $1 in\n"
    "show) if [ \"$(cut -d' ' -f3 /proc/$p/stat 2>/dev/null)\" = S ]; then\n"
    "  printf 'MainPID=%s\\nExecMainPID=%s\\nActiveState=active\\n' $p $p\n"
    "  else printf 'MainPID=0\\nExecMainPID=%s\\nActiveState=failed\\n"
    "ExecMainCode=2\\nExecMainStatus=15\\n' $p; fi ;;\n"
    "kill) kill -\"${3#--signal=}\" $p 2>/dev/null ;;\n"
    "stop) kill -9 $p 2>/dev/null ;;\n"
    "esac\n"
    "exit 0\n";

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

/* systemd stands in: the dummy runs at once, systemctl is ours. */
static void
unit_conf(struct harness *h, struct privconf *pc, pid_t v2v)
{
	static char	 path[96], truebin[] = "/bin/true";
	static char	*argv[] = { truebin, NULL };
	char		 pidfile[96], go = GO_BYTE;
	FILE		*f;

	snprintf(pidfile, sizeof(pidfile), "%s/v2v.pid", h->dir);
	snprintf(path, sizeof(path), "%s/systemctl", h->dir);
	if ((f = fopen(pidfile, "w")) == NULL ||
	    fprintf(f, "%d\n", (int)v2v) < 0 || fclose(f) != 0 ||
	    (f = fopen(path, "w")) == NULL ||
	    fputs(systemctl_sh, f) < 0 || fclose(f) != 0 ||
	    chmod(path, 0755) == -1 || write(pc->gofd, &go, 1) != 1)
		exit(2);
	close(pc->gofd);
	close(pc->execfd);
	pc->gofd = pc->execfd = -1;
	pc->v2v_pid = -1;
	snprintf(pc->unit, sizeof(pc->unit), "v2v-hostile.service");
	pc->unit_argv = argv;
	pc->systemctl = path;
}

/* The cleanup client stands in: what priv orders goes to dir/orders. */
static pid_t
dummy_cleaner(struct harness *h, int *fd)
{
	char	path[96], buf[4096];
	int	p[2], out;
	ssize_t	n;
	pid_t	pid;

	if (pipe2(p, O_CLOEXEC) == -1)
		exit(2);
	if ((pid = fork()) == 0) {
		close(p[1]);
		snprintf(path, sizeof(path), "%s/orders", h->dir);
		if ((out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1)
			_exit(2);
		while ((n = read(p[0], buf, sizeof(buf))) > 0)
			if (write(out, buf, n) != n)
				_exit(2);
		_exit(0);
	}
	close(p[0]);
	*fd = p[1];
	return pid;
}

static void
run_priv(struct harness *h, int sock, int report, int life)
{
	static struct privconf	pc;
	static char		name[] = SECRET_VMWARE, rhv[] = SECRET_RHV;
	int			base, priv, sec, fd;
	pid_t			v2v;

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
	if ((fd = openat(sec, SECRET_RHV, O_WRONLY | O_CREAT, 0400)) == -1 ||
	    write(fd, "pw", 2) != 2)
		exit(2);
	close(fd);
	pc.sock = sock;
	v2v = dummy_v2v(&pc.gofd, &pc.execfd);
	if (write(report, &v2v, sizeof(v2v)) != sizeof(v2v))
		exit(2);
	pc.v2v_pid = v2v;
	if (h->mode == H_UNIT)
		unit_conf(h, &pc, v2v);
	/* The monitor process priv watches, reaps and, on a violation,
	 * kills: a child of priv's that lives until the test closes its
	 * end of a pipe (we are the monitor's voice, it is its body). */
	if ((pc.monitor_pid = fork()) == 0) {
		char	c;

		if (h->mode == H_MONCHILD)
			usleep(300 * 1000);	/* then gone: priv reaps it */
		else
			while (read(life, &c, 1) == -1)
				;
		_exit(0);
	}
	close(life);
	if (write(report, &pc.monitor_pid, sizeof(pc.monitor_pid)) !=
	    sizeof(pc.monitor_pid))
		exit(2);
	pc.cleaner_pid = pc.cleanerfd = -1;
	if (h->cleaner)
		pc.cleaner_pid = dummy_cleaner(h, &pc.cleanerfd);
	if (h->cleaner && write(report, &pc.cleaner_pid,
	    sizeof(pc.cleaner_pid)) != sizeof(pc.cleaner_pid))
		exit(2);
	close(report);
	pc.readyfd = -1;
	pc.rundirfd = openat(base, "run", O_RDONLY | O_DIRECTORY);
	pc.privdirfd = priv;
	pc.secretdirfd = sec;
	pc.lockfd = openat(priv, LOCK_NAME, O_RDWR | O_CREAT, 0600);
	pc.basefd = base;
	pc.privname = "run.private";
	pc.secrets[0] = name;
	pc.secrets[1] = rhv;
	pc.nsecrets = 2;
	pc.agent_pid = -1;
	pc.netparentfd = pc.netcgfd = -1;	/* no net_cls cgroup */
	pc.steerparentfd = pc.steercgfd = pc.steerpinfd = -1;	/* nor cgroup v2 */
	pc.netwhy = LIMIT_WHY_NONETCLS;
	pc.ncpu = 1;
	log_init(0, 0);
	priv_main(&pc);
}

static void
start_run(struct harness *h, enum hmode mode, int cleaner)
{
	int	sp[2], rep[2], lp[2];

	h->mode = mode;
	h->cleaner = cleaner;
	h->cl_named = 0;
	snprintf(h->dir, sizeof(h->dir), "/tmp/v2vw-hostile.XXXXXX");
	if (mkdtemp(h->dir) == NULL ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == -1 || pipe(rep) == -1 ||
	    pipe(lp) == -1)
		exit(2);
	if ((h->priv = fork()) == 0) {
		close(sp[0]);
		close(rep[0]);
		close(lp[1]);
		run_priv(h, sp[1], rep[1], lp[0]);
	}
	close(sp[1]);
	close(rep[1]);
	close(lp[0]);
	h->life = lp[1];
	if (read(rep[0], &h->v2v, sizeof(h->v2v)) != sizeof(h->v2v) ||
	    read(rep[0], &h->mon, sizeof(h->mon)) != sizeof(h->mon) ||
	    (h->cleaner && read(rep[0], &h->cl, sizeof(h->cl)) !=
	    sizeof(h->cl)))
		exit(2);
	close(rep[0]);
	imsg_init(&h->ibuf, sp[0]);
}

static void
start(struct harness *h, enum hmode mode)
{
	start_run(h, mode, 0);
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
			if (imsg.hdr.type == IMSG_CLEANUP_STARTED &&
			    imsg.hdr.len - IMSG_HEADER_SIZE ==
			    sizeof(struct msg_pid))
				memcpy(&h->cl_named, imsg.data,
				    sizeof(h->cl_named));
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
secret_is(struct harness *h, const char *name)
{
	char		path[128];
	struct stat	sb;

	snprintf(path, sizeof(path), "%s/run.private/secrets/%s", h->dir,
	    name);
	return stat(path, &sb) == 0;
}

static int
secret_left(struct harness *h)
{
	return secret_is(h, SECRET_VMWARE) || secret_is(h, SECRET_RHV);
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
	if (h->life != -1)
		close(h->life);
	h->life = -1;
	imsg_clear(&h->ibuf);
	close(h->ibuf.fd);
	snprintf(path, sizeof(path), "%s/run.private/secrets/%s", h->dir,
	    SECRET_VMWARE);
	unlink(path);
	snprintf(path, sizeof(path), "%s/run.private/secrets/%s", h->dir,
	    SECRET_RHV);
	unlink(path);
	snprintf(path, sizeof(path), "%s/orders", h->dir);
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

	start(&h, H_CHILD);
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
	CHECK(!alive(h.mon), "%s: the monitor process does not outlive priv",
	    what);
	CHECK(!secret_left(&h), "%s: the secrets are removed", what);
	CHECK(state_says(&h, "\"failed\":true,\"finished\":true"),
	    "%s: the state ends failed and finished", what);
	finish(&h);
}

/* What priv may grow by under a deaf monitor (unbounded, it was 343 MB
 * in 3 s); ASan's quarantine and shadow take more of their own. */
#if defined(__SANITIZE_ADDRESS__)
#define RSS_GROWTH_KB	(64 * 1024)
#else
#define RSS_GROWTH_KB	4096
#endif

/* priv's VmHWM (peak RSS) in kB, or -1. */
static long
peak_kb(pid_t pid)
{
	char	path[64], line[256];
	long	kb = -1;
	FILE	*f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmHWM: %ld", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* As many valid LIMITs as the socket takes now, never blocking. */
static void
pour(int fd, long long value)
{
	static unsigned char	 buf[64 * 40];
	struct imsg_hdr		 hdr = { IMSG_LIMIT, sizeof(hdr) +
				    sizeof(struct msg_limit), 0, 0 };
	struct msg_limit	 l = { LIMIT_CPU, 0, value };
	size_t			 i, one = sizeof(hdr) + sizeof(l);

	for (i = 0; i < sizeof(buf) / one; i++) {
		memcpy(buf + i * one, &hdr, sizeof(hdr));
		memcpy(buf + i * one + sizeof(hdr), &l, sizeof(l));
	}
	while (write(fd, buf, sizeof(buf) / one * one) > 0)
		;
}

/* The monitor is gone (our end closed): priv ends the run itself. */
static void
ends_well(struct harness *h, const char *what)
{
	int	rc, i;

	close(h->ibuf.fd);
	close(h->life);		/* the monitor process goes too */
	h->life = -1;
	rc = priv_status(h);
	CHECK(rc == 2, "%s: priv ends the run, exit 2 (got %d)", what, rc);
	for (i = 0; i < 100 && alive(h->v2v); i++)
		usleep(10000);
	CHECK(!alive(h->v2v), "%s: virt-v2v is stopped", what);
	CHECK(!secret_left(h), "%s: the secrets are removed", what);
	CHECK(state_says(h, "\"failed\":true,\"finished\":true"),
	    "%s: the final state is written", what);
	h->ibuf.fd = open("/dev/null", O_RDONLY);	/* for finish() */
}

/*
 * 10000 valid limits: taken, the newest applied, not one answer each
 * (a direct child has no unit: each answer says "unavailable").
 */
static void
flood(void)
{
	struct harness		h;
	struct msg_limit	l = { LIMIT_NET, 0, 0 };
	int			types[IMSG_MAX] = { 0 }, i;

	start(&h, H_CHILD);
	drain(&h, 300, NULL);
	for (i = 1; i <= 10000; i++) {
		l.value = i;
		imsg_compose(&h.ibuf, IMSG_LIMIT, &l, sizeof(l));
		if (i % 100 == 0) {
			imsg_flush(&h.ibuf);
			drain(&h, 0, types);
		}
	}
	imsg_flush(&h.ibuf);
	drain(&h, 1500, types);
	CHECK(types[IMSG_LIMIT_RESULT] >= 1 && types[IMSG_LIMIT_RESULT] <= 20,
	    "flood: 10000 valid limits, a few answers, not one each (got %d)",
	    types[IMSG_LIMIT_RESULT]);
	CHECK(alive(h.priv) && alive(h.v2v),
	    "flood: priv and virt-v2v still run");
	CHECK(secret_left(&h), "flood: the secrets are untouched");
	ends_well(&h, "flood");
	finish(&h);
}

/*
 * A unit: 2.5 s of cpu limits, one every 2 ms.  systemctl set-property
 * runs at most once a second, and the last value sent is the one that
 * stays.
 */
static void
rate(void)
{
	struct harness		h;
	struct msg_limit	l = { LIMIT_CPU, 0, 0 };
	char			path[96], line[256];
	long long		t, prev = 0, start_ms, gap = -1;
	long			v, last = -1;
	int			calls = 0;
	FILE			*f;

	start(&h, H_UNIT);
	drain(&h, 300, NULL);
	start_ms = mono_ms();
	while (mono_ms() - start_ms < 2500) {
		l.value = 1 + (l.value % 100);
		imsg_compose(&h.ibuf, IMSG_LIMIT, &l, sizeof(l));
		imsg_flush(&h.ibuf);
		drain(&h, 2, NULL);
	}
	drain(&h, 1500, NULL);
	snprintf(path, sizeof(path), "%s/systemctl.log", h.dir);
	if ((f = fopen(path, "r")) != NULL) {
		while (fgets(line, sizeof(line), f) != NULL) {
			if (sscanf(line, "%lld set-property %*s --runtime "
			    "CPUQuota=%ld%%", &t, &v) != 2)
				continue;
			t /= 1000000;
			if (calls > 0 && (gap == -1 || t - prev < gap))
				gap = t - prev;
			prev = t;
			last = v;
			calls++;
		}
		fclose(f);
	}
	CHECK(calls >= 2 && calls <= 5, "rate: 1250 cpu limits in 2.5 s, %d "
	    "systemctl set-property", calls);
	CHECK(gap >= 950, "rate: at most one a second (shortest gap %lld ms)",
	    gap);
	CHECK(last == l.value, "rate: the newest value stays (%ld, sent %ld)",
	    last, (long)l.value);
	ends_well(&h, "rate");
	unlink(path);
	snprintf(path, sizeof(path), "%s/systemctl", h.dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/v2v.pid", h.dir);
	unlink(path);
	finish(&h);
}

/* A monitor that sends valid limits and never reads an answer. */
static void
deaf(void)
{
	struct harness	h;
	long long	t0;
	long		before, after;

	start(&h, H_CHILD);
	drain(&h, 300, NULL);
	before = peak_kb(h.priv);
	fcntl(h.ibuf.fd, F_SETFL, O_NONBLOCK);
	for (t0 = mono_ms(); mono_ms() - t0 < 3000; usleep(1000))
		pour(h.ibuf.fd, 50);
	after = peak_kb(h.priv);
	CHECK(before > 0 && after > 0 && after - before < RSS_GROWTH_KB,
	    "deaf monitor: priv's peak RSS %ld kB, %ld kB before", after,
	    before);
	CHECK(alive(h.priv) && alive(h.v2v),
	    "deaf monitor: priv and virt-v2v still run");
	ends_well(&h, "deaf monitor");
	finish(&h);
}

/*
 * priv's monitor exits; a child of it keeps the socket and keeps
 * writing.  priv reads its last words for a bounded time, then ends the
 * run as for a lost monitor.
 */
static void
undying(void)
{
	struct harness	h;
	long long	t0;
	int		status = -1, gone = 0;

	start(&h, H_MONCHILD);
	drain(&h, 200, NULL);
	fcntl(h.ibuf.fd, F_SETFL, O_NONBLOCK);
	for (t0 = mono_ms(); mono_ms() - t0 < 10000 && !gone; usleep(1000)) {
		pour(h.ibuf.fd, 60);
		drain(&h, 0, NULL);
		gone = waitpid(h.priv, &status, WNOHANG) == h.priv;
	}
	CHECK(gone && mono_ms() - t0 < 5000,
	    "monitor gone, its child writing: priv ends within 5 s (%lld ms)",
	    mono_ms() - t0);
	if (!gone) {
		kill(h.priv, SIGKILL);
		waitpid(h.priv, &status, 0);
	}
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 2,
	    "monitor gone, its child writing: priv exits 2");
	CHECK(!alive(h.v2v), "monitor gone, its child writing: virt-v2v "
	    "is stopped");
	CHECK(!secret_left(&h), "monitor gone, its child writing: the "
	    "secrets are removed");
	CHECK(state_says(&h, "the monitor process ended unexpectedly"),
	    "monitor gone, its child writing: the final state says why");
	finish(&h);
}

/*
 * SIGTERM while the monitor keeps priv's socket readable all the time:
 * ppoll() that finds ready descriptors lets no signal in (Linux 5.3),
 * so priv must look for signals itself.  It stops virt-v2v anyway.
 */
static void
busy(void)
{
	struct harness	h;
	long long	t0, t_stop = -1;
	int		types[IMSG_MAX] = { 0 };

	start(&h, H_CHILD);
	drain(&h, 300, NULL);
	fcntl(h.ibuf.fd, F_SETFL, O_NONBLOCK);
	pour(h.ibuf.fd, 50);
	kill(h.priv, SIGTERM);
	for (t0 = mono_ms(); mono_ms() - t0 < 5000 && t_stop == -1; ) {
		pour(h.ibuf.fd, 50);
		drain(&h, 0, types);
		if (types[IMSG_STOPPING] > 0 || !alive(h.v2v))
			t_stop = mono_ms() - t0;
	}
	CHECK(t_stop != -1 && t_stop < 2000, "a flood keeps the socket "
	    "readable: SIGTERM still stops virt-v2v (%lld ms)", t_stop);
	ends_well(&h, "busy");
	finish(&h);
}

/*
 * virt-v2v ends, the monitor never says DONE, and priv is asked to
 * stop: it must not wait for ever, holding the run's lock, class and
 * cgroup.  It gives the monitor a few seconds, then ends the run.
 */
static void
silent(void)
{
	struct harness	h;
	long long	t0;
	int		types[IMSG_MAX] = { 0 }, rc;

	start(&h, H_CHILD);
	drain(&h, 300, NULL);
	kill(h.v2v, SIGKILL);
	drain(&h, 1000, types);
	CHECK(types[IMSG_V2V_EXITED] == 1, "silent monitor: priv says "
	    "virt-v2v ended");
	t0 = mono_ms();
	kill(h.priv, SIGTERM);
	rc = priv_status(&h);
	CHECK(rc == 2 && mono_ms() - t0 < 15000, "silent monitor: priv ends "
	    "the run after SIGTERM without DONE, exit 2 (got %d, %lld ms)", rc,
	    mono_ms() - t0);
	CHECK(!secret_left(&h), "silent monitor: the secrets are removed");
	CHECK(state_says(&h, "\"failed\":true,\"finished\":true"),
	    "silent monitor: the final state is written");
	CHECK(!alive(h.mon), "silent monitor: its process is stopped");
	finish(&h);
}

static void
disk_id(struct msg_disk_id *m, const char *id)
{
	memset(m, 0, sizeof(*m));
	memcpy(m->id, id, strlen(id) < sizeof(m->id) ? strlen(id) :
	    sizeof(m->id));
}

#define ID_A	"0a0a0a0a-0000-4000-8000-00000000000a"
#define ID_B	"0b0b0b0b-0000-4000-8000-00000000000b"

/*
 * A run with a disk cleanup client: its orders come from priv only after
 * virt-v2v failed and the monitor said LOG_DONE, the rhv password stays
 * until the client ended, and the monitor hears CLEANUP_DONE after that.
 */
static void
cleanup_flow(void)
{
	struct harness		h;
	struct msg_disk_id	m;
	struct msg_done		done = { 1 };
	char			path[128], buf[512];
	int			types[IMSG_MAX] = { 0 }, rc, fd;
	ssize_t			n;

	start_run(&h, H_CHILD, 1);
	drain(&h, 300, types);
	CHECK(types[IMSG_CLEANUP_ARMED] == 1, "cleanup: priv tells the "
	    "monitor there is a cleanup");
	disk_id(&m, ID_A);
	imsg_compose(&h.ibuf, IMSG_DISK_ID, &m, sizeof(m));
	disk_id(&m, ID_B);
	imsg_compose(&h.ibuf, IMSG_DISK_ID, &m, sizeof(m));
	disk_id(&m, ID_A);
	imsg_compose(&h.ibuf, IMSG_DISK_ID, &m, sizeof(m));
	imsg_flush(&h.ibuf);
	kill(h.v2v, SIGKILL);
	drain(&h, 1000, types);
	CHECK(types[IMSG_V2V_EXITED] == 1, "cleanup: virt-v2v ended");
	CHECK(!secret_is(&h, SECRET_VMWARE) && secret_is(&h, SECRET_RHV),
	    "cleanup: at virt-v2v's end the other secrets go, the rhv "
	    "password stays");
	CHECK(alive(h.cl), "cleanup: the client waits for LOG_DONE");
	CHECK(types[IMSG_CLEANUP_STARTED] == 0, "cleanup: no CLEANUP_STARTED "
	    "before the monitor read the logs");
	imsg_compose(&h.ibuf, IMSG_LOG_DONE, NULL, 0);
	imsg_flush(&h.ibuf);
	drain(&h, 2000, types);
	CHECK(types[IMSG_CLEANUP_STARTED] == 1 && h.cl_named == h.cl,
	    "cleanup: CLEANUP_STARTED names the client's pid, the state's "
	    "kill target from then on (%d, client %d)", (int)h.cl_named,
	    (int)h.cl);
	CHECK(types[IMSG_CLEANUP_DONE] == 1, "cleanup: CLEANUP_DONE once the "
	    "client ended");
	CHECK(!secret_is(&h, SECRET_RHV), "cleanup: then the rhv password "
	    "is gone");
	snprintf(path, sizeof(path), "%s/orders", h.dir);
	buf[0] = '\0';
	if ((fd = open(path, O_RDONLY)) != -1) {
		n = read(fd, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = '\0';
		close(fd);
	}
	rc = strcmp(buf, "disk " ID_A "\ndisk " ID_B "\nclean\n");
	for (n = 0; buf[n] != '\0'; n++)
		if (buf[n] == '\n')
			buf[n] = '|';
	CHECK(rc == 0, "cleanup: the orders are each logged id once, then "
	    "clean (got \"%s\")", buf);
	imsg_compose(&h.ibuf, IMSG_MONITOR_DONE, &done, sizeof(done));
	imsg_flush(&h.ibuf);
	rc = priv_status(&h);
	CHECK(rc == 2, "cleanup: the failed run ends with exit 2 (got %d)", rc);
	finish(&h);
}

/* A violation in a run with a cleanup: the client is stopped too.  The
 * messages before it are valid; virt-v2v is killed first when kill_first,
 * and LOG_DONE follows when it is 1. */
static void
cleanup_violation(const char *what, int kill_first, int nvalid,
    uint32_t type, const void *data, size_t len)
{
	struct harness		h;
	struct msg_disk_id	m;
	int			rc, i;
	char			id[40];

	start_run(&h, H_CHILD, 1);
	drain(&h, 300, NULL);
	for (i = 0; i < nvalid; i++) {
		snprintf(id, sizeof(id), "0000%04x-0000-4000-8000-000000000000",
		    i);
		disk_id(&m, id);
		imsg_compose(&h.ibuf, IMSG_DISK_ID, &m, sizeof(m));
	}
	imsg_flush(&h.ibuf);
	if (kill_first) {
		kill(h.v2v, SIGKILL);
		drain(&h, 1000, NULL);
		if (kill_first == 1)
			imsg_compose(&h.ibuf, IMSG_LOG_DONE, NULL, 0);
	}
	imsg_compose(&h.ibuf, type, data, len);
	imsg_flush(&h.ibuf);
	drain(&h, 2000, NULL);
	rc = priv_status(&h);
	CHECK(rc == 1, "%s: priv exits 1 (got %d)", what, rc);
	for (i = 0; i < 100 && alive(h.cl); i++)
		usleep(10000);
	CHECK(!alive(h.cl), "%s: the cleanup client is stopped", what);
	CHECK(!secret_left(&h), "%s: the secrets are removed", what);
	finish(&h);
}

static void
cleanup_violations(void)
{
	struct msg_disk_id	m;
	struct msg_done		done = { 1 };

	disk_id(&m, "0a0a0a0a-0000-4000-8000-00000000000");
	cleanup_violation("DISK_ID of 35 characters", 0, 0, IMSG_DISK_ID, &m,
	    sizeof(m));
	disk_id(&m, ID_A "x");
	cleanup_violation("DISK_ID with a 37th character", 0, 0, IMSG_DISK_ID,
	    &m, sizeof(m));
	disk_id(&m, "0a0a0a0a-0000-4000-8000-00000000000g");
	cleanup_violation("DISK_ID with a g", 0, 0, IMSG_DISK_ID, &m,
	    sizeof(m));
	disk_id(&m, "0a0a0a0a/0000-4000-8000-00000000000a");
	cleanup_violation("DISK_ID with a slash", 0, 0, IMSG_DISK_ID, &m,
	    sizeof(m));
	disk_id(&m, ID_B);
	cleanup_violation("a 65th DISK_ID", 0, DISK_IDS_MAX, IMSG_DISK_ID, &m,
	    sizeof(m));
	cleanup_violation("DISK_ID after LOG_DONE", 1, 0, IMSG_DISK_ID, &m,
	    sizeof(m));
	cleanup_violation("LOG_DONE twice", 1, 0, IMSG_LOG_DONE, NULL, 0);
	cleanup_violation("LOG_DONE while virt-v2v runs", 0, 0, IMSG_LOG_DONE,
	    NULL, 0);
	cleanup_violation("MONITOR_DONE before the cleanup", 2, 0,
	    IMSG_MONITOR_DONE, &done, sizeof(done));
}

int
main(void)
{
	struct msg_limit	lim;
	struct msg_done		done;
	struct msg_disk_id	did;
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
	rate();
	deaf();
	undying();
	busy();
	silent();
	disk_id(&did, ID_A);
	violation("DISK_ID in a run without a cleanup", IMSG_DISK_ID, &did,
	    sizeof(did), 0);
	violation("DISK_ID short", IMSG_DISK_ID, junk, 3, 0);
	cleanup_flow();
	cleanup_violations();
	return report();
}
