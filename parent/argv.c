/* SPDX-License-Identifier: ISC */
/*
 * The virt-v2v command line and environment, built in code from the
 * validated config.  Secrets appear only as the paths of their files.
 * The shape follows upstream (reference/upstream-behaviour.md section 6)
 * with the password always passed by -ip, which every virt-v2v since
 * 1.40 takes and 2.8 still has, unlike --password-file.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/config.h"
#include "common/log.h"
#include "common/wrapper.h"
#include "parent/parent.h"
#include "parent/vault.h"

#define VDDK_LIBDIR	"/opt/vmware-vix-disklib-distrib"
#define ARGV_MAX	(64 + 2 * (CONF_NETS_MAX + LUKS_MAX + CONF_DISKS_MAX))
#define ENV_MAX		64

extern char	**environ;

struct vec {
	char	**v;
	size_t	  n, max;
};

static void
add(struct vec *v, const char *fmt, ...)
{
	va_list	ap;

	if (v->n + 1 >= v->max)
		fatalx("argv: more than %zu words", v->max);
	va_start(ap, fmt);
	if (vasprintf(&v->v[v->n], fmt, ap) == -1)
		fatal("vasprintf");
	va_end(ap);
	v->v[++v->n] = NULL;
}

static void
add_input(const struct conf *cf, struct run *r, struct vec *a)
{
	if (cf->transport == TRANSPORT_VDDK) {
		add(a, "-i"); add(a, "libvirt");
		add(a, "-ic"); add(a, "%s", cf->vmware_uri);
		add(a, "-it"); add(a, "vddk");
		add(a, "-io"); add(a, "vddk-libdir=%s", VDDK_LIBDIR);
		add(a, "-io"); add(a, "vddk-thumbprint=%s",
		    cf->vmware_fingerprint);
		add(a, "-ip"); add(a, "%s/%s", r->secretdir, SECRET_VMWARE);
	} else {
		add(a, "-i"); add(a, "vmx");
		add(a, "-it"); add(a, "ssh");
	}
}

/* --mac keeps a NIC's MAC with its network where virt-v2v has it. */
static void
add_networks(const struct conf *cf, struct run *r, struct vec *a)
{
	const struct netmap	*m;
	size_t			 i;

	for (i = 0; i < cf->nnetmaps; i++) {
		m = &cf->netmaps[i];
		if (m->mac != NULL && r->cap_mac) {
			add(a, "--mac");
			add(a, "%s:bridge:%s", m->mac, m->destination);
		} else {
			add(a, "--bridge");
			add(a, "%s:%s", m->source, m->destination);
		}
	}
}

static void
add_luks(struct run *r, struct vec *a)
{
	size_t	i;

	for (i = 0; i < r->nluks; i++) {
		add(a, "--key");
		add(a, "%s:file:%s/" SECRET_LUKS "%zu", r->luks[i].device,
		    r->secretdir, i);
	}
}

static void
add_output(const struct conf *cf, struct run *r, struct vec *a)
{
	size_t	i;

	if (cf->output == OUTPUT_KUBEVIRT) {
		add(a, "-o"); add(a, "json");
		add(a, "-os"); add(a, "/data/vm");
		add(a, "-oo"); add(a, "json-disks-pattern=disk%%{DiskNo}/disk.img");
		return;
	}
	add(a, "--bridge"); add(a, "ovirtmgmt");
	add(a, "-of"); add(a, "%s", cf->output_format);
	if (cf->allocation != NULL) {
		add(a, "-oa"); add(a, "%s", cf->allocation);
	} else if (r->allocation != NULL) {
		add(a, "-oa"); add(a, "%s", r->allocation);
	}
	if (cf->output == OUTPUT_EXPORT) {
		add(a, "-o"); add(a, "rhv");
		add(a, "-os"); add(a, "%s", cf->export_domain);
		return;
	}
	add(a, "-o"); add(a, "rhv-upload");
	add(a, "-oc"); add(a, "%s", cf->rhv_url);
	add(a, "-os"); add(a, "%s", cf->rhv_storage);
	add(a, "-op"); add(a, "%s/%s", r->secretdir, SECRET_RHV);
	add(a, "-oo"); add(a, "rhv-cafile=%s", cf->rhv_cafile);
	add(a, "-oo"); add(a, "rhv-cluster=%s", cf->rhv_cluster);
	add(a, "-oo"); add(a, "rhv-direct");
	add(a, "-oo"); add(a, "rhv-verifypeer=%s",
	    cf->insecure ? "false" : "true");
	/* Ids of our choosing: a failed run's disks are known without
	 * reading them from the log (parent/ovirt.c). */
	for (i = 0; i < r->ndisk_ids; i++) {
		add(a, "-oo"); add(a, "rhv-disk-uuid=%s", r->disk_ids[i]);
	}
}

/*
 * Built, not inherited: C locale so that virt-v2v's messages are the
 * ones the monitor parses, and the caller's LIBGUESTFS_* tuning.
 */
