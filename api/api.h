/* SPDX-License-Identifier: ISC */
/*
 * virt-v2v-wrapper-api: the wrapper's one HTTP client, a program of its
 * own so that libcurl and its TLS library never map into priv or the
 * monitor.  The wrapper starts it as the conversion user with no
 * capabilities; it gets its password on stdin or from the run's secret
 * file, never in argv or the environment.
 */
#ifndef API_H
#define API_H

#include <stddef.h>

#include <curl/curl.h>
#include <jansson.h>

#define API_CONNECT_MS		10000
#define API_REQUEST_MS		20000
#define API_LOOKUP_MS		25000	/* the whole lookup; the wrapper
					 * gives it 30 s */
#define API_CLEANUP_MS		(300 * 1000)
#define API_BODY_MAX		(8 * 1024 * 1024)
#define API_SECRET_MAX		(16 * 1024)	/* = API_TOKEN_MAX */
#define UUID_LEN		36

struct http {
	CURL		*curl;
	const char	*cafile;	/* NULL: the system's */
	int		 insecure;
	long long	 deadline;	/* mono_ms(): the operation's end */
	char		 errbuf[CURL_ERROR_SIZE];
	char		 err[512];	/* why the last call failed */
};

struct reply {
	long		 status;	/* HTTP status */
	json_t		*json;		/* NULL: no JSON body */
};

/* The options of both modes (main.c); the wrapper builds them. */
#define API_DISKS_MAX		256	/* = CONF_DISKS_MAX */
struct apiopts {
	const char	*url;
	const char	*storage;
	const char	*cafile;
	const char	*pwfile;	/* cleanup: the run's secret file */
	int		 insecure;
	const char	*disks[API_DISKS_MAX];	/* cleanup: the wrapper's ids */
	size_t		 ndisks;
	const char	*state;		/* kube: the state file to follow */
	const char	*metadata;	/* kube: virt-v2v's -o json file */
};

/* http.c */
int	 http_init(struct http *, const char *, int, int);
void	 http_free(struct http *);
int	 http_call(struct http *, const char *, const char *, const char *,
	    const char *, const char *, struct reply *);
void	 reply_free(struct reply *);
char	*form_escape(const char *);

/* engine.c: the oVirt engine's address and its SSO token */
struct engine {
	char	 origin[1024];		/* https://host[:port] */
	char	 api[2048];		/* origin + the API's path */
	char	 user[256];
	char	*token;			/* a secret */
};

int	 engine_parse(struct engine *, const char *, char *, size_t);
int	 engine_login(struct engine *, struct http *, const char *);
void	 engine_logout(struct engine *, struct http *);
int	 engine_get(struct engine *, struct http *, const char *,
	    struct reply *);
const char *api_fault(const struct reply *);
char	*oneline(char *);

/* lookup.c */
int	 storage_find(struct engine *, struct http *, const char *,
	    json_t **);
int	 lookup_main(const struct apiopts *);

/* cleanup.c */
int	 cleanup_main(const struct apiopts *);

/* kube.c */
int	 kube_main(const struct apiopts *);

/* confine.c */
int	 url_port(const char *);
int	 api_confine(const struct apiopts *);

/* secret.c */
char	*secret_read_fd(int);
char	*secret_read_file(const char *);
void	 secret_free(char *);
int	 uuid_valid(const char *);

#endif
