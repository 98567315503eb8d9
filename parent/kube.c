/* SPDX-License-Identifier: ISC */
/*
 * Kubevirt mode, as the parent sets it up: a conversion pod, where the
 * wrapper is the pod's first process and runs as the pod's user.  Who
 * runs what (users.c asks kube_users()), where the logs go, and the API
 * client that puts the progress on the pod (api/kube.c): it follows the
 * state file, so that neither priv nor the monitor talks to the network.
 */
#include <sys/stat.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cap-ng.h>

#include "common/config.h"
#include "common/log.h"
#include "common/slurp.h"
#include "common/wrapper.h"
#include "parent/parent.h"

#define SA_DIR		"/var/run/secrets/kubernetes.io/serviceaccount"
#define TOKEN_MAX	API_TOKEN_MAX

/* DNS-1123 names, as the API takes them: nothing that bends a URL. */
static int
k8s_name(const char *s)
{
	size_t	len = strlen(s);

	return len > 0 && len <= 253 &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789.-") == len;
}

/*
 * A container's first process: how a conversion pod's entrypoint runs
 * the wrapper (exec, PID 1).  On a host, PID 1 is init.
 */
int
kube_pod(void)
{
	return getpid() == 1;
}

/*
 * The pod's users.  virt-v2v runs as the caller (root in the pod, as
 * before).  The monitor and the API client run as the site's user where
 * it exists (vdsm on a host), else, as the pod's first process, as
 * nobody (65534), a number any image has: outside a pod that uid is
 * shared with other daemons, which must not reach the run.  A pod that
 * cannot change its user (no CAP_SETUID or CAP_SETGID) runs everything
 * as the caller, as a wrapper that is not root does: confined, not
 * switched, and without the API client, which would have no uid of its
 * own.
 */
int
kube_users(struct run *r, char *err, size_t errlen)
{
	struct passwd	*pw;
	struct group	*gr;

	r->conv_uid = getuid();
	r->conv_gid = getgid();
	r->conv.drop = 0;
	if ((pw = getpwnam(r->env.user)) != NULL &&
	    (gr = getgrnam(r->env.group)) != NULL && pw->pw_uid != 0 &&
	    gr->gr_gid != 0) {
		r->mon_uid = pw->pw_uid;
		r->mon_gid = gr->gr_gid;
	} else if (kube_pod())
		r->mon_uid = r->mon_gid = KUBEVIRT_NOBODY;
	else if (r->pc.root) {
		snprintf(err, errlen, "Kubevirt mode outside a pod needs the "
		    "user %s and group %s (set V2V_WRAPPER_USER and "
		    "V2V_WRAPPER_GROUP to others)", r->env.user, r->env.group);
		return -1;
	}
	if (r->pc.root) {
		capng_get_caps_process();
		if (!capng_have_capability(CAPNG_EFFECTIVE, CAP_SETUID) ||
		    !capng_have_capability(CAPNG_EFFECTIVE, CAP_SETGID)) {
			log_info("no CAP_SETUID or CAP_SETGID: everything "
			    "runs as uid %u", getuid());
			r->pc.root = 0;
		}
	}
	if (!r->pc.root) {
		r->mon_uid = getuid();
		r->mon_gid = getgid();
	}
	return 0;
}

/*
 * The site's log directory, or in a pod one of its own, made here (by
 * -n too, whose checks open it): 0755, as umask 077 would not have it.
 */
