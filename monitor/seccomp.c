/* SPDX-License-Identifier: ISC */
/*
 * The monitor's last step of confinement: a seccomp filter, classic BPF,
 * no library, that allows exactly the system calls the monitor makes
 * once it runs (with the names glibc 2.28 of EL8, 2.34 of EL9 and 2.36
 * of Debian 12 use for them), kill and tgkill only to itself (abort),
 * and answers everything else with ENOSYS, as a kernel without the call
 * would: a hostile log that takes over the parser can run no program,
 * attach to nothing, read no other process's memory, create no socket
 * and no io_uring, and steal no descriptor (pidfd_getfd).  Those are
 * refused by name first, with EPERM, also in a sanitizer build, where
 * the rest is only logged (SECCOMP_RET_LOG): ASan and UBSan make calls
 * of their own when they report.
 */
#include <sys/prctl.h>
#include <sys/syscall.h>

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <unistd.h>

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

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_UNDEFINED__)
#define OTHERS		SECCOMP_RET_LOG
#else
#define OTHERS		(SECCOMP_RET_ERRNO | ENOSYS)
#endif

#define FILTER_MAX	256

struct filter {
	struct sock_filter	f[FILTER_MAX];
	int			n;
};

static void
emit(struct filter *fl, struct sock_filter ins)
{
	if (fl->n == FILTER_MAX)
		fatalx("seccomp: the filter is too long");
	fl->f[fl->n++] = ins;
}

/* if (nr == call) return action; */
static void
on(struct filter *fl, long call, unsigned int action)
{
	emit(fl, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
	    call, 0, 1));
	emit(fl, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, action));
}

#define J(k, t, f)	(struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, \
			    (k), (t), (f))
#define ARG(n)		(struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, \
			    offsetof(struct seccomp_data, args[n]))
#define RET(a)		(struct sock_filter)BPF_STMT(BPF_RET | BPF_K, (a))

/*
 * fcntl: the descriptor flags and O_NONBLOCK only.  Never a signal owner
 * (F_SETOWN, F_SETSIG) nor O_ASYNC: SIGIO would deliver, to a process of
 * the same uid, the signal kill() is refused.
 */
static void
fcntl_rule(struct filter *fl)
{
	emit(fl, J(__NR_fcntl, 0, 9));
	emit(fl, ARG(1));
	emit(fl, J(F_GETFD, 5, 0));
	emit(fl, J(F_SETFD, 4, 0));
	emit(fl, J(F_GETFL, 3, 0));
	emit(fl, J(F_SETFL, 0, 3));
	emit(fl, ARG(2));
	emit(fl, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K,
	    O_ASYNC, 1, 0));
	emit(fl, RET(SECCOMP_RET_ALLOW));
	emit(fl, RET(SECCOMP_RET_ERRNO | EPERM));
}

/*
 * fchmod: 0644, the state file's mode, only; the logs it reads are
 * descriptors of files the conversion user may own, and must not be
 * made writable by others.
 */
static void
fchmod_rule(struct filter *fl)
{
	emit(fl, J(__NR_fchmod, 0, 4));
	emit(fl, ARG(1));
	emit(fl, J(0644, 0, 1));
	emit(fl, RET(SECCOMP_RET_ALLOW));
	emit(fl, RET(SECCOMP_RET_ERRNO | EPERM));
}

/* if (nr == call) return args[0] == self ? ALLOW : EPERM; */
static void
self_only(struct filter *fl, long call, pid_t self)
{
	emit(fl, J(call, 0, 4));
	emit(fl, ARG(0));
	emit(fl, J((unsigned int)self, 0, 1));
	emit(fl, RET(SECCOMP_RET_ALLOW));
	emit(fl, RET(SECCOMP_RET_ERRNO | EPERM));
}

#ifdef SECCOMP_ARCH
/* What the monitor may never do, whatever the build. */
static const long refused[] = {
	__NR_execve, __NR_execveat, __NR_ptrace, __NR_process_vm_readv,
	__NR_process_vm_writev, __NR_socket, __NR_socketpair,
#ifdef __NR_io_uring_setup
	__NR_io_uring_setup, __NR_io_uring_enter, __NR_io_uring_register,
#endif
#ifdef __NR_pidfd_getfd
	__NR_pidfd_getfd, __NR_pidfd_open, __NR_pidfd_send_signal,
#endif
	__NR_chroot, __NR_mount, __NR_setuid, __NR_setgid,
};

/* What it does: reading, the state file, waiting, memory, signals. */
static const long allowed[] = {
	__NR_read, __NR_write, __NR_readv, __NR_writev, __NR_pread64,
	__NR_close, __NR_openat, __NR_lseek,
	__NR_newfstatat, __NR_fstat,
#ifdef __NR_statx
	__NR_statx,
#endif
	__NR_unlinkat,
#ifdef __NR_renameat
	__NR_renameat,
#endif
#ifdef __NR_renameat2
	__NR_renameat2,
#endif
#ifdef __NR_poll
	__NR_poll,
#endif
	__NR_ppoll, __NR_clock_gettime, __NR_clock_nanosleep, __NR_nanosleep,
	__NR_gettimeofday, __NR_getpid, __NR_gettid, __NR_getrandom,
	__NR_brk, __NR_mmap, __NR_munmap, __NR_mremap, __NR_madvise,
	__NR_mprotect, __NR_futex, __NR_sched_yield,
	__NR_rt_sigaction, __NR_rt_sigprocmask, __NR_rt_sigreturn,
	__NR_rt_sigtimedwait,
	__NR_restart_syscall, __NR_sendmsg, __NR_recvmsg,
	__NR_exit, __NR_exit_group,
};
#endif

int
seccomp_confine(void)
{
#ifdef SECCOMP_ARCH
	struct filter		fl = { .n = 0 };
	struct sock_fprog	prog;
	pid_t			self = getpid();
	size_t			i;

	/* Another architecture's numbers mean other calls. */
	emit(&fl, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	    offsetof(struct seccomp_data, arch)));
	emit(&fl, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
	    SECCOMP_ARCH, 1, 0));
	emit(&fl, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
	    SECCOMP_RET_KILL_PROCESS));
	emit(&fl, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	    offsetof(struct seccomp_data, nr)));
#ifdef __X32_SYSCALL_BIT
	/* x32 calls alias the x86_64 ones: none of them. */
	emit(&fl, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K,
	    __X32_SYSCALL_BIT, 0, 1));
	emit(&fl, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
	    SECCOMP_RET_KILL_PROCESS));
#endif
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		on(&fl, refused[i], SECCOMP_RET_ERRNO | EPERM);
	for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		on(&fl, allowed[i], SECCOMP_RET_ALLOW);
	/* Every rule below returns once its call matched: the number
	 * loaded in the accumulator stays valid until then. */
	fcntl_rule(&fl);
	fchmod_rule(&fl);
	/* abort() signals itself; nothing else may be signalled. */
	self_only(&fl, __NR_kill, self);
	self_only(&fl, __NR_tgkill, self);
	emit(&fl, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, OTHERS));
	prog.len = fl.n;
	prog.filter = fl.f;
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
