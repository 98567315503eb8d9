/* SPDX-License-Identifier: ISC */
/*
 * Fuzz target: the stdin JSON through conf_parse(), the parser and
 * validator.  A refused input leaves one line in err that names no
 * secret and a zeroed struct; an accepted one leaves a struct that
 * keeps every promise config.h and config.c make to later code.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "common/config.h"

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "FUZZ INVARIANT FAILED: %s:%d: %s\n",	\
		    __FILE__, __LINE__, #cond);				\
		abort();						\
	}								\
} while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static long		ncpu;
static unsigned int	flags;	/* conf_parse's, for this input */

/* Given: non-empty, bounded, no NUL; no line break unless multiline. */
static void
check_text(const char *s, int multiline)
{
	size_t	len;

	if (s == NULL)
		return;
	len = strlen(s);
	CHECK(len >= 1 && len <= CONF_STR_MAX);
	if (!multiline)
		CHECK(strpbrk(s, "\n\r") == NULL);
}

static int
one_of(const char *s, const char *a, const char *b)
{
	return s != NULL && (strcmp(s, a) == 0 || strcmp(s, b) == 0);
}

static int
is_mac(const char *s)
{
	int	i;

	if (strlen(s) != 17)
		return 0;
	for (i = 0; i < 17; i++)
		if (i % 3 == 2 ? s[i] != ':' : strchr("0123456789abcdefABCDEF",
		    s[i]) == NULL || s[i] == '\0')
			return 0;
	return 1;
}

static void
check_accepted(const struct conf *cf)
{
	size_t	i;

	CHECK(cf->vm_name != NULL && cf->vm_name[0] != '-');
	check_text(cf->vm_name, 0);
	check_text(cf->vmware_uri, 0);
	check_text(cf->vmware_password, 0);
	check_text(cf->vmware_fingerprint, 0);
	check_text(cf->ssh_key, 1);
	check_text(cf->output_format, 0);
	check_text(cf->export_domain, 0);
	check_text(cf->rhv_url, 0);
	check_text(cf->rhv_password, 0);
	check_text(cf->rhv_cluster, 0);
	check_text(cf->rhv_storage, 0);
	check_text(cf->rhv_cafile, 0);
	check_text(cf->allocation, 0);
	check_text(cf->virtio_win, 0);
	check_text(cf->luks_vault, 0);

	CHECK(cf->daemonize == 0 || cf->daemonize == 1);
	CHECK(cf->insecure == 0 || cf->insecure == 1);
	CHECK(cf->install_drivers == 0 || cf->install_drivers == 1);

	if (cf->transport == TRANSPORT_VDDK) {
		CHECK(cf->vmware_uri != NULL && cf->vmware_fingerprint != NULL &&
		    cf->vmware_password != NULL);
		CHECK(cf->ssh_key == NULL);
	} else {
		CHECK(cf->transport == TRANSPORT_SSH);
		CHECK(cf->vmware_uri == NULL && cf->vmware_password == NULL &&
		    cf->vmware_fingerprint == NULL);
	}
	CHECK(cf->ssh_key_given == (cf->ssh_key != NULL));

	CHECK(one_of(cf->output_format, "raw", "qcow2"));
	CHECK(cf->allocation == NULL ||
	    one_of(cf->allocation, "sparse", "preallocated"));
	switch (cf->output) {
	case OUTPUT_RHV_UPLOAD:
		CHECK(cf->rhv_url != NULL && cf->rhv_password != NULL &&
		    cf->rhv_cluster != NULL && cf->rhv_storage != NULL &&
		    cf->rhv_cafile != NULL);
		break;
	case OUTPUT_EXPORT:
		CHECK(cf->rhv_url == NULL && cf->export_domain != NULL);
		CHECK(strchr(cf->export_domain, ':') != NULL ||
		    cf->export_domain[0] == '/');
		break;
	case OUTPUT_KUBEVIRT:
		CHECK(cf->rhv_url == NULL && cf->export_domain == NULL &&
		    !cf->daemonize);
		break;
	default:
		CHECK(!"output out of range");
	}
	/* A pod's first process: no output keys is Kubevirt, whatever
	 * daemonize said. */
	if ((flags & CONF_POD) && cf->rhv_url == NULL &&
	    cf->export_domain == NULL)
		CHECK(cf->output == OUTPUT_KUBEVIRT);
	if (cf->rhv_url == NULL)
		CHECK(cf->rhv_password == NULL && cf->rhv_cluster == NULL &&
		    cf->rhv_storage == NULL && cf->rhv_cafile == NULL);

	CHECK(cf->nsource_disks <= CONF_DISKS_MAX);
	CHECK(cf->nsource_disks == 0 || cf->source_disks != NULL);
	for (i = 0; i < cf->nsource_disks; i++) {
		check_text(cf->source_disks[i], 0);
		CHECK(cf->source_disks[i] != NULL &&
		    strlen(cf->source_disks[i]) < CONF_DISK_PATH_MAX);
	}
	if (cf->source_disks != NULL)
		CHECK(cf->source_disks[cf->nsource_disks] == NULL);

	CHECK(cf->nnetmaps <= CONF_NETS_MAX);
	CHECK(cf->nnetmaps == 0 || cf->netmaps != NULL);
	for (i = 0; i < cf->nnetmaps; i++) {
		CHECK(cf->netmaps[i].source != NULL &&
		    cf->netmaps[i].destination != NULL);
		check_text(cf->netmaps[i].source, 0);
		check_text(cf->netmaps[i].destination, 0);
		CHECK(strchr(cf->netmaps[i].source, ':') == NULL &&
		    strchr(cf->netmaps[i].destination, ':') == NULL);
		CHECK(cf->netmaps[i].mac == NULL || is_mac(cf->netmaps[i].mac));
	}

	if (cf->virtio_win != NULL) {
		CHECK(cf->install_drivers == 1);
		CHECK(cf->virtio_win[0] == '/' ||
		    (strchr(cf->virtio_win, '/') == NULL &&
		    strcmp(cf->virtio_win, ".") != 0 &&
		    strcmp(cf->virtio_win, "..") != 0));
	}
	CHECK(cf->luks_vault == NULL || cf->luks_vault[0] == '/');

	CHECK(cf->throttling.has_cpu == 0 || cf->throttling.has_cpu == 1);
	CHECK(cf->throttling.has_net == 0 || cf->throttling.has_net == 1);
	if (cf->throttling.has_cpu)
		CHECK(cf->throttling.cpu >= 0 &&
		    cf->throttling.cpu <= 100LL * ncpu);
	else
		CHECK(cf->throttling.cpu == 0);
	if (cf->throttling.has_net)
		CHECK(cf->throttling.net >= 0 &&
		    cf->throttling.net <= NETWORK_MAX);
	else
		CHECK(cf->throttling.net == 0);
}