int
kube_logdir(struct run *r, char *err, size_t errlen)
{
	int	fd = -1, rv = 0;

	if (r->env.log_dir != r->env.log_dir_default)
		return 0;
	r->env.log_dir = KUBEVIRT_LOG_DIR;
	if (mkdir(r->env.log_dir, 0755) == -1) {
		if (errno == EEXIST)
			return 0;
		rv = -1;
	} else if ((fd = open(r->env.log_dir, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) == -1 || fchmod(fd, 0755) == -1)
		rv = -1;
	if (rv == -1)
		snprintf(err, errlen, "log directory %s: %s", r->env.log_dir,
		    strerror(errno));
	if (fd != -1)
		close(fd);
	return rv;
}

/*
 * The pod to patch: the API server from the environment Kubernetes
 * gives every pod, the namespace and CA from the service account, the
 * name from POD_NAME (the Downward API), else HOSTNAME.  Outside a pod
 * there is nothing to patch, and that is no error.
 */
void
kube_prepare(const struct conf *cf, struct run *r)
{
	const char	*host = getenv("KUBERNETES_SERVICE_HOST");
	const char	*port = getenv("KUBERNETES_SERVICE_PORT");
	const char	*pod = getenv("POD_NAME");
	char		 ns[256], *nl;
	int		 v6;

	if (cf->output != OUTPUT_KUBEVIRT)
		return;
	/* What kubectl logs shows: after the JSON line, virt-v2v's output. */
	r->copy_stdout = 1;
	if (pod == NULL || *pod == '\0')
		pod = getenv("HOSTNAME");
	if (host == NULL || port == NULL || pod == NULL) {
		log_info("not in a Kubernetes pod: no progress on the pod");
		return;
	}
	if (geteuid() == 0 && !r->pc.root) {
		log_warnx("no user for the API client: no progress on the pod");
		return;
	}
	if (slurp_at(AT_FDCWD, SA_DIR "/namespace", ns, sizeof(ns)) <= 0) {
		log_warn("%s/namespace: no progress on the pod", SA_DIR);
		return;
	}
	if ((nl = strchr(ns, '\n')) != NULL)
		*nl = '\0';
	v6 = strchr(host, ':') != NULL;
	if (!k8s_name(ns) || !k8s_name(pod) || strspn(port,
	    "0123456789") != strlen(port) || strlen(port) > 5 ||
	    strspn(host, "0123456789abcdefABCDEF.:-") != strlen(host) ||
	    (size_t)snprintf(r->kube_url, sizeof(r->kube_url),
	    "https://%s%s%s:%s/api/v1/namespaces/%s/pods/%s", v6 ? "[" : "",
	    host, v6 ? "]" : "", port, ns, pod) >= sizeof(r->kube_url)) {
		log_warnx("the pod's API address, namespace or name is not "
		    "one the wrapper takes: no progress on the pod");
		r->kube_url[0] = '\0';
		return;
	}
	/* A name, not a path: the client must not be sent elsewhere. */
	if (strchr(cf->vm_name, '/') != NULL || cf->vm_name[0] == '.')
		log_warnx("vm_name is not a file name: no metadata on the pod");
	else
		snprintf(r->kube_meta, sizeof(r->kube_meta),
		    KUBEVIRT_DATA "/%s.json", cf->vm_name);
}

/* execve() takes char *const []; nothing writes through these. */
static char *
arg(const char *s)
{
	return (char *)(uintptr_t)s;
}

/*
 * The client, as the monitor's user, the service account's token on a
 * pipe; its log lines go to the wrapper log.  A failure is a warning:
 * the conversion does not depend on the pod's annotations.
 */
void
kube_start(struct run *r)
{
	char		*argv[] = { arg(r->env.api), arg("kube"), arg("--url"),
			    r->kube_url, arg("--cafile"), arg(SA_DIR "/ca.crt"),
			    arg("--state"), r->state_file, arg("--metadata"),
			    r->kube_meta, NULL };
	char		*envp[4] = { arg("LC_ALL=C"), NULL };
	struct creds	 mon = { r->pc.root, r->mon_uid, r->mon_gid };
	char		*token;
	ssize_t		 n;
	int		 infd = -1;

	if (r->kube_url[0] == '\0')
		return;
	sanitizer_env(envp + 1);
	if ((token = calloc(1, TOKEN_MAX)) == NULL)
		fatal("calloc");
	n = slurp_at(AT_FDCWD, SA_DIR "/token", token, TOKEN_MAX);
	if (n <= 0 || n >= TOKEN_MAX - 1 || run_feed(token, n, &infd) == -1)
		log_warnx("%s/token: not readable, or too long: no progress "
		    "on the pod", SA_DIR);
	explicit_bzero(token, TOKEN_MAX);
	free(token);
	if (infd == -1)
		return;
	r->pc.kube_pid = run_start(&mon, argv, envp, infd, r->logfd);
	close(infd);
	if (r->pc.kube_pid == -1)
		log_warn("starting the Kubernetes API client");
	else
		log_info("Kubernetes API client for the pod's progress, pid %ld",
		    (long)r->pc.kube_pid);
}
