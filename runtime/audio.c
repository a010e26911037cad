/* Audio input (see audio.h): libsndfile decoding, mono mix-down, libsoxr
 * resampling to 16 kHz and the 1-second length policy.  Resamplers are kept,
 * one per source rate, and cleared between clips; a clip's audio is read
 * into buffers that grow once and are reused. */
#include "audio.h"

#include <math.h>
#include <stdint.h>
#include <sndfile.h>
#include <soxr.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RESAMPLER_SLOTS 8

/* Clips shorter than this are refused: mostly padding, features mean little. */
#define AUDIO_MIN_SECONDS 0.5

struct audio_loader {
    struct {
        int rate;
        soxr_t soxr;
    } slot[RESAMPLER_SLOTS];
    int nslots;
    float *frames; /* interleaved samples as read */
    size_t frames_cap;
    float *mono;
    size_t mono_cap;
    float *resampled;
    size_t resampled_cap;
};

audio_loader *audio_loader_new(void)
{
    return calloc(1, sizeof(audio_loader));
}

void audio_loader_free(audio_loader *ld)
{
    if (!ld)
        return;
    for (int i = 0; i < ld->nslots; i++)
        soxr_delete(ld->slot[i].soxr);
    free(ld->frames);
    free(ld->mono);
    free(ld->resampled);
    free(ld);
}

static int grow(float **buf, size_t *cap, size_t need)
{
    if (need <= *cap)
        return 0;
    float *p = realloc(*buf, need * sizeof(float));
    if (!p)
        return -1;
    *buf = p;
    *cap = need;
    return 0;
}

/* SOXR_HQ (20-bit, passband to 91 % of Nyquist) keeps images and aliases
 * more than 100 dB down; SOXR_VHQ measured twice as slow for no visible
 * gain in 16 kHz features.  One thread: callers parallelise over clips. */
static soxr_t resampler_for(audio_loader *ld, int rate, asc_err *err)
{
    for (int i = 0; i < ld->nslots; i++)
        if (ld->slot[i].rate == rate) {
            soxr_clear(ld->slot[i].soxr);
            return ld->slot[i].soxr;
        }
    if (ld->nslots == RESAMPLER_SLOTS) {
        soxr_delete(ld->slot[0].soxr);
        memmove(&ld->slot[0], &ld->slot[1],
                sizeof ld->slot[0] * (RESAMPLER_SLOTS - 1));
        ld->nslots--;
    }
    soxr_error_t e;
    soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
    soxr_quality_spec_t q = soxr_quality_spec(SOXR_HQ, 0);
    soxr_runtime_spec_t rt = soxr_runtime_spec(1);
    soxr_t s = soxr_create(rate, AUDIO_RATE, 1, &e, &io, &q, &rt);
    if (!s) {
        err_set(err, "soxr", "cannot make a %d Hz resampler: %s", rate, e);
        return NULL;
    }
    ld->slot[ld->nslots].rate = rate;
    ld->slot[ld->nslots].soxr = s;
    ld->nslots++;
    return s;
}

asc_status audio_resample(audio_loader *ld, const float *in, long n, int rate,
                          float *out, long out_cap, long *out_n, asc_err *err)
{
    long want = lround((double)n * AUDIO_RATE / rate);
    if (want > out_cap)
        return err_set(err, "soxr", "output buffer too small");
    if (rate == AUDIO_RATE) {
        memcpy(out, in, (size_t)n * sizeof(float));
        *out_n = n;
        return ASC_OK;
    }
    soxr_t s = resampler_for(ld, rate, err);
    if (!s)
        return ASC_EFAIL;
    size_t idone = 0, odone = 0, tail = 0;
    soxr_error_t e = soxr_process(s, in, (size_t)n, &idone, out,
                                  (size_t)want, &odone);
    if (!e && odone < (size_t)want)
        e = soxr_process(s, NULL, 0, NULL, out + odone,
                         (size_t)want - odone, &tail);
    if (e)
        return err_set(err, "soxr", "resampling failed: %s", e);
    *out_n = (long)(odone + tail);
    for (long i = *out_n; i < want; i++)
        out[i] = 0.0f;
    *out_n = want;
    return ASC_OK;
}

/* libsndfile silently shortens a WAV whose data chunk runs past the end of
 * the file; only its log tells ("data : CLAIMED (should be PRESENT)").  A
 * truncated file is a damaged copy, so it is refused, not padded. */
