/* asc synth --out DIR [--scale micro|tiny|small|full] [--seed N] [--threads N]:
 * writes the synthetic TAU-layout data set (synth.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "synth.h"

static int parse_long(const char *s, long *v)
{
    char *end;
    *v = strtol(s, &end, 10);
    return *s == '\0' || *end != '\0';
}

int cmd_synth(int argc, char **argv)
{
    const char *out = NULL;
    synth_scale scale = SYNTH_TINY;
    long seed = 1, threads = 0;
    for (int i = 0; i < argc; i++) {
        const char *opt = argv[i];
        if (opt[0] != '-')
            return cmd_fail(2, "synth: unexpected argument '%s'", opt);
        if (i + 1 == argc)
            return cmd_fail(2, "synth: '%s' needs a value", opt);
        const char *val = argv[++i];
        if (strcmp(opt, "--out") == 0)
            out = val;
        else if (strcmp(opt, "--scale") == 0) {
            if (synth_parse_scale(val, &scale))
                return cmd_fail(2, "synth: --scale must be micro, tiny, small or full");
        } else if (strcmp(opt, "--seed") == 0) {
            if (parse_long(val, &seed))
                return cmd_fail(2, "synth: --seed needs an integer");
        } else if (strcmp(opt, "--threads") == 0) {
            if (parse_long(val, &threads) || threads < 0)
                return cmd_fail(2, "synth: --threads needs a count");
        } else
            return cmd_fail(2, "synth: unknown option '%s'", opt);
    }
    if (!out)
        return cmd_fail(2, "synth: usage: asc synth --out DIR "
                           "[--scale micro|tiny|small|full] [--seed N]");
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    asc_err err;
    synth_counts c = synth_scale_counts(scale);
    if (synth_generate(out, c, (uint64_t)seed, (int)threads, &err))
        return cmd_fail(1, "%s", err.msg);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long clips = c.train_a + 5 * c.train_parallel + 9 * c.evaluate;
    printf("%s: %ld clips (%ld training, %ld evaluation) in %.1f s\n", out,
           clips, c.train_a + 5 * c.train_parallel, 9 * c.evaluate,
           (t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec));
    return 0;
}
