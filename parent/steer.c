/* SPDX-License-Identifier: ISC */
/*
 * cgroup v2 steering, prepared by the parent while it is full root (priv
 * makes no bpf() call and keeps only CAP_NET_ADMIN and CAP_KILL): a
 * one-entry BPF_F_MMAPABLE array map, a six-instruction cgroup_skb
 * egress program that copies its value into skb->priority, and the value
 * mapped into our memory (priv, which this process becomes, writes a
 * class id there; mmap needs no capability).  The program goes on:
 *   - for a direct child, the run's cgroup CG2/v2v-conversion/TAG, with
 *     BPF_F_ALLOW_MULTI; the child joins it before its exec;
 *   - for a unit, systemd's cgroup of the unit: the program is pinned
 *     and the unit names it in IPEgressFilterPath=, so that systemd
 *     attaches it beside its own programs (systemd 243 and later).
 * Everything virt-v2v starts (nbdkit, qemu, ssh) is in that cgroup or
 * below it, where the program applies too.
 *
 * Used when all of it works here (probed, not guessed from a version);
 * otherwise the net_cls v1 cgroup of parent/netcg.c, as before.
 */
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <sys/vfs.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/magic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/config.h"
#include "common/log.h"
#include "common/netcg.h"
#include "common/steer.h"
#include "common/wrapper.h"
#include "parent/parent.h"

#define SYSTEMD_FILTER_MIN	243	/* IPEgressFilterPath= */

static int	steer_start(struct run *, int);

static long
sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

static struct bpf_insn
insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	struct bpf_insn	i;

	memset(&i, 0, sizeof(i));
	i.code = code;
	i.dst_reg = dst;
	i.src_reg = src;
	i.off = off;
	i.imm = imm;
	return i;
}

static int
map_create(void)
{
	union bpf_attr	a;

	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = 4;
	a.value_size = 4;
	a.max_entries = 1;
	a.map_flags = BPF_F_MMAPABLE;		/* 5.5 */
	return sys_bpf(BPF_MAP_CREATE, &a);
}

/* skb->priority = value, unless the value is 0; let every packet by. */
static int
prog_load(int mapfd)
{
	struct bpf_insn	prog[7];
	union bpf_attr	a;
	char		license[] = "ISC";

	/* r2 = &value: a pseudo map-value load (5.3), two slots */
	prog[0] = insn(BPF_LD | BPF_DW | BPF_IMM, BPF_REG_2,
	    BPF_PSEUDO_MAP_VALUE, 0, mapfd);
	prog[1] = insn(0, 0, 0, 0, 0);			/* value offset 0 */
	/* r2 = *(u32 *)r2 */
	prog[2] = insn(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_2, 0, 0);
	/* if r2 == 0 goto exit: no class, the socket's own priority */
	prog[3] = insn(BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_2, 0, 1, 0);
	/* ((struct __sk_buff *)r1)->priority = r2 */
	prog[4] = insn(BPF_STX | BPF_MEM | BPF_W, BPF_REG_1, BPF_REG_2,
	    offsetof(struct __sk_buff, priority), 0);
	/* return 1: pass */
	prog[5] = insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 1);
	prog[6] = insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_CGROUP_SKB;
	a.expected_attach_type = BPF_CGROUP_INET_EGRESS;
	a.insns = (uintptr_t)prog;
	a.insn_cnt = sizeof(prog) / sizeof(prog[0]);
	a.license = (uintptr_t)license;
	return sys_bpf(BPF_PROG_LOAD, &a);
}

int
steer_attach(int cgfd, int progfd)
{
	union bpf_attr	a;

	memset(&a, 0, sizeof(a));
	a.target_fd = cgfd;
	a.attach_bpf_fd = progfd;
	a.attach_type = BPF_CGROUP_INET_EGRESS;
	/* systemd's own programs on unit cgroups use it too */
	a.attach_flags = BPF_F_ALLOW_MULTI;
	return sys_bpf(BPF_PROG_ATTACH, &a);
}

/*
 * The map, the program and the mapped value: 0 with them in *s, or -1
 * (EPERM in a container that forbids bpf(), EINVAL on a kernel before
 * 5.5 without BPF_F_MMAPABLE, ...).
 */