static asc_status check_truncation(SNDFILE *sf, const char *path,
                                   asc_err *err)
{
    char log[4096];
    sf_command(sf, SFC_GET_LOG_INFO, log, sizeof log);
    const char *p = strstr(log, "\ndata : ");
    long claimed, present;
    if (p && sscanf(p, "\ndata : %ld (should be %ld)", &claimed,
                    &present) == 2 && present < claimed)
        return err_set(err, path,
                       "data ends after %ld bytes but the header claims %ld "
                       "(truncated file)", present, claimed);
    return ASC_OK;
}

static asc_status check_format(const char *path, const SF_INFO *si,
                               asc_err *err)
{
    if (si->channels <= 0)
        return err_set(err, path, "has %d channels", si->channels);
    if (si->samplerate <= 0)
        return err_set(err, path, "has sample rate %d", si->samplerate);
    if (si->samplerate < AUDIO_MIN_RATE || si->samplerate > AUDIO_MAX_RATE)
        return err_set(err, path,
                       "sample rate %d Hz is outside %d..%d Hz",
                       si->samplerate, AUDIO_MIN_RATE, AUDIO_MAX_RATE);
    if (si->frames <= 0)
        return err_set(err, path, "holds no audio samples");
    if (si->frames < (sf_count_t)(AUDIO_MIN_SECONDS * si->samplerate))
        return err_set(err, path,
                       "too short: %.3f s (at least %.1f s needed)",
                       (double)si->frames / si->samplerate,
                       AUDIO_MIN_SECONDS);
    return ASC_OK;
}

/* NaN or infinity: the exponent bits all set.  Tested on the bits with an
 * integer OR so the compiler can vectorise the scan. */
static int all_finite(const float *x, long n)
{
    uint32_t bad = 0;
    for (long i = 0; i < n; i++) {
        uint32_t bits;
        memcpy(&bits, &x[i], sizeof bits);
        bad |= (bits & 0x7f800000u) == 0x7f800000u;
    }
    return !bad;
}

static asc_status first_bad_sample(const char *path, const float *x, long n,
                                   int channels, asc_err *err)
{
    for (long i = 0; i < n * channels; i++)
        if (!isfinite(x[i]))
            return err_set(err, path, "sample %ld is %s", i / channels,
                           isnan(x[i]) ? "NaN" : "infinite");
    return ASC_OK;
}

/* Reads up to `want` frames, mixed to mono, into ld->mono. */
static asc_status read_mono(audio_loader *ld, SNDFILE *sf, const char *path,
                            int channels, long want, long *got, asc_err *err)
{
    if (grow(&ld->frames, &ld->frames_cap, (size_t)want * channels) ||
        grow(&ld->mono, &ld->mono_cap, (size_t)want))
        return err_set(err, path, "out of memory");
    sf_count_t n = 0, r;
    while (n < want &&
           (r = sf_readf_float(sf, ld->frames + n * channels, want - n)) > 0)
        n += r;
    if (sf_error(sf))
        return err_set(err, path, "decoding failed: %s", sf_strerror(sf));
    if (!all_finite(ld->frames, (long)n * channels))
        return first_bad_sample(path, ld->frames, (long)n, channels, err);
    if (channels == 1)
        memcpy(ld->mono, ld->frames, (size_t)n * sizeof(float));
    for (sf_count_t i = 0; channels > 1 && i < n; i++) {
        const float *f = ld->frames + i * channels;
        double sum = 0.0;
        for (int c = 0; c < channels; c++)
            sum += f[c];
        ld->mono[i] = (float)(sum / channels);
    }
    *got = (long)n;
    return ASC_OK;
}

/* A clip is exactly one second when it resamples to AUDIO_CLIP_SAMPLES. */
static unsigned length_warnings(long frames, int rate)
{
    long n = lround((double)frames * AUDIO_RATE / rate);
    if (n < AUDIO_CLIP_SAMPLES)
        return AUDIO_WARN_PADDED;
    if (n > AUDIO_CLIP_SAMPLES)
        return AUDIO_WARN_CROPPED;
    return 0;
}

/* Past one second only a little context for the resampler's edge. */
static asc_status decode(audio_loader *ld, SNDFILE *sf, const char *path,
                         const SF_INFO *si, long *got, asc_err *err)
{
    long want = si->frames;
    long limit = si->samplerate + si->samplerate / 20;
    if (want > limit)
        want = limit;
    if (read_mono(ld, sf, path, si->channels, want, got, err))
        return ASC_EFAIL;
    if (*got < want)
        return err_set(err, path,
                       "data ends after %ld frames but the header claims %ld",
                       *got, (long)si->frames);
    return ASC_OK;
}

