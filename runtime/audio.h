/* Audio input: any file libsndfile reads becomes one 1-second mono clip at
 * 16 kHz, the network's input signal.  The length policy and the outcome for
 * every kind of bad audio are documented in docs/features.md. */
#ifndef ASC_AUDIO_H
#define ASC_AUDIO_H

#include "error.h"

#define AUDIO_RATE 16000
#define AUDIO_CLIP_SAMPLES 16000
#define AUDIO_MIN_RATE 8000
#define AUDIO_MAX_RATE 192000

/* Bits of audio_info.warnings: the clip was accepted, but changed. */
enum {
    AUDIO_WARN_PADDED = 1,   /* shorter than 1 s: zero-padded at the end */
    AUDIO_WARN_CROPPED = 2,  /* longer than 1 s: only the first second kept */
    AUDIO_WARN_UPSAMPLED = 4 /* below 16 kHz: upper mel bands stay empty */
};

typedef struct {
    int rate;          /* sample rate of the file */
    int channels;      /* channels of the file, mixed down to mono */
    long frames;       /* frames in the file */
    unsigned warnings; /* AUDIO_WARN_* */
} audio_info;

/* Holds the resamplers (one per source rate, built once) and scratch
 * buffers, so loading many clips costs no filter design and no allocation. */
typedef struct audio_loader audio_loader;

audio_loader *audio_loader_new(void);
void audio_loader_free(audio_loader *ld);

/* Decodes path into out (AUDIO_CLIP_SAMPLES floats at AUDIO_RATE). */
asc_status audio_load(audio_loader *ld, const char *path, float *out,
                      audio_info *info, asc_err *err);

/* Decodes path as audio_load does, up to the resampling: *pcm receives its
 * first second and a twentieth (all of it if shorter) as mono samples at
 * the file's own rate info->rate, *n their count.  *pcm is the loader's
 * buffer, valid until its next use.  For front ends of their own (the
 * standalone classifier's, in asc classify --int8). */
asc_status audio_decode(audio_loader *ld, const char *path, const float **pcm,
                        long *n, audio_info *info, asc_err *err);

/* Resamples n mono samples from rate to AUDIO_RATE; *out_n receives
 * round(n * AUDIO_RATE / rate) samples into out (capacity out_cap). */
asc_status audio_resample(audio_loader *ld, const float *in, long n, int rate,
                          float *out, long out_cap, long *out_n,
                          asc_err *err);

/* One line describing the warnings (empty string if none). */
void audio_warning_text(const audio_info *info, char *buf, size_t size);

#endif
