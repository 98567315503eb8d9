/* SPDX-License-Identifier: ISC */
/*
 * Throttling values: {"cpu": "50%" | "50" | 50 | "unlimited" | null,
 * "network": "1048576" | 1048576 | "unlimited" | null}.  cpu is a
 * whole percentage of one CPU, 1 to 100 times the online CPUs; network
 * whole bytes per second from 1 up; both 0 for unlimited.  Shared by the
 * input key (parent) and the throttling file (monitor).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/limits.h"

/* Append one problem to warn; several are joined with "; ". */
static void __attribute__((format(printf, 3, 4)))
addwarn(char *warn, size_t len, const char *fmt, ...)
{
	va_list	ap;
	size_t	n = strlen(warn);

	if (n > 0 && n + 2 < len) {
		strlcat(warn, "; ", len);
		n += 2;
	}
	va_start(ap, fmt);
	vsnprintf(warn + n, len - n, fmt, ap);
	va_end(ap);
}

#define CPU_PERCENT_MAX	(100LL * 65536)	/* 65536 CPUs */

/* A whole non-negative decimal number, all of s; -1 otherwise. */
static long long
decimal(const char *s, size_t len, long long max)
{
	long long	v = 0;
	size_t		i;

	if (len == 0 || len > 18)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v > max ? -1 : v;
}

/*
 * One value: 0 for unlimited, the number, or -1 when it is not valid.
 * percent allows the "%" suffix (cpu).
 */
static long long
limit_value(json_t *v, int percent, long long max)
{
	const char	*s;
	size_t		 len;
	long long	 n;

	if (json_is_null(v))
		return 0;
	if (json_is_integer(v)) {
		n = json_integer_value(v);
		return n >= 1 && n <= max ? n : -1;
	}
	if (!json_is_string(v))
		return -1;
	s = json_string_value(v);
	len = json_string_length(v);
	if (strcmp(s, "unlimited") == 0)
		return 0;
	if (percent && len > 0 && s[len - 1] == '%')
		len--;
	n = decimal(s, len, max);
	return n >= 1 ? n : -1;
}

/*
 * Valid keys are set in *l; bad ones are left out and named in warn.
 * Returns -1 when any value was bad.  Unknown keys are ignored.
 */
int
limits_from_json(json_t *o, long ncpu, struct limits *l, char *warn,
    size_t warnlen)
{
	json_t		*v;
	long long	 n;
	int		 rv = 0;

	memset(l, 0, sizeof(*l));
	if ((v = json_object_get(o, "cpu")) != NULL) {
		if ((n = limit_value(v, 1, CPU_PERCENT_MAX)) == -1) {
			addwarn(warn, warnlen, "cpu: expected a whole "
			    "percentage from 1 up (100 per CPU), or unlimited");
			rv = -1;
		} else {
			/* More than every CPU here is every CPU: systemd
			 * would take it and limit nothing (as upstream
			 * did); the state shows what is in force. */
			l->has_cpu = 1;
			l->cpu = n > 100LL * ncpu ? 100LL * ncpu : n;
		}
	}
	if ((v = json_object_get(o, "network")) != NULL) {
		if ((n = limit_value(v, 0, NETWORK_MAX)) == -1) {
			addwarn(warn, warnlen, "network: expected bytes per "
			    "second from 1 up, or unlimited");
			rv = -1;
		} else {
			l->has_net = 1;
			l->net = n;
		}
	}
	return rv;
}

/* The state file's form: "50%", "1048576", "unlimited". */
void
limits_format(int cpu, long long v, char *buf, size_t len)
{
	if (v == 0)
		snprintf(buf, len, "unlimited");
	else
		snprintf(buf, len, "%lld%s", v, cpu ? "%" : "");
}
