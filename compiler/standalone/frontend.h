/* The standalone classifier's audio front end: PCM at 16 kHz or a
 * supported higher rate in, the runtime's 256 x 32 log-mel features out
 * (docs/features.md, docs/standalone.md).  Strict C99, libm only, no malloc,
 * no writable globals: every table and buffer lives in one caller-provided
 * arena.  ascc pastes this module into <model>_classifier.c and renames the
 * prefix "ascfe_" to the model's, so every identifier here carries it. */
#ifndef ascfe_FRONTEND_H
#define ascfe_FRONTEND_H

#include <stddef.h>

#define ascfe_RATE 16000 /* the features' sample rate */
#define ascfe_BANDS 256
#define ascfe_FRAMES 32
#define ascfe_FEATURES (ascfe_BANDS * ascfe_FRAMES)

/* Accepted input rates: 16000 Hz, and rates up to 96000 Hz whose polyphase
 * table fits (22050, 24000, 32000, 44100, 48000, 88200, 96000 among them);
 * see docs/standalone.md.  Rates below 16 kHz are refused. */
#define ascfe_MIN_RATE 16000
#define ascfe_MAX_RATE 96000
#define ascfe_MAX_SECONDS 60     /* longer inputs are refused unread */
#define ascfe_MAX_ABS 1e9f       /* PCM is in [-1, 1]; far beyond is a bug */

/* The arena: this many bytes, aligned for a double. */
#define ascfe_ARENA_BYTES 241088
#define ascfe_ARENA_ALIGN 8

/* Results.  Success is >= 0: a set of ascfe_PADDED / ascfe_CROPPED bits
 * saying how the clip was brought to 1 s.  Failures are negative and leave
 * the output untouched. */
enum ascfe_status {
    ascfe_OK = 0,
    ascfe_PADDED = 1,      /* 0.5 s to 1 s: zero-padded at the end */
    ascfe_CROPPED = 2,     /* over 1 s: only the first second used */
    ascfe_E_NULL = -1,     /* arena, pcm or out is NULL */
    ascfe_E_ARENA = -2,    /* arena too small, misaligned or not initialised */
    ascfe_E_RATE = -3,     /* sample rate not supported (see above) */
    ascfe_E_EMPTY = -4,    /* n <= 0 */
    ascfe_E_TOO_LONG = -5, /* n above ascfe_MAX_SECONDS at this rate */
    ascfe_E_TOO_SHORT = -6,/* under 0.5 s */
    ascfe_E_SAMPLE = -7    /* a NaN or infinite sample, or |x| > ascfe_MAX_ABS */
};

size_t ascfe_arena_bytes(void);

/* Lays the window, FFT twiddles, mel filterbank and resampler filter out in
 * the arena (bytes >= ascfe_ARENA_BYTES, aligned to ascfe_ARENA_ALIGN).
 * Returns ascfe_OK, ascfe_E_NULL or ascfe_E_ARENA. */
int ascfe_init(void *arena, size_t bytes);

/* Features of n mono samples at sample_rate into out[band * 32 + frame].
 * The arena is working memory and a cache (the polyphase table of the last
 * rate), so one arena serves one thread at a time. */
int ascfe_logmel(void *arena, const float *pcm, int n, int sample_rate,
                 float out[ascfe_FEATURES]);

/* A short English description of a status, for messages. */
const char *ascfe_strerror(int status);

#endif
