/* SPDX-License-Identifier: ISC */
/*
 * The ssh transport authenticates through an ssh-agent: started as the
 * conversion user (its socket must be that user's to use), given the
 * key from the input (else the user's default keys) with ssh-add, and
 * passed to virt-v2v as SSH_AUTH_SOCK.  The key file goes as soon as
 * the agent holds the key.  priv stops the agent when virt-v2v ends.
 */
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/config.h"
#include "common/log.h"
#include "common/slurp.h"
#include "common/wrapper.h"
#include "parent/parent.h"

#define AGENT_TIMEOUT_MS	10000
#define ADD_TIMEOUT_MS		30000

int
agent_paths(struct run *r)
{
	if (snprintf(r->agentdir, sizeof(r->agentdir), "%s/" AGENT_DIR,
	    r->privdir) >= (int)sizeof(r->agentdir) ||
	    snprintf(r->agentsock, sizeof(r->agentsock), "%s/" AGENT_SOCK,
	    r->agentdir) >= (int)sizeof(r->agentsock))
		return -1;
	return 0;
}

/*
 * The conversion user's own 0700 directory in the root-only private
 * directory: only that user can reach the agent's socket.  The agent
 * removes its socket when it gets SIGTERM.
 */
static int
agent_dir(struct run *r, char *err, size_t errlen)
{
	int	fd = -1;

	if (agent_paths(r) == -1) {
		snprintf(err, errlen, "ssh-agent: the run directory path is "
		    "too long");
		return -1;
	}
	if (mkdirat(r->pc.privdirfd, AGENT_DIR, 0700) == -1 ||
	    (fd = openat(r->pc.privdirfd, AGENT_DIR, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) == -1 ||
	    (r->pc.root && fchown(fd, r->conv_uid, r->conv_gid) == -1)) {
		snprintf(err, errlen, "ssh-agent directory %s: %s",
		    r->agentdir, strerror(errno));
		if (fd != -1)
			close(fd);
		unlinkat(r->pc.privdirfd, AGENT_DIR, AT_REMOVEDIR);
		return -1;
	}
	close(fd);
	r->made_agentdir = 1;
	return 0;
}

static int
agent_spawn(struct run *r, char *err, size_t errlen)
{
	static char	 dflag[] = "-D", aflag[] = "-a";
	char		*argv[] = { NULL, dflag, aflag, r->agentsock, NULL };
	char		 home[PATH_MAX + 8], out[1024];
	char		*envp[] = { home, NULL };
	int		 fd, timedout;

	snprintf(home, sizeof(home), "HOME=%s", r->conv_home);
	argv[0] = (char *)(uintptr_t)r->env.ssh_agent;
	if ((r->pc.agent_pid = run_spawn(&r->conv, argv, envp, &fd)) == -1) {
		snprintf(err, errlen, "ssh-agent: %s", strerror(errno));
		return -1;
	}
	/* It prints both lines once its socket listens. */
	if (run_read(fd, out, sizeof(out), "echo Agent pid",
	    mono_ms() + AGENT_TIMEOUT_MS) == -1 ||
	    strstr(out, "echo Agent pid") == NULL) {
		close(fd);
		run_wait(r->pc.agent_pid, mono_ms(), &timedout);
		r->pc.agent_pid = -1;
		snprintf(err, errlen, "ssh-agent did not start: %s",
		    out[0] ? strtok(out, "\n") : "no output");
		return -1;
	}
	close(fd);
	log_info("ssh-agent pid %ld, socket %s", (long)r->pc.agent_pid,
	    r->agentsock);
	return 0;
}

static int
agent_add(struct run *r, int haskey, char *err, size_t errlen)
{
	char	 keyfile[PATH_MAX + 16], home[PATH_MAX + 8];
	char	 sock[PATH_MAX + 16], out[2048], why[256];
	char	*argv[] = { NULL, keyfile, NULL };
	char	*envp[] = { home, sock, NULL };
	int	 status;

	snprintf(keyfile, sizeof(keyfile), "%s/%s", r->secretdir,
	    SECRET_SSHKEY);
	snprintf(home, sizeof(home), "HOME=%s", r->conv_home);
	snprintf(sock, sizeof(sock), "SSH_AUTH_SOCK=%s", r->agentsock);
	argv[0] = (char *)(uintptr_t)r->env.ssh_add;
	if (!haskey)
		argv[1] = NULL;		/* the user's default keys */
	status = run_capture(&r->conv, argv, envp, ADD_TIMEOUT_MS, out, sizeof(out),
	    why, sizeof(why));
	if (status == -1) {
		snprintf(err, errlen, "could not add the SSH key to the "
		    "agent: %s", why);
		return -1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(err, errlen, "could not add the SSH key to the "
		    "agent: %s", out[0] ? strtok(out, "\n") : "ssh-add failed");
		return -1;
	}
	return 0;
}

/* The key is in the agent now: its file has no further use. */
static void
forget_key(struct run *r)
{
	int	i;

	for (i = 0; i < r->pc.nsecrets; i++) {
		if (strcmp(r->pc.secrets[i], SECRET_SSHKEY) != 0)
			continue;
		if (unlinkat(r->pc.secretdirfd, SECRET_SSHKEY, 0) == -1)
			log_warn("removing the ssh key file");
		free(r->pc.secrets[i]);
		r->pc.secrets[i] = r->pc.secrets[--r->pc.nsecrets];
		return;
	}
}

int
agent_start(const struct conf *cf, struct run *r, char *err, size_t errlen)
{
	if (cf->transport != TRANSPORT_SSH)
		return 0;
	if (agent_dir(r, err, errlen) == -1 ||
	    agent_spawn(r, err, errlen) == -1 ||
	    agent_add(r, cf->ssh_key_given, err, errlen) == -1)
		return -1;
	forget_key(r);
	return 0;
}

/* For a run that ends before priv exists. */
void
agent_stop(struct run *r)
{
	int	status;

	if (r->pc.agent_pid > 0) {
		kill(r->pc.agent_pid, SIGTERM);
		waitpid(r->pc.agent_pid, &status, 0);
		r->pc.agent_pid = -1;
	}
	if (r->made_agentdir) {
		unlinkat(r->pc.privdirfd, AGENT_DIR "/" AGENT_SOCK, 0);
		unlinkat(r->pc.privdirfd, AGENT_DIR, AT_REMOVEDIR);
		r->made_agentdir = 0;
	}
}

/* Is PID an ssh-agent started with exactly "-D -a SOCK"? */
static int
agent_is(pid_t pid, const char *sock)
{
	char	path[64], buf[PATH_MAX + 64], *p, *end;
	ssize_t	n;
	int	i;

	snprintf(path, sizeof(path), "/proc/%ld/cmdline", (long)pid);
	if ((n = slurp_at(AT_FDCWD, path, buf, sizeof(buf))) <= 0)
		return 0;
	end = buf + n;
	/* argv[1..3] of agent_spawn(). */
	for (p = buf, i = 0; p < end && i < 3; i++)
		p += strlen(p) + 1;
	return p < end && strcmp(p, sock) == 0 &&
	    strcmp(buf + strlen(buf) + 1, "-D") == 0 && p + strlen(p) + 1 == end;
}

/*
 * A dead run's ssh-agent, which still holds the key.  Its death signal
 * does not reach it: ssh-agent is set-group-ID, and exec clears it.
 * Only processes of the agent directory's owner are looked at; each is
 * pinned with a pidfd before its argv is read, so the signal goes to
 * the process that matched, never to a pid reused in between.
 */
void
agent_reap(int privfd, const char *sock)
{
	struct dirent	*de;
	struct stat	 sb, ps;
	DIR		*d;
	pid_t		 pid;
	char		*end;
	int		 procfd, pidfd;

	if (fstatat(privfd, AGENT_DIR, &sb, AT_SYMLINK_NOFOLLOW) == -1 ||
	    (procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1)
		return;
	if ((d = fdopendir(procfd)) == NULL) {
		close(procfd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		pid = strtol(de->d_name, &end, 10);
		if (*end != '\0' || pid <= 1 ||
		    fstatat(procfd, de->d_name, &ps, 0) == -1 ||
		    ps.st_uid != sb.st_uid)
			continue;
		if ((pidfd = syscall(SYS_pidfd_open, pid, 0)) == -1)
			continue;
		if (agent_is(pid, sock)) {
			log_info("cleanup: ssh-agent pid %ld of a dead run",
			    (long)pid);
			syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
		}
		close(pidfd);
	}
	closedir(d);
}
