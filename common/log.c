/* SPDX-License-Identifier: ISC */
/*
 * Log lines: "2026-11-28T01:42:13.123Z monitor[1234] warning: text".
 * The file gets every line; stderr gets them too while the process is in
 * the foreground (before daemonizing, or with daemonize false), as
 * "virt-v2v-wrapper: text", which is also how input errors reach a caller.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"

static int		 log_fd = -1;
static int		 log_tostderr = 1;
static int		 log_verbose;
static const char	*log_procname = "parent";

void
log_init(int tostderr, int verbose)
{
	log_tostderr = tostderr;
	log_verbose = verbose;
}

void
log_procinit(const char *name)
{
	log_procname = name;
}

/* The fd must be opened O_APPEND: see the comment at the top. */
void
log_setfd(int fd)
{
	log_fd = fd;
}

int
log_getfd(void)
{
	return log_fd;
}

void
log_setstderr(int on)
{
	log_tostderr = on;
}

/* Write all of buf; a log line is never worth more than one retry on EINTR. */
static void
log_write(int fd, const char *buf, size_t len)
{
	ssize_t	n;

	do {
		n = write(fd, buf, len);
	} while (n == -1 && errno == EINTR);
}

static void
vlog(const char *level, int errnum, const char *fmt, va_list ap)
{
	char		 msg[LOG_LINE_MAX], line[LOG_LINE_MAX], stamp[32];
	struct timespec	 ts;
	struct tm	 tm;
	int		 n;
	size_t		 len;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (errnum != 0) {
		len = strlen(msg);
		snprintf(msg + len, sizeof(msg) - len, ": %s",
		    strerror(errnum));
	}

	if (log_fd != -1) {
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
		n = snprintf(line, sizeof(line), "%s.%03ldZ %s[%ld] %s: %s\n",
		    stamp, ts.tv_nsec / 1000000, log_procname, (long)getpid(),
		    level, msg);
		/* A truncated line still ends in a newline. */
		if (n < 0)
			n = 0;
		if ((size_t)n >= sizeof(line)) {
			n = sizeof(line) - 1;
			line[n - 1] = '\n';
		}
		log_write(log_fd, line, n);
	}
	if (log_tostderr) {
		n = snprintf(line, sizeof(line), "virt-v2v-wrapper: %s\n", msg);
		if (n < 0)
			n = 0;
		if ((size_t)n >= sizeof(line)) {
			n = sizeof(line) - 1;
			line[n - 1] = '\n';
		}
		log_write(STDERR_FILENO, line, n);
	}
}

void
log_warn(const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	va_start(ap, fmt);
	vlog("warning", saved, fmt, ap);
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	va_start(ap, fmt);
	vlog("warning", 0, fmt, ap);
	va_end(ap);
	errno = saved;
}

void
log_info(const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	va_start(ap, fmt);
	vlog("info", 0, fmt, ap);
	va_end(ap);
	errno = saved;
}

/* Debug lines reach stderr only when asked for (-v): a caller reading
 * stderr for an error wants that one line, not the key-by-key chatter. */
void
log_debug(const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno, tostderr = log_tostderr;

	if (!log_verbose)
		log_tostderr = 0;
	va_start(ap, fmt);
	vlog("debug", 0, fmt, ap);
	va_end(ap);
	log_tostderr = tostderr;
	errno = saved;
}

void
fatal(const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	va_start(ap, fmt);
	vlog("fatal", saved, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog("fatal", 0, fmt, ap);
	va_end(ap);
	exit(1);
}
