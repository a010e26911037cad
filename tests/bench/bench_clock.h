/* The benchmarks' clock and medians: wall time from the monotonic clock, and
 * the median of a set of timings (sorted in place). The includer defines
 * _POSIX_C_SOURCE before any header where it builds as strict C99. */
#ifndef BENCH_CLOCK_H
#define BENCH_CLOCK_H

#include <stdlib.h>
#include <time.h>

static double bench_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

static int bench_by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of times[0 .. n), in the times' unit. */
static double bench_median(double *times, int n)
{
    qsort(times, (size_t)n, sizeof times[0], bench_by_value);
    return times[n / 2];
}

#endif
