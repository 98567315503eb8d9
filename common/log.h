/* SPDX-License-Identifier: ISC */
/*
 * Logging in the OpenBSD daemon shape.  Every line is built whole and
 * written with one write(2) to an O_APPEND file, so the lines of the
 * three processes never interleave.
 */
#ifndef LOG_H
#define LOG_H

#include <stdarg.h>

#define LOG_LINE_MAX	4096

void	log_init(int, int);
void	log_procinit(const char *);
void	log_setfd(int);
int	log_getfd(void);
void	log_setstderr(int);
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif
