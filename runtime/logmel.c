/* Log-mel spectrogram (see logmel.h).  The FFT is FFTW's real-to-complex
 * transform planned once with FFTW_MEASURE; the mel matrix is stored sparse,
 * as each triangular filter touches only a run of neighbouring bins.  The
 * arithmetic is double: in float, FFT round-off of a loud frame moves quiet
 * bands near the 1e-5 floor by more than 1e-3 in the log domain, and a
 * double 2048-point transform costs about what a float one does. */
#include "logmel.h"

#include <fftw3.h>
#include <math.h>
#include <stdlib.h>

#define PI 3.14159265358979323846

struct logmel {
    fftw_plan plan;
    double *frame;         /* LOGMEL_N_FFT windowed samples */
    fftw_complex *spec;    /* LOGMEL_BINS */
    double *power;         /* LOGMEL_BINS */
    double window[LOGMEL_N_FFT];
    int first[LOGMEL_BANDS]; /* first bin of each filter */
    int count[LOGMEL_BANDS]; /* bins it touches */
    int offset[LOGMEL_BANDS];/* into weight */
    double *weight;
};

static double hz_to_mel(double f) { return 2595.0 * log10(1.0 + f / 700.0); }
static double mel_to_hz(double m) { return 700.0 * (pow(10.0, m / 2595.0) - 1.0); }

/* torchaudio's melscale_fbanks: triangles on the linear FFT-bin grid with
 * corners at HTK-mel-spaced frequencies, peak 1, no area normalisation. */
static double filter_weight(const double *fpt, int m, double f)
{
    double down = (f - fpt[m]) / (fpt[m + 1] - fpt[m]);
    double up = (fpt[m + 2] - f) / (fpt[m + 2] - fpt[m + 1]);
    double w = down < up ? down : up;
    return w > 0.0 ? w : 0.0;
}

static int build_filters(logmel *lm)
{
    double fpt[LOGMEL_BANDS + 2];
    double mlo = hz_to_mel(LOGMEL_F_MIN), mhi = hz_to_mel(LOGMEL_F_MAX);
    for (int i = 0; i < LOGMEL_BANDS + 2; i++)
        fpt[i] = mel_to_hz(mlo + (mhi - mlo) * i / (LOGMEL_BANDS + 1));
    double bin_hz = (LOGMEL_RATE / 2.0) / (LOGMEL_BINS - 1);
    int total = 0;
    for (int pass = 0; pass < 2; pass++) {
        total = 0;
        for (int m = 0; m < LOGMEL_BANDS; m++) {
            int first = -1, last = -1;
            for (int k = 0; k < LOGMEL_BINS; k++)
                if (filter_weight(fpt, m, k * bin_hz) > 0.0) {
                    if (first < 0)
                        first = k;
                    last = k;
                }
            lm->first[m] = first < 0 ? 0 : first;
            lm->count[m] = first < 0 ? 0 : last - first + 1;
            lm->offset[m] = total;
            if (pass == 1)
                for (int j = 0; j < lm->count[m]; j++)
                    lm->weight[total + j] = filter_weight(
                        fpt, m, (lm->first[m] + j) * bin_hz);
            total += lm->count[m];
        }
        if (pass == 0 && !(lm->weight = malloc(sizeof(double) * (total + 1))))
            return -1;
    }
    return 0;
}

logmel *logmel_new(asc_err *err)
{
    logmel *lm = calloc(1, sizeof *lm);
    if (!lm) {
        err_set(err, "logmel", "out of memory");
        return NULL;
    }
    lm->frame = fftw_malloc(sizeof(double) * LOGMEL_N_FFT);
    lm->spec = fftw_malloc(sizeof(fftw_complex) * LOGMEL_BINS);
    lm->power = fftw_malloc(sizeof(double) * LOGMEL_BINS);
    if (!lm->frame || !lm->spec || !lm->power || build_filters(lm)) {
        logmel_free(lm);
        err_set(err, "logmel", "out of memory");
        return NULL;
    }
    lm->plan = fftw_plan_dft_r2c_1d(LOGMEL_N_FFT, lm->frame, lm->spec,
                                     FFTW_MEASURE);
    if (!lm->plan) {
        logmel_free(lm);
        err_set(err, "logmel", "FFTW could not plan a %d-point transform",
                LOGMEL_N_FFT);
        return NULL;
    }
    /* Periodic Hann: the DFT-even window torch.hann_window gives. */
    for (int i = 0; i < LOGMEL_N_FFT; i++)
        lm->window[i] = 0.5 - 0.5 * cos(2.0 * PI * i / LOGMEL_N_FFT);
    return lm;
}

void logmel_free(logmel *lm)
{
    if (!lm)
        return;
    if (lm->plan)
        fftw_destroy_plan(lm->plan);
    fftw_free(lm->frame);
    fftw_free(lm->spec);
    fftw_free(lm->power);
    free(lm->weight);
    free(lm);
}

long logmel_frames(long n)
{
    return 1 + n / LOGMEL_HOP;
}

/* Centred frame t starts at t*hop - n_fft/2; outside the signal, reflect
 * about the end samples without repeating them (numpy/torch "reflect"). */
static void load_frame(logmel *lm, const float *x, long n, long t)
{
    long start = t * LOGMEL_HOP - LOGMEL_N_FFT / 2;
    if (start >= 0 && start + LOGMEL_N_FFT <= n) {
        for (int i = 0; i < LOGMEL_N_FFT; i++)
            lm->frame[i] = x[start + i] * lm->window[i];
        return;
    }
    for (int i = 0; i < LOGMEL_N_FFT; i++) {
        long j = start + i;
        if (j < 0)
            j = -j;
        if (j >= n)
            j = 2 * (n - 1) - j;
        lm->frame[i] = x[j] * lm->window[i];
    }
}

void logmel_compute(logmel *lm, const float *x, long n, float *out)
{
    long frames = logmel_frames(n);
    for (long t = 0; t < frames; t++) {
        load_frame(lm, x, n, t);
        fftw_execute(lm->plan);
        for (int k = 0; k < LOGMEL_BINS; k++)
            lm->power[k] = lm->spec[k][0] * lm->spec[k][0] +
                           lm->spec[k][1] * lm->spec[k][1];
        for (int m = 0; m < LOGMEL_BANDS; m++) {
            const double *w = lm->weight + lm->offset[m];
            const double *p = lm->power + lm->first[m];
            double acc = 0.0;
            for (int j = 0; j < lm->count[m]; j++)
                acc += w[j] * p[j];
            out[m * frames + t] = logf((float)(acc + LOGMEL_FLOOR));
        }
    }
}
