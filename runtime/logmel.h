/* The log-mel front end of DESIGN.md section 5 (torchaudio MelSpectrogram
 * with n_fft 2048, hop 512, 256 HTK mel bands over 0..8 kHz, centre/reflect,
 * power 2, no norm, then log(mel + 1e-5)).  Formulas: docs/features.md. */
#ifndef ASC_LOGMEL_H
#define ASC_LOGMEL_H

#include "error.h"

#define LOGMEL_RATE 16000
#define LOGMEL_N_FFT 2048
#define LOGMEL_HOP 512
#define LOGMEL_BINS (LOGMEL_N_FFT / 2 + 1)
#define LOGMEL_BANDS 256
#define LOGMEL_FRAMES 32 /* for one 1-second clip */
#define LOGMEL_F_MIN 0.0
#define LOGMEL_F_MAX 8000.0
#define LOGMEL_FLOOR 1e-5
#define LOGMEL_SIZE (LOGMEL_BANDS * LOGMEL_FRAMES)

/* FFTW plan, window and sparse mel matrix, made once.  Making one is not
 * thread-safe (FFTW's planner is not); computing with distinct ones is. */
typedef struct logmel logmel;

logmel *logmel_new(asc_err *err);
void logmel_free(logmel *lm);

/* Frames produced for n samples with centred frames: 1 + n / hop. */
long logmel_frames(long n);

/* x: n samples at 16 kHz (n > LOGMEL_N_FFT / 2, for reflect padding).
 * out: LOGMEL_BANDS x logmel_frames(n), band-major (out[band * T + t]). */
void logmel_compute(logmel *lm, const float *x, long n, float *out);

#endif
