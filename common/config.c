/*
 * stdin JSON -> struct conf.  Every value is checked for type, length and
 * content here, once: no later code has to wonder whether a string may
 * hold a newline, a NUL or an option-like leading dash.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/config.h"
#include "common/log.h"

#define DEFAULT_CAFILE	"/etc/pki/vdsm/certs/cacert.pem"

struct ctx {
	json_t	*root;
	char	*err;
	size_t	 errlen;
	int	 failed;
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

/* A string that cannot change the meaning of an argv or a log line. */
static int
checkstr(struct ctx *c, const char *key, json_t *v, char **out)
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
	if (strpbrk(s, "\n\r") != NULL)
		return bad(c, "%s: contains a line break", key);
	if ((*out = strdup(s)) == NULL)
		fatal("strdup");
	return 0;
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
	}
	return 0;
}

static int
parse_transport(struct ctx *c, struct conf *cf)
{
	static const char *const words[] = { "ssh", "vddk", NULL };
	char	*t;

	if (getenum(c, "transport_method", 1, words, &t) == -1)
		return -1;
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
	} else if (getstr(c, "ssh_key", 0, &cf->ssh_key) == -1)
		return -1;
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
	} else if (!cf->daemonize)
		cf->output = OUTPUT_KUBEVIRT;
	else
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
	    parse_disks(c, cf) == -1)
		return -1;
	return 0;
}

/*
 * Parse len bytes of JSON.  On error returns -1 with one line in err
 * that names the key and what was expected.
 */
int
conf_parse(const char *buf, size_t len, struct conf *cf, char *err,
    size_t errlen)
{
	struct ctx	c = { NULL, err, errlen, 0 };
	json_error_t	jerr;
	const char	*key;
	json_t		*v;

	memset(cf, 0, sizeof(*cf));
	c.root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (c.root == NULL) {
		snprintf(err, errlen, "input: not valid JSON (line %d, column "
		    "%d): %s", jerr.line, jerr.column, jerr.text);
		return -1;
	}
	if (!json_is_object(c.root)) {
		json_decref(c.root);
		snprintf(err, errlen, "input: expected a JSON object");
		return -1;
	}
	if (parse_root(&c, cf) == 0) {
		json_object_foreach(c.root, key, v)
			log_debug("input key %s", key);
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
	memset(cf, 0, sizeof(*cf));
}
