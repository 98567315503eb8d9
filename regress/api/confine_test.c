/* SPDX-License-Identifier: ISC */
/*
 * The API client's confinement (api/confine.c), in a child confined
 * exactly as the client confines itself.  From inside it tries what a
 * client taken over through a hostile engine reply would: reading the
 * conversion user's ssh key, writing or making a file, running a
 * program, connecting to another TCP port; and what the client needs
 * must still work: its CA, password, state and metadata files, the
 * system's files and the resolver, TCP to its URL's port.  Also
 * url_port() on the URLs the wrapper passes.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/api.h"
#include "regress/check.h"

enum probe { P_ABI, P_CA, P_PW, P_STATE, P_META, P_ETC, P_RESOLVE, P_PORT,
    P_KEY, P_CREATE, P_WRITE, P_EXEC, P_OTHERPORT, P_MAX };

static char	dir[] = "/tmp/v2vw-apiconf.XXXXXX";

static void
put(const char *name, const char *text)
{
	char	path[256];
	int	fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644)) == -1 ||
	    write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		exit(2);
	close(fd);
}

static int
listener(int *port)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);
	int			s;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((s = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    bind(s, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(s, 4) == -1 ||
	    getsockname(s, (struct sockaddr *)&sin, &len) == -1)
		exit(2);
	*port = ntohs(sin.sin_port);
	return s;
}

/* 0 when a TCP connection to 127.0.0.1:port is made, else errno. */
static int
tcp_to(int port)
{
	struct sockaddr_in	sin;
	int			s, rv = 0;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((s = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return errno;
	if (connect(s, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		rv = errno;
	close(s);
	return rv;
}

/* 0 when path opens with flags, else errno. */
static int
opens(const char *name, int flags)
{
	char	path[256];
	int	fd;

	if (name[0] == '/')
		strlcpy(path, name, sizeof(path));
	else
		snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fd = open(path, flags | O_CLOEXEC, 0644)) == -1)
		return errno;
	close(fd);
	return 0;
}

static void
child(int out, int port, int other)
{
	struct apiopts	 o;
	struct addrinfo	*ai = NULL;
	char		 url[128], ca[256], pw[256], st[256], meta[256];
	static char	 prog[] = "/bin/true";
	char		*argv[] = { prog, NULL }, *envp[] = { NULL };
	int		 r[P_MAX];

	memset(&o, 0, sizeof(o));
	snprintf(url, sizeof(url), "https://admin@internal@127.0.0.1:%d/ovirt-"
	    "engine/api", port);
	snprintf(ca, sizeof(ca), "%s/ca.pem", dir);
	snprintf(pw, sizeof(pw), "%s/secrets/rhv_password", dir);
	snprintf(st, sizeof(st), "%s/run/state.json", dir);
	snprintf(meta, sizeof(meta), "%s/vm/vm1.json", dir);
	o.url = url;
	o.cafile = ca;
	o.pwfile = pw;
	o.state = st;
	o.metadata = meta;
	memset(r, 0, sizeof(r));
	/* Unconfined (no Landlock, or a sanitizer build): the probes below
	 * would only show that, and the execve would replace us. */
	if ((r[P_ABI] = api_confine(&o)) == 0) {
		if (write(out, r, sizeof(r)) != sizeof(r))
			_exit(2);
		_exit(0);
	}
	r[P_CA] = opens("ca.pem", O_RDONLY);
	r[P_PW] = opens("secrets/rhv_password", O_RDONLY);
	r[P_STATE] = opens("run/state.json", O_RDONLY);
	r[P_META] = opens("vm/vm1.json", O_RDONLY);
	r[P_ETC] = opens("/etc/passwd", O_RDONLY);
	r[P_RESOLVE] = getaddrinfo("localhost", "443", NULL, &ai);
	if (ai != NULL)
		freeaddrinfo(ai);
	r[P_PORT] = tcp_to(port);
	r[P_KEY] = opens("home/.ssh/id_rsa", O_RDONLY);
	r[P_CREATE] = opens("run/new", O_WRONLY | O_CREAT | O_EXCL);
	r[P_WRITE] = opens("ca.pem", O_WRONLY);
	execve(argv[0], argv, envp);
	r[P_EXEC] = errno;
	r[P_OTHERPORT] = tcp_to(other);
	if (write(out, r, sizeof(r)) != sizeof(r))
		_exit(2);
	_exit(0);
}

static void
test_confined(void)
{
	const char	*dirs[] = { "secrets", "run", "vm", "home", "home/.ssh" };
	char		 path[256];
	int		 r[P_MAX], p[2], ls, lo, port, other, status;
	size_t		 i;
	pid_t		 pid;

	if (mkdtemp(dir) == NULL)
		exit(2);
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, dirs[i]);
		if (mkdir(path, 0755) == -1)
			exit(2);
	}
	put("ca.pem", "-----BEGIN CERTIFICATE-----\n");
	put("secrets/rhv_password", "pw\n");
	put("run/state.json", "{}");
	put("vm/vm1.json", "{}");
	put("home/.ssh/id_rsa", "-----BEGIN OPENSSH PRIVATE KEY-----\n");
	ls = listener(&port);
	lo = listener(&other);
	if (pipe(p) == -1 || (pid = fork()) == -1)
		exit(2);
	if (pid == 0) {
		close(p[0]);
		child(p[1], port, other);
	}
	close(p[1]);
	memset(r, 0, sizeof(r));
	if (read(p[0], r, sizeof(r)) != sizeof(r) ||
	    waitpid(pid, &status, 0) != pid)
		r[P_ABI] = -1;
	close(p[0]);
	close(ls);
	close(lo);
	if (r[P_ABI] == 0) {
		SKIP("the API client's confinement: no Landlock here, or a "
		    "sanitizer build (which keeps the file system)");
		return;
	}
	CHECK(r[P_ABI] > 0, "confined by Landlock, ABI %d", r[P_ABI]);
	CHECK(r[P_CA] == 0 && r[P_PW] == 0, "it reads its CA and password "
	    "files (%s, %s)", strerror(r[P_CA]), strerror(r[P_PW]));
	CHECK(r[P_STATE] == 0 && r[P_META] == 0, "it reads the state and "
	    "the metadata beside them (%s, %s)", strerror(r[P_STATE]),
	    strerror(r[P_META]));
	CHECK(r[P_ETC] == 0 && r[P_RESOLVE] == 0, "it reads /etc and "
	    "resolves a name (%s, %s)", strerror(r[P_ETC]),
	    r[P_RESOLVE] == 0 ? "resolved" : gai_strerror(r[P_RESOLVE]));
	CHECK(r[P_PORT] == 0, "it connects to its URL's port (%s)",
	    strerror(r[P_PORT]));
	CHECK(r[P_KEY] == EACCES, "it cannot read the user's ssh key "
	    "(%s)", strerror(r[P_KEY]));
	CHECK(r[P_CREATE] == EACCES && r[P_WRITE] == EACCES, "it can make "
	    "no file and write none, its own included (%s, %s)",
	    strerror(r[P_CREATE]), strerror(r[P_WRITE]));
	CHECK(r[P_EXEC] == EACCES, "it runs no program (%s)",
	    strerror(r[P_EXEC]));
	if (r[P_ABI] >= 4)
		CHECK(r[P_OTHERPORT] == EACCES, "it cannot connect to "
		    "another port (%s)", strerror(r[P_OTHERPORT]));
	else
		SKIP("TCP ports: Landlock ABI %d has no network rules",
		    r[P_ABI]);
}

