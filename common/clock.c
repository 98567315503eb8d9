/* SPDX-License-Identifier: ISC */
/*
 * The monotonic clock (never the wall clock, which an admin or NTP may
 * step) and the program's one sleep-and-look loop.
 */
#include <time.h>

#include "common/clock.h"

long long
mono_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Ask done(arg) every step_ms until it answers non-zero or timeout_ms
 * have passed (it is asked once more at the end).  Returns its last
 * answer: 0 when the time ran out.  A timeout of -1 waits for ever.
 */
int
wait_for(int (*done)(void *), void *arg, int timeout_ms, int step_ms)
{
	struct timespec	 nap = { step_ms / 1000, (step_ms % 1000) * 1000000L };
	long long	 deadline = mono_ms() + timeout_ms;
	int		 rv;

	while ((rv = done(arg)) == 0) {
		if (timeout_ms != -1 && mono_ms() >= deadline)
			return done(arg);
		nanosleep(&nap, NULL);
	}
	return rv;
}
