/* SPDX-License-Identifier: ISC */
/*
 * stdin JSON -> struct conf.  Every value is checked for type, length and
 * content here, once: no later code has to wonder whether a string may
 * hold a newline, a NUL or an option-like leading dash.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "common/config.h"
#include "common/log.h"

#define DEFAULT_CAFILE	"/etc/pki/vdsm/certs/cacert.pem"

/* Every key the wrapper reads; the rest are ignored (the man page test
 * checks that each of these is documented). */
static const char *const known_keys[] = {
	"vm_name", "transport_method", "vmware_uri", "vmware_password",
	"vmware_fingerprint", "ssh_key", "daemonize", "output_format",
	"allocation", "insecure_connection", "rhv_url", "rhv_password",
	"rhv_cluster", "rhv_storage", "rhv_cafile", "export_domain",
	"source_disks", "network_mappings", "virtio_win", "install_drivers",
	"throttling", "luks_keys_vault", NULL
};

struct ctx {
	json_t		*root;
	char		*err;
	size_t		 errlen;
	int		 failed;
	unsigned int	 flags;
};

static int
bad(struct ctx *c, const char *fmt, ...)
{
	va_list	ap;

	if (!c->failed) {
		va_start(ap, fmt);
		vsnprintf(c->err, c->errlen, fmt, ap);
		va_end(ap);
		c->failed = 1;
	}
	return -1;
}

/*
 * A string that cannot change the meaning of an argv or a log line.
 * multiline: the value only ever goes into a file (a private key).
 */
static int
checktext(struct ctx *c, const char *key, json_t *v, char **out,
    int multiline)
{
	const char	*s;
	size_t		 len;

	if (!json_is_string(v))
		return bad(c, "%s: expected a string", key);
	s = json_string_value(v);
	len = json_string_length(v);
	if (len == 0)
		return bad(c, "%s: must not be empty", key);
	if (len > CONF_STR_MAX)
		return bad(c, "%s: longer than %d bytes", key, CONF_STR_MAX);
	if (strlen(s) != len)
		return bad(c, "%s: contains a NUL byte", key);
	if (!multiline && strpbrk(s, "\n\r") != NULL)
		return bad(c, "%s: contains a line break", key);
	if ((*out = strdup(s)) == NULL)
		fatal("strdup");
	return 0;
}

static int
checkstr(struct ctx *c, const char *key, json_t *v, char **out)
{
	return checktext(c, key, v, out, 0);
}

static int
getstr(struct ctx *c, const char *key, int required, char **out)
{
	json_t	*v = json_object_get(c->root, key);

	*out = NULL;
	if (v == NULL || json_is_null(v)) {
		if (required)
			return bad(c, "%s: missing", key);
		return 0;
	}
	return checkstr(c, key, v, out);
}

static int
getbool(struct ctx *c, const char *key, int def, int *out)
{
	json_t	*v = json_object_get(c->root, key);

	*out = def;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_boolean(v))
		return bad(c, "%s: expected true or false", key);
	*out = json_is_true(v);
	return 0;
}

/* One of a fixed set of words; the first is the default. */
static int
getenum(struct ctx *c, const char *key, int required,
    const char *const words[], char **out)
{
	size_t	i;

	if (getstr(c, key, required, out) == -1)
		return -1;
	if (*out == NULL)
		return 0;
	for (i = 0; words[i] != NULL; i++)
		if (strcmp(*out, words[i]) == 0)
			return 0;
	return bad(c, "%s: expected %s%s%s, not \"%s\"", key, words[0],
	    words[1] ? " or " : "", words[1] ? words[1] : "", *out);
}

static int
parse_disks(struct ctx *c, struct conf *cf)
{
	json_t	*v = json_object_get(c->root, "source_disks"), *e;
	size_t	 i;
	char	 name[64];

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_array(v))
		return bad(c, "source_disks: expected a list of strings");
	if (json_array_size(v) > CONF_DISKS_MAX)
		return bad(c, "source_disks: more than %d disks",
		    CONF_DISKS_MAX);
	cf->source_disks = calloc(json_array_size(v) + 1, sizeof(char *));
	if (cf->source_disks == NULL)
		fatal("calloc");
	json_array_foreach(v, i, e) {
		snprintf(name, sizeof(name), "source_disks[%zu]", i);
		if (checkstr(c, name, e, &cf->source_disks[i]) == -1)
			return -1;
		cf->nsource_disks++;
		if (strlen(cf->source_disks[i]) >= CONF_DISK_PATH_MAX)
			return bad(c, "%s: longer than %d bytes", name,
			    CONF_DISK_PATH_MAX - 1);
	}
	return 0;
}

/* "01:23:45:67:89:ab": what virt-v2v's --mac takes. */
static int
is_mac(const char *s)
{
	int	i;

	if (strlen(s) != 17)
		return 0;
	for (i = 0; i < 17; i++) {
		if (i % 3 == 2 ? s[i] != ':' : !isxdigit((unsigned char)s[i]))
			return 0;
	}
	return 1;
}

static int
parse_netmap(struct ctx *c, size_t i, json_t *e, struct netmap *m)
{
	json_t	*saved = c->root;
	char	 name[64];
	int	 rv = -1;

	snprintf(name, sizeof(name), "network_mappings[%zu]", i);
	if (!json_is_object(e))
		return bad(c, "%s: expected an object with source and "
		    "destination", name);
	c->root = e;
	/* virt-v2v's --bridge and --mac split on ':'. */
	if (getstr(c, "source", 1, &m->source) == -1 ||
	    getstr(c, "destination", 1, &m->destination) == -1 ||
	    getstr(c, "mac_address", 0, &m->mac) == -1)
		goto out;
	if (strchr(m->source, ':') || strchr(m->destination, ':')) {
		bad(c, "%s: network names must not contain ':'", name);
		goto out;
	}
	if (m->mac != NULL && !is_mac(m->mac)) {
		bad(c, "%s: mac_address: expected xx:xx:xx:xx:xx:xx", name);
		goto out;
	}
	rv = 0;
 out:
	c->root = saved;
	return rv;
}

static int
parse_netmaps(struct ctx *c, struct conf *cf)
{
	json_t	*v = json_object_get(c->root, "network_mappings"), *e;
	size_t	 i;

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_array(v))
		return bad(c, "network_mappings: expected a list of objects");
	if (json_array_size(v) > CONF_NETS_MAX)
		return bad(c, "network_mappings: more than %d", CONF_NETS_MAX);
	if ((cf->netmaps = calloc(json_array_size(v) + 1,
	    sizeof(*cf->netmaps))) == NULL)
		fatal("calloc");
	json_array_foreach(v, i, e) {
		cf->nnetmaps++;
		if (parse_netmap(c, i, e, &cf->netmaps[i]) == -1)
			return -1;
	}
	return 0;
}

static int
parse_drivers(struct ctx *c, struct conf *cf)
{
	const char	*w = NULL;

	if (getstr(c, "virtio_win", 0, &cf->virtio_win) == -1 ||
	    getbool(c, "install_drivers", 0, &cf->install_drivers) == -1)
		return -1;
	if ((w = cf->virtio_win) == NULL)
		return 0;
	/* A bare name is looked up in the ISO domain, never elsewhere. */
	if (w[0] != '/' && (strchr(w, '/') != NULL || strcmp(w, ".") == 0 ||
	    strcmp(w, "..") == 0))
		return bad(c, "virtio_win: expected an absolute path or a bare "
		    "file name of the ISO domain");
	/* Given an ISO, drivers are installed: upstream did the same. */
	cf->install_drivers = 1;
	return 0;
}

static int
parse_throttling(struct ctx *c, struct conf *cf)
{
	json_t	*v = json_object_get(c->root, "throttling");
	char	 w[256] = "";
	long	 ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_object(v))
		return bad(c, "throttling: expected an object with cpu and "
		    "network");
	if (limits_from_json(v, ncpu < 1 ? 1 : ncpu, &cf->throttling, w,
	    sizeof(w)) == -1)
		return bad(c, "throttling: %s", w);
	return 0;
}

static int
parse_transport(struct ctx *c, struct conf *cf)
{
	static const char *const words[] = { "ssh", "vddk", NULL };
	json_t	*v;
	char	*t;

	if (getenum(c, "transport_method", 1, words, &t) == -1) {
		free(t);
		return -1;
	}
	cf->transport = strcmp(t, "vddk") == 0 ? TRANSPORT_VDDK :
	    TRANSPORT_SSH;
	free(t);
	if (cf->transport == TRANSPORT_VDDK) {
		if (getstr(c, "vmware_uri", 1, &cf->vmware_uri) == -1 ||
		    getstr(c, "vmware_fingerprint", 1,
		    &cf->vmware_fingerprint) == -1 ||
		    getstr(c, "vmware_password", 1,
		    &cf->vmware_password) == -1)
			return -1;
	} else if ((v = json_object_get(c->root, "ssh_key")) != NULL &&
	    !json_is_null(v) && checktext(c, "ssh_key", v, &cf->ssh_key, 1) == -1)
		return -1;
	cf->ssh_key_given = cf->ssh_key != NULL;
	return 0;
}

