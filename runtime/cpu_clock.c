/* The CPU clock (see cpu_clock.h). A virtual machine's /proc/cpuinfo gives the
 * nominal clock of its host, 2.1 GHz on the build machine, whose cores run boosted at
 * ~3.5 GHz (OpenBLAS's large sgemm reaches 50 GMAC/s on one core there, which at 16
 * FMA per cycle takes at least 3.1 GHz). A fraction of peak taken at the nominal clock
 * overstates what the code reaches by two thirds; on x86-64 the clock is measured. */
#include "cpu_clock.h"

#if defined(__x86_64__)

#include <time.h>

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A chain of eight dependent register adds per iteration takes eight cycles on every
 * x86-64 core (one cycle each; the loop counter's own chain runs beside it). Register
 * operands, because some cores fold additions of immediates away at rename. The best
 * of five runs of ~0.05 s: the clock with the core busy, as it is in a benchmark. */
double cpu_clock_ghz(void) {
    const long iterations = 20000000;
    double best = 0;
    for (int run = 0; run < 5; run++) {
        unsigned long x = 0, one = 1;
        long n = iterations;
        double t = now_s();
        __asm__ volatile("1:\n\t"
                         "add %2, %0\n\tadd %2, %0\n\tadd %2, %0\n\tadd %2, %0\n\t"
                         "add %2, %0\n\tadd %2, %0\n\tadd %2, %0\n\tadd %2, %0\n\t"
                         "dec %1\n\t"
                         "jnz 1b"
                         : "+r"(x), "+r"(n)
                         : "r"(one)
                         : "cc");
        t = now_s() - t;
        double ghz = 8.0 * (double)iterations / t / 1e9;
        if (ghz > best)
            best = ghz;
    }
    return best;
}

#else

#include <stdio.h>
#include <string.h>

double cpu_clock_ghz(void) {
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[256];
    double mhz = 0;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "cpu MHz", 7) == 0 && sscanf(strchr(line, ':') + 1, "%lf", &mhz) == 1)
            break;
    if (f)
        fclose(f);
    return mhz / 1e3;
}

#endif
