/* SPDX-License-Identifier: ISC */
/*
 * The monitor's last step of confinement: a seccomp filter, classic BPF,
 * no library.  Whatever a hostile log does to the parser, the monitor
 * then cannot run a program (execve, execveat), attach to another
 * process (ptrace, process_vm_writev), or open a network socket: only
 * AF_UNIX sockets are allowed, for the one it already has.  The rest of
 * its system calls are left alone; its uid, the empty capability sets
 * and no_new_privs are the other walls.
 */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <errno.h>
#include <stddef.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "common/log.h"
#include "monitor/monitor.h"

#if defined(__x86_64__)
#define SECCOMP_ARCH	AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SECCOMP_ARCH	AUDIT_ARCH_AARCH64
#endif

#define DENY(nr)							\
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1),		\
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM)

int
seccomp_confine(void)
{
#ifdef SECCOMP_ARCH
	struct sock_filter	filter[] = {
		/* Another architecture's numbers mean other calls. */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SECCOMP_ARCH, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    offsetof(struct seccomp_data, nr)),
#ifdef __X32_SYSCALL_BIT
		/* x32 calls alias the x86_64 ones: none of them. */
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, __X32_SYSCALL_BIT, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
#endif
		DENY(__NR_execve),
		DENY(__NR_execveat),
		DENY(__NR_ptrace),
		DENY(__NR_process_vm_writev),
		DENY(__NR_process_vm_readv),
		/* socket(domain, ...): AF_UNIX only. */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_socket, 0, 4),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    offsetof(struct seccomp_data, args[0])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_UNIX, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EAFNOSUPPORT),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog	prog = {
		.len = sizeof(filter) / sizeof(filter[0]),
		.filter = filter,
	};

	/* no_new_privs is set already; the filter needs it. */
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == -1) {
		log_warn("seccomp");
		return -1;
	}
	return 0;
#else
	log_warnx("seccomp: no filter for this architecture");
	errno = ENOSYS;
	return -1;
#endif
}
