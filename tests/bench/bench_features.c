/* Feature extraction throughput on one thread: decode + resample + log-mel
 * for every clip of a data set (e.g. asc synth --scale small), with the
 * time split by stage, files already in the page cache.  Prints figures;
 * it is a measurement, not a test.
 *   bench_features DIR [MAX_CLIPS] */
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "audio.h"
#include "logmel.h"
#include "tau.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

/* Decoding alone (libsndfile, no resampling), to split audio_load's time. */
static double decode_only(const tau_set *set, long n)
{
    static float buf[48000];
    char path[2048];
    double t0 = now();
    for (long i = 0; i < n; i++) {
        SF_INFO si = {0};
        tau_clip_path(set, i, path, sizeof path);
        SNDFILE *sf = sf_open(path, SFM_READ, &si);
        if (!sf)
            continue;
        sf_readf_float(sf, buf, si.frames < 48000 ? si.frames : 48000);
        sf_close(sf);
    }
    return now() - t0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_features DIR [MAX_CLIPS]\n");
        return 2;
    }
    tau_set set;
    asc_err err;
    if (tau_open(argv[1], &set, &err)) {
        fprintf(stderr, "bench_features: %s\n", err.msg);
        return 1;
    }
    long n = set.n_clips;
    if (argc > 2 && atol(argv[2]) > 0 && atol(argv[2]) < n)
        n = atol(argv[2]);
    /* An untimed pass brings the files into the page cache, so the timed
     * passes measure computation, not the disk. */
    decode_only(&set, n);
    double t_dec = decode_only(&set, n);
    double t0 = now();
    audio_loader *ld = audio_loader_new();
    logmel *lm = logmel_new(&err);
    double setup = now() - t0;
    static float pcm[AUDIO_CLIP_SAMPLES], mel[LOGMEL_SIZE];
    double t_load = 0, t_mel = 0, check = 0;
    char path[2048];
    audio_info info;
    for (long i = 0; i < n; i++) {
        tau_clip_path(&set, i, path, sizeof path);
        double a = now();
        if (audio_load(ld, path, pcm, &info, &err)) {
            fprintf(stderr, "bench_features: %s\n", err.msg);
            return 1;
        }
        double b = now();
        logmel_compute(lm, pcm, AUDIO_CLIP_SAMPLES, mel);
        t_mel += now() - b;
        t_load += b - a;
        check += mel[i % LOGMEL_SIZE];
    }
    double total = t_load + t_mel;
    printf("clips %ld, one thread, setup (FFTW plan) %.3f s\n", n, setup);
    printf("throughput %.0f clips/s (%.1f us/clip)\n", n / total,
           1e6 * total / n);
    printf("  decode (libsndfile)   %6.1f us/clip\n", 1e6 * t_dec / n);
    printf("  resample + rest       %6.1f us/clip\n", 1e6 * (t_load - t_dec) / n);
    printf("  log-mel (FFTW, mel)   %6.1f us/clip\n", 1e6 * t_mel / n);
    printf("(checksum %g)\n", check);
    audio_loader_free(ld);
    logmel_free(lm);
    tau_close(&set);
    return 0;
}