/* Nothing left behind. */
static void
remove_tree(void)
{
	static const char *const made[] = { "ca.pem", "secrets/rhv_password",
	    "run/state.json", "vm/vm1.json", "home/.ssh/id_rsa", "run/new",
	    "home/.ssh", "home", "vm", "run", "secrets", "" };
	char	path[256];
	size_t	i;

	for (i = 0; i < sizeof(made) / sizeof(made[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, made[i]);
		if (unlink(path) == -1)
			rmdir(path);
	}
}

static void
test_url_port(void)
{
	static const struct {
		const char	*url;
		int		 port;
	} t[] = {
		{ "https://engine.example/ovirt-engine/api", 443 },
		{ "https://admin@internal@engine.example:8443/x", 8443 },
		{ "https://u:p@w@[fd00::1]:6443/api/v1", 6443 },
		{ "https://[fd00::1]/api", 443 },
		{ "https://10.0.0.1:443", 443 },
		{ "http://engine.example/ovirt-engine/api", -1 },
		{ "https://engine.example:0/", -1 },
		{ "https://engine.example:65536/", -1 },
		{ "https://engine.example:12x/", -1 },
		{ "https://engine.example:/", -1 },
	};
	size_t	i;
	int	bad = 0;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (url_port(t[i].url) != t[i].port) {
			printf("# %s: %d, want %d\n", t[i].url,
			    url_port(t[i].url), t[i].port);
			bad++;
		}
	CHECK(bad == 0, "url_port: default 443, after userinfo and [IPv6], "
	    "refuses http and ports out of range (%d wrong)", bad);
}

int
main(void)
{
	test_url_port();
	test_confined();
	remove_tree();
	CHECK(access(dir, F_OK) == -1, "nothing left in /tmp");
	return report();
}
