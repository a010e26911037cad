/* asc devices --data DIR [--threads N]: per device, the clips in the
 * training and evaluation splits and how far its mean log-mel spectrum is
 * from device A's.  Builds the feature cache if needed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "device_stats.h"

static int report(const char *dir, int threads)
{
    tau_set set;
    feature_cache fc;
    feature_cache_stats st;
    asc_err err;
    static device_stats ds;
    if (tau_open(dir, &set, &err))
        return cmd_fail(1, "%s", err.msg);
    if (feature_cache_load(&set, threads, NULL, &fc, &st, &err)) {
        tau_close(&set);
        return cmd_fail(1, "%s", err.msg);
    }
    device_stats_compute(&set, &fc, &ds);
    long train = 0;
    for (int d = 0; d < TAU_DEVICES; d++)
        train += ds.train[d];
    printf("device  train  (share)  evaluate  clips  |mean dB - A| mean  max\n");
    for (int d = 0; d < TAU_DEVICES; d++)
        printf("%-6s %6ld %7.1f%% %9ld %6ld %18.2f %6.2f\n",
               tau_device_names[d], ds.train[d],
               train ? 100.0 * ds.train[d] / train : 0.0, ds.evaluate[d],
               ds.clips[d], ds.shift_db[d], ds.max_shift_db[d]);
    feature_cache_close(&fc);
    tau_close(&set);
    return 0;
}

int cmd_devices(int argc, char **argv)
{
    const char *data = NULL;
    long threads = 0;
    for (int i = 0; i < argc; i += 2) {
        if (argv[i][0] != '-')
            return cmd_fail(2, "devices: unexpected argument '%s'", argv[i]);
        if (i + 1 == argc)
            return cmd_fail(2, "devices: '%s' needs a value", argv[i]);
        char *end;
        if (strcmp(argv[i], "--data") == 0)
            data = argv[i + 1];
        else if (strcmp(argv[i], "--threads") == 0) {
            threads = strtol(argv[i + 1], &end, 10);
            if (*end || end == argv[i + 1] || threads < 0)
                return cmd_fail(2, "devices: --threads needs a count");
        } else
            return cmd_fail(2, "devices: unknown option '%s'", argv[i]);
    }
    if (!data)
        return cmd_fail(2, "devices: usage: asc devices --data DIR");
    return report(data, (int)threads);
}