int
steer_load(struct steer_objs *s)
{
	struct rlimit	inf = { RLIM_INFINITY, RLIM_INFINITY };
	void		*p;
	int		 saved;

	s->mapfd = s->progfd = -1;
	s->value = NULL;
	/* Kernels before 5.11 charge BPF memory to RLIMIT_MEMLOCK. */
	setrlimit(RLIMIT_MEMLOCK, &inf);
	if ((s->mapfd = map_create()) == -1)
		return -1;
	if ((s->progfd = prog_load(s->mapfd)) == -1 ||
	    (p = mmap(NULL, getpagesize(), PROT_READ | PROT_WRITE, MAP_SHARED,
	    s->mapfd, 0)) == MAP_FAILED) {
		saved = errno;
		steer_unload(s);
		errno = saved;
		return -1;
	}
	s->value = p;
	*s->value = STEER_NONE;
	return 0;
}

void
steer_unload(struct steer_objs *s)
{
	if (s->value != NULL)
		munmap((void *)(uintptr_t)s->value, getpagesize());
	if (s->progfd != -1)
		close(s->progfd);
	if (s->mapfd != -1)
		close(s->mapfd);
	s->mapfd = s->progfd = -1;
	s->value = NULL;
}

/*
 * A direct child's cgroup: CG2/v2v-conversion/TAG with the program on
 * it.  0, or -1 with nothing left behind.
 */
static int
steer_cgroup(struct run *r, int rootfd)
{
	int	parentfd, cgfd;

	if ((parentfd = netcg_mkdir(rootfd, NETCG_DIR, 0)) == -1)
		return -1;
	if ((cgfd = netcg_mkdir(parentfd, r->pc.tag, 1)) == -1) {
		close(parentfd);
		return -1;
	}
	if (steer_attach(cgfd, r->steer.progfd) == -1) {
		log_warn("attaching the steering program to %s", r->pc.tag);
		close(cgfd);
		unlinkat(parentfd, r->pc.tag, AT_REMOVEDIR);
		close(parentfd);
		return -1;
	}
	r->pc.steercgfd = cgfd;
	r->pc.steerparentfd = parentfd;
	return 0;
}

/*
 * cgroup v2 steering for this run, if it works here: root, daemonized
 * (no throttling in the foreground), a cgroup2 hierarchy, Linux 5.15 or
 * later, and for a unit a systemd that takes IPEgressFilterPath=.  1 when
 * ready, 0 when the net_cls way is to be tried.
 */