/* Output by precedence: rhv-upload, then export domain, then Kubevirt. */
static int
parse_output(struct ctx *c, struct conf *cf)
{
	static const char *const formats[] = { "raw", "qcow2", NULL };
	static const char *const allocs[] = { "sparse", "preallocated", NULL };

	if (getenum(c, "output_format", 0, formats, &cf->output_format) == -1 ||
	    getenum(c, "allocation", 0, allocs, &cf->allocation) == -1 ||
	    getbool(c, "insecure_connection", 0, &cf->insecure) == -1 ||
	    getstr(c, "rhv_url", 0, &cf->rhv_url) == -1 ||
	    getstr(c, "export_domain", 0, &cf->export_domain) == -1)
		return -1;
	if (cf->output_format == NULL && (cf->output_format =
	    strdup("raw")) == NULL)
		fatal("strdup");
	if (cf->rhv_url != NULL) {
		cf->output = OUTPUT_RHV_UPLOAD;
		if (getstr(c, "rhv_password", 1, &cf->rhv_password) == -1 ||
		    getstr(c, "rhv_cluster", 1, &cf->rhv_cluster) == -1 ||
		    getstr(c, "rhv_storage", 1, &cf->rhv_storage) == -1 ||
		    getstr(c, "rhv_cafile", 0, &cf->rhv_cafile) == -1)
			return -1;
		if (cf->rhv_cafile == NULL &&
		    (cf->rhv_cafile = strdup(DEFAULT_CAFILE)) == NULL)
			fatal("strdup");
	} else if (cf->export_domain != NULL) {
		cf->output = OUTPUT_EXPORT;
		if (strchr(cf->export_domain, ':') == NULL &&
		    cf->export_domain[0] != '/')
			return bad(c, "export_domain: expected host:/path or "
			    "an absolute directory");
	} else if (!cf->daemonize || (c->flags & CONF_POD)) {
		/* "For Kubevirt container virt-v2v is never daemonized no
		 * matter what this option is set to" (the spec). */
		if (cf->daemonize)
			log_info("daemonize: a Kubevirt pod's conversion stays "
			    "in the foreground");
		cf->daemonize = 0;
		cf->output = OUTPUT_KUBEVIRT;
	} else
		return bad(c, "no output: give rhv_url or export_domain");
	return 0;
}

static int
parse_root(struct ctx *c, struct conf *cf)
{
	if (getstr(c, "vm_name", 1, &cf->vm_name) == -1)
		return -1;
	if (cf->vm_name[0] == '-')
		return bad(c, "vm_name: must not start with '-'");
	if (getbool(c, "daemonize", 1, &cf->daemonize) == -1 ||
	    parse_transport(c, cf) == -1 || parse_output(c, cf) == -1 ||
	    parse_disks(c, cf) == -1 || parse_netmaps(c, cf) == -1 ||
	    parse_drivers(c, cf) == -1 || parse_throttling(c, cf) == -1 ||
	    getstr(c, "luks_keys_vault", 0, &cf->luks_vault) == -1)
		return -1;
	if (cf->luks_vault != NULL && cf->luks_vault[0] != '/')
		return bad(c, "luks_keys_vault: expected an absolute path");
	return 0;
}

/*
 * Parse len bytes of JSON.  On error returns -1 with one line in err
 * that names the key and what was expected.
 */
int
conf_parse(const char *buf, size_t len, struct conf *cf, unsigned int flags,
    char *err, size_t errlen)
{
	struct ctx	c = { NULL, err, errlen, 0, flags };
	json_error_t	jerr;
	const char	*key;
	json_t		*v;
	size_t		 i;

	memset(cf, 0, sizeof(*cf));
	c.root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (c.root == NULL) {
		/* jerr.text quotes the input, which may be a password. */
		snprintf(err, errlen, "input: not valid JSON (line %d, column "
		    "%d)%s", jerr.line, jerr.column,
		    json_error_code(&jerr) == json_error_duplicate_key ?
		    ": duplicate key" : "");
		return -1;
	}
	if (!json_is_object(c.root)) {
		json_decref(c.root);
		snprintf(err, errlen, "input: expected a JSON object");
		return -1;
	}
	if (parse_root(&c, cf) == 0) {
		json_object_foreach(c.root, key, v) {
			for (i = 0; known_keys[i] != NULL; i++)
				if (strcmp(key, known_keys[i]) == 0)
					break;
			if (known_keys[i] == NULL)
				log_debug("ignoring unknown input key %s", key);
		}
	}
	json_decref(c.root);
	if (c.failed) {
		conf_free(cf);
		return -1;
	}
	return 0;
}

static void
freesecret(char *s)
{
	if (s != NULL) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

/* Once the secret files are written, no copy stays in memory. */
void
conf_forget_secrets(struct conf *cf)
{
	freesecret(cf->vmware_password);
	freesecret(cf->rhv_password);
	freesecret(cf->ssh_key);
	cf->vmware_password = cf->rhv_password = cf->ssh_key = NULL;
}

void
conf_free(struct conf *cf)
{
	size_t	i;

	free(cf->vm_name);
	free(cf->vmware_uri);
	freesecret(cf->vmware_password);
	free(cf->vmware_fingerprint);
	freesecret(cf->ssh_key);
	free(cf->output_format);
	free(cf->export_domain);
	free(cf->rhv_url);
	freesecret(cf->rhv_password);
	free(cf->rhv_cluster);
	free(cf->rhv_storage);
	free(cf->rhv_cafile);
	free(cf->allocation);
	for (i = 0; i < cf->nsource_disks; i++)
		free(cf->source_disks[i]);
	free(cf->source_disks);
	for (i = 0; i < cf->nnetmaps; i++) {
		free(cf->netmaps[i].source);
		free(cf->netmaps[i].destination);
		free(cf->netmaps[i].mac);
	}
	free(cf->netmaps);
	free(cf->virtio_win);
	free(cf->luks_vault);
	memset(cf, 0, sizeof(*cf));
}
