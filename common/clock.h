/* SPDX-License-Identifier: ISC */
/*
 * Time for deadlines: one monotonic clock, and one bounded wait for a
 * condition that nothing can wake us for (a flock, a file in /proc, a
 * child of someone else's).
 */
#ifndef CLOCK_H
#define CLOCK_H

long long	mono_ms(void);
int		wait_for(int (*)(void *), void *, int, int);

#endif