/*
 * The error line must not quote a secret.  A secret's text may be in err
 * for an innocent reason (a key name, fixed text, an echoed enum value
 * that holds the same text), so the input is parsed once more with each
 * secret replaced by as many 'Q' (line breaks kept, so validation goes
 * the same way): a secret in the first error line and not in the second
 * was quoted.
 */
static void
check_no_secret(const uint8_t *data, size_t size, const char *err)
{
	static const char *const secrets[] = {
		"vmware_password", "rhv_password", "ssh_key", NULL
	};
	struct conf	 cf;
	json_t		*o, *v;
	const char	*s;
	char		 err2[256], *q, *dump;
	size_t		 i, j, len;
	int		 found = 0, rv;

	if (memmem(data, size, "_password", 9) == NULL &&
	    memmem(data, size, "ssh_key", 7) == NULL)
		return;
	if ((o = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES,
	    NULL)) == NULL)
		return;
	if (!json_is_object(o)) {
		json_decref(o);
		return;
	}
	for (i = 0; secrets[i] != NULL; i++) {
		v = json_object_get(o, secrets[i]);
		if (json_is_string(v) && json_string_length(v) > 0 &&
		    strstr(err, json_string_value(v)) != NULL)
			found = 1;
	}
	if (!found) {
		json_decref(o);
		return;
	}
	/* The same document, secrets replaced. */
	v = json_deep_copy(o);
	CHECK(v != NULL);
	for (i = 0; secrets[i] != NULL; i++) {
		json_t	*sv = json_object_get(o, secrets[i]);

		if (!json_is_string(sv))
			continue;
		len = json_string_length(sv);
		s = json_string_value(sv);
		CHECK((q = malloc(len + 1)) != NULL);
		for (j = 0; j < len; j++)
			q[j] = s[j] == '\n' || s[j] == '\r' || s[j] == '\0' ?
			    s[j] : 'Q';
		q[len] = '\0';
		json_object_set_new(v, secrets[i], json_stringn(q, len));
		free(q);
	}
	CHECK((dump = json_dumps(v, JSON_COMPACT)) != NULL);
	rv = conf_parse(dump, strlen(dump), &cf, flags, err2, sizeof(err2));
	if (rv == 0)
		conf_free(&cf);
	for (i = 0; secrets[i] != NULL; i++) {
		json_t	*sv = json_object_get(o, secrets[i]);

		if (!json_is_string(sv) || json_string_length(sv) == 0)
			continue;
		s = json_string_value(sv);
		if (strstr(err, s) != NULL && (rv == 0 ||
		    strstr(err2, s) == NULL)) {
			fprintf(stderr, "secret %s quoted in: %s\n"
			    "(without the secret: %s)\n", secrets[i], err,
			    rv == 0 ? "accepted" : err2);
			CHECK(!"error line quotes a secret");
		}
	}
	free(dump);
	json_decref(v);
	json_decref(o);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct conf	zero;
	struct conf			cf;
	char				err[256];
	int				rv;

	if (ncpu == 0 && (ncpu = sysconf(_SC_NPROCESSORS_ONLN)) < 1)
		ncpu = 1;
	memset(err, 'X', sizeof(err));
	memset(&cf, 0xa5, sizeof(cf));
	/* Half the inputs as a pod's first process would parse them. */
	flags = size % 2 ? CONF_POD : 0;
	rv = conf_parse((const char *)data, size, &cf, flags, err, sizeof(err));
	CHECK(rv == 0 || rv == -1);
	if (rv == -1) {
		/* One line, NUL-terminated, and nothing left allocated. */
		CHECK(memchr(err, '\0', sizeof(err)) != NULL);
		CHECK(err[0] != '\0');
		CHECK(strpbrk(err, "\n\r") == NULL);
		CHECK(memcmp(&cf, &zero, sizeof(cf)) == 0);
		check_no_secret(data, size, err);
		return 0;
	}
	check_accepted(&cf);
	conf_forget_secrets(&cf);
	CHECK(cf.vmware_password == NULL && cf.rhv_password == NULL &&
	    cf.ssh_key == NULL);
	conf_free(&cf);
	CHECK(memcmp(&cf, &zero, sizeof(cf)) == 0);
	return 0;
}