int
steer_prepare(const struct conf *cf, struct run *r)
{
	struct statfs	sfs;
	int		rootfd, rv;

	if (!r->pc.root || !cf->daemonize || r->env.cgroup2_root[0] == '\0')
		return 0;
	if ((rootfd = open(r->env.cgroup2_root, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		return 0;
	if (fstatfs(rootfd, &sfs) == -1 || sfs.f_type != CGROUP2_SUPER_MAGIC) {
		close(rootfd);
		return 0;
	}
	rv = steer_start(r, rootfd);
	close(rootfd);
	return rv;
}

/*
 * systemd's version, from "systemctl --version" ("systemd 252 (...)"),
 * or 0.  IPEgressFilterPath= needs 243: EL8 has 239.
 */
static int
systemd_version(const struct run *r)
{
	static char	 ver[] = "--version", path[] = SAFE_PATH;
	char		*argv[] = { NULL, ver, NULL }, *envp[] = { path, NULL };
	char		 out[512], err[256];
	int		 status, v = 0;

	argv[0] = (char *)(uintptr_t)r->env.systemctl;
	status = run_capture(NULL, argv, envp, 10000, out, sizeof(out), err,
	    sizeof(err));
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
	    sscanf(out, "systemd %d", &v) != 1)
		return 0;
	return v;
}

/*
 * A unit: systemd attaches what the unit names in IPEgressFilterPath=,
 * with BPF_F_ALLOW_MULTI beside its own IP accounting programs.  The
 * program is pinned at /sys/fs/bpf/virt-v2v-wrapper/TAG (a directory of
 * root's, 0700); priv unlinks it at the end.  0, or -1.
 */
static int
steer_pin(struct run *r)
{
	union bpf_attr	a;
	struct statfs	sfs;
	struct stat	sb;
	int		bpffs, dirfd;

	if ((bpffs = open(STEER_BPFFS, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1)
		return -1;
	if (fstatfs(bpffs, &sfs) == -1 || sfs.f_type != BPF_FS_MAGIC ||
	    (mkdirat(bpffs, STEER_PIN_DIR, 0700) == -1 && errno != EEXIST) ||
	    (dirfd = openat(bpffs, STEER_PIN_DIR, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) == -1) {
		close(bpffs);
		return -1;
	}
	close(bpffs);
	if (fstat(dirfd, &sb) == -1 || sb.st_uid != 0 ||
	    (sb.st_mode & 077) != 0 || snprintf(r->steerpin,
	    sizeof(r->steerpin), "%s/%s/%s", STEER_BPFFS, STEER_PIN_DIR,
	    r->pc.tag) >= (int)sizeof(r->steerpin)) {
		close(dirfd);
		return -1;
	}
	memset(&a, 0, sizeof(a));
	a.pathname = (uintptr_t)r->steerpin;
	a.bpf_fd = r->steer.progfd;
	if (sys_bpf(BPF_OBJ_PIN, &a) == -1) {
		close(dirfd);
		r->steerpin[0] = '\0';
		return -1;
	}
	r->pc.steerpinfd = dirfd;
	return 0;
}

/* On a cgroup2 hierarchy (rootfd): the program, then the cgroup. */
static int
steer_start(struct run *r, int rootfd)
{
	struct utsname	u;

	if (r->use_unit && systemd_version(r) < SYSTEMD_FILTER_MIN) {
		r->steerwhy = LIMIT_WHY_UNIT2;
		return 0;
	}
	/* Only a hybrid host (v1 mounted too) cares: RHEL 9's 5.14 with
	 * cgroup v2 alone is fine. */
	if (uname(&u) == -1 ||
	    netcg_hybrid_unsafe(u.release, steer_mounted("cgroup"))) {
		log_info("cgroup2 steering: a hybrid host on a kernel older "
		    "than 5.15");
		return 0;
	}
	r->steerwhy = LIMIT_WHY_NOBPF;
	if (steer_load(&r->steer) == -1) {
		log_info("cgroup2 steering: loading its BPF program: %s",
		    strerror(errno));
		return 0;
	}
	if (r->use_unit ? steer_pin(r) == -1 : steer_cgroup(r, rootfd) == -1) {
		log_info("cgroup2 steering: %s: %s", r->use_unit ?
		    "pinning the program" : "the run's cgroup", strerror(errno));
		if (r->use_unit)
			r->steerwhy = LIMIT_WHY_UNIT2;
		steer_unload(&r->steer);
		return 0;
	}
	r->steerwhy = 0;
	r->pc.steer = r->steer.value;
	/* The cgroup holds the program, the mapping holds the map: priv
	 * needs neither descriptor. */
	close(r->steer.progfd);
	close(r->steer.mapfd);
	r->steer.progfd = r->steer.mapfd = -1;
	if (r->use_unit)
		log_info("network limits through %s in the unit", r->steerpin);
	else
		log_info("network limits through cgroup2 %s/%s/%s",
		    r->env.cgroup2_root, NETCG_DIR, r->pc.tag);
	return 1;
}

/* A run that fails before priv: its cgroup goes, with the program. */
void
steer_undo(struct run *r)
{
	if (r->pc.steercgfd != -1)
		close(r->pc.steercgfd);
	if (r->pc.steerparentfd != -1) {
		unlinkat(r->pc.steerparentfd, r->pc.tag, AT_REMOVEDIR);
		close(r->pc.steerparentfd);
	}
	r->pc.steercgfd = r->pc.steerparentfd = -1;
	if (r->pc.steerpinfd != -1) {
		unlinkat(r->pc.steerpinfd, r->pc.tag, 0);
		close(r->pc.steerpinfd);
		r->pc.steerpinfd = -1;
	}
	r->pc.steer = NULL;
	steer_unload(&r->steer);
}