static void
build_env(struct run *r, struct vec *e)
{
	char	**p;

	add(e, "LC_ALL=C");
	add(e, "LANG=C");
	add(e, SAFE_PATH);
	add(e, "HOME=%s", r->conv_home);
	add(e, "LIBGUESTFS_BACKEND=direct");
	if (r->virtio_win[0] != '\0')
		add(e, "VIRTIO_WIN=%s", r->virtio_win);
	if (r->agentsock[0] != '\0')
		add(e, "SSH_AUTH_SOCK=%s", r->agentsock);
	for (p = environ; *p != NULL; p++) {
		if (strncmp(*p, "LIBGUESTFS_", 11) != 0 ||
		    strncmp(*p, "LIBGUESTFS_BACKEND=", 19) == 0)
			continue;
		if (e->n + 2 >= e->max) {
			log_warnx("too many LIBGUESTFS_ variables, the rest "
			    "are not passed to virt-v2v");
			break;
		}
		add(e, "%s", *p);
	}
}

void
argv_build(const struct conf *cf, struct run *r)
{
	struct vec	a = { NULL, 0, ARGV_MAX }, e = { NULL, 0, ENV_MAX };

	if ((a.v = calloc(a.max, sizeof(char *))) == NULL ||
	    (e.v = calloc(e.max, sizeof(char *))) == NULL)
		fatal("calloc");
	add(&a, "%s", r->env.virt_v2v);
	add(&a, "-v");
	add(&a, "-x");
	add(&a, "%s", cf->vm_name);
	add(&a, "--root");
	add(&a, "first");
	/* By descriptor: virt-v2v may run as root in a log directory the
	 * conversion user owns, and must not follow a planted symlink. */
	add(&a, "--machine-readable=file:/dev/fd/3");
	add_input(cf, r, &a);
	add_networks(cf, r, &a);
	add_luks(r, &a);
	add_output(cf, r, &a);
	build_env(r, &e);
	r->argv = a.v;
	r->envp = e.v;
}

/*
 * The systemd-run command of a daemonized run: a transient service with
 * a name of ours (never parsed from systemd-run's output), kept loaded
 * after a successful exit so its status can be read, as the conversion
 * user, running the exec helper that puts the logs in place and execs
 * virt-v2v with exactly the environment of argv_build().
 */
void
unit_argv_build(struct run *r)
{
	struct vec	 u = { NULL, 0, ARGV_MAX + ENV_MAX * 2 + 32 };
	char		 self[PATH_MAX], spec[PATH_MAX + 64];
	ssize_t		 n;
	char		**p;

	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) == -1)
		fatal("readlink /proc/self/exe");
	self[n] = '\0';
	snprintf(r->pc.unit, sizeof(r->pc.unit), UNIT_FMT, r->pc.tag);
	if ((u.v = calloc(u.max, sizeof(char *))) == NULL)
		fatal("calloc");
	add(&u, "%s", r->env.systemd_run);
	add(&u, "--unit=%s", r->pc.unit);
	add(&u, "--description=virt-v2v conversion %s", r->pc.tag);
	add(&u, "--quiet");
	add(&u, "--property=RemainAfterExit=yes");
	if (r->scope[0] != '\0') {
		add(&u, "--property=BindsTo=%s", r->scope);
		add(&u, "--property=After=%s", r->scope);
	}
	/* cgroup v2 steering: systemd attaches our pinned program */
	if (r->steerpin[0] != '\0')
		add(&u, "--property=IPEgressFilterPath=%s", r->steerpin);
	add(&u, "--uid=%u", r->conv_uid);
	add(&u, "--gid=%u", r->conv_gid);
	add(&u, "--");
	add(&u, "%s", self);
	add(&u, HELPER_FLAG);
	if (helper_spec(spec, sizeof(spec), r->v2vlogfd, r->v2v_log) == -1)
		fatalx("the v2v log path is too long");
	add(&u, "%s", spec);
	if (helper_spec(spec, sizeof(spec), r->mrlogfd, r->mr_log) == -1)
		fatalx("the machine-readable log path is too long");
	add(&u, "%s", spec);
	if (r->netcgpath[0] != '\0') {
		add(&u, "--cgroup");
		add(&u, "%s", r->netcgpath);
	}
	for (p = r->envp; *p != NULL; p++) {
		add(&u, "--env");
		add(&u, "%s", *p);
	}
	add(&u, "--");
	for (p = r->argv; *p != NULL; p++)
		add(&u, "%s", *p);
	r->pc.unit_argv = u.v;
}

void
argv_free(struct run *r)
{
	char	**p;

	for (p = r->argv; p != NULL && *p != NULL; p++)
		free(*p);
	for (p = r->envp; p != NULL && *p != NULL; p++)
		free(*p);
	free(r->argv);
	free(r->envp);
	r->argv = r->envp = NULL;
}