/* The decoded mono samples at 16 kHz, zero-padded or cut to one second. */
static asc_status resample_clip(audio_loader *ld, const char *path, long got,
                                int rate, float *out, asc_err *err)
{
    long cap = lround((double)got * AUDIO_RATE / rate) + 1;
    if (grow(&ld->resampled, &ld->resampled_cap, (size_t)cap))
        return err_set(err, path, "out of memory");
    long n;
    asc_err rerr;
    if (audio_resample(ld, ld->mono, got, rate, ld->resampled, cap, &n,
                       &rerr))
        return err_set(err, path, "%s", rerr.msg);
    long keep = n < AUDIO_CLIP_SAMPLES ? n : AUDIO_CLIP_SAMPLES;
    memcpy(out, ld->resampled, (size_t)keep * sizeof(float));
    memset(out + keep, 0, (size_t)(AUDIO_CLIP_SAMPLES - keep) * sizeof(float));
    return ASC_OK;
}

/* libsndfile's messages for some broken files are cryptic ("SF_INFO struct
 * incomplete" for a WAV with sample rate 0); say what is wrong instead. */
static asc_status open_failure(const char *path, asc_err *err)
{
    const char *why = sf_strerror(NULL);
    unsigned char h[28];
    FILE *f = fopen(path, "rb");
    if (!f)
        return err_set(err, path, "cannot read as audio: %s", why);
    size_t n = fread(h, 1, sizeof h, f);
    fclose(f);
    if (n == 0)
        return err_set(err, path, "empty file");
    if (n == sizeof h && memcmp(h, "RIFF", 4) == 0 &&
        memcmp(h + 8, "WAVEfmt ", 8) == 0) {
        unsigned channels = h[22] | h[23] << 8;
        unsigned long rate = h[24] | h[25] << 8 | (unsigned long)h[26] << 16 |
                             (unsigned long)h[27] << 24;
        if (channels == 0)
            return err_set(err, path, "WAV header says 0 channels");
        if (rate == 0)
            return err_set(err, path, "WAV header says sample rate 0");
    }
    return err_set(err, path, "cannot read as audio: %s", why);
}

asc_status audio_decode(audio_loader *ld, const char *path, const float **pcm,
                        long *n, audio_info *info, asc_err *err)
{
    SF_INFO si;
    memset(&si, 0, sizeof si);
    memset(info, 0, sizeof *info);
    SNDFILE *sf = sf_open(path, SFM_READ, &si);
    if (!sf)
        return open_failure(path, err);
    info->rate = si.samplerate;
    info->channels = si.channels;
    info->frames = (long)si.frames;
    asc_status st = check_truncation(sf, path, err);
    if (!st)
        st = check_format(path, &si, err);
    if (!st)
        st = decode(ld, sf, path, &si, n, err);
    sf_close(sf);
    if (st)
        return st;
    *pcm = ld->mono;
    info->warnings = length_warnings(info->frames, info->rate);
    if (info->rate < AUDIO_RATE)
        info->warnings |= AUDIO_WARN_UPSAMPLED;
    return ASC_OK;
}

asc_status audio_load(audio_loader *ld, const char *path, float *out,
                      audio_info *info, asc_err *err)
{
    const float *pcm;
    long n;
    if (audio_decode(ld, path, &pcm, &n, info, err))
        return ASC_EFAIL;
    return resample_clip(ld, path, n, info->rate, out, err);
}

void audio_warning_text(const audio_info *info, char *buf, size_t size)
{
    double secs = (double)info->frames / (info->rate > 0 ? info->rate : 1);
    size_t n = 0;
    buf[0] = '\0';
    if ((info->warnings & AUDIO_WARN_PADDED) && n < size)
        n += (size_t)snprintf(buf + n, size - n,
                              "%.3f s long, zero-padded to 1 s", secs);
    if ((info->warnings & AUDIO_WARN_CROPPED) && n < size)
        n += (size_t)snprintf(buf + n, size - n,
                              "%.3f s long, cropped to its first second",
                              secs);
    if ((info->warnings & AUDIO_WARN_UPSAMPLED) && n < size)
        snprintf(buf + n, size - n, "%s%d Hz, upsampled: no content above %d Hz",
                 n ? "; " : "", info->rate, info->rate / 2);
}
