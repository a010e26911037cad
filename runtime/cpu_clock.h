/* The clock the CPU runs at, for the fraction of peak that asc bench prints. */
#ifndef ASC_CPU_CLOCK_H
#define ASC_CPU_CLOCK_H

/* GHz, measured on x86-64 (see cpu_clock.c), else /proc/cpuinfo's "cpu MHz";
 * 0 if neither is known. */
double cpu_clock_ghz(void);

#endif
