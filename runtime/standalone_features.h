/* The standalone classifier's front end inside asc: `asc classify --int8`
 * computes a file's features with the very C that ascc pastes into
 * <model>_classifier.c (compiler/standalone/frontend.c: its own resampler
 * and FFT, not libsoxr and FFTW), so that asc's INT8 answer is the answer of
 * the classifier a deployer ships, code for code.  Why: docs/standalone.md. */
#ifndef ASC_STANDALONE_FEATURES_H
#define ASC_STANDALONE_FEATURES_H

#include "error.h"

/* The front end's arena: its window, FFT and mel tables, and the polyphase
 * table of the last sample rate. */
typedef struct standalone_features standalone_features;

standalone_features *standalone_features_new(void);
void standalone_features_free(standalone_features *sf);

/* Log-mel features (LOGMEL_BANDS x LOGMEL_FRAMES, band-major, as
 * logmel_compute) of n mono samples at rate, as audio_decode gives them;
 * path names the file in the error of a clip the front end refuses. */
asc_status standalone_features_compute(standalone_features *sf, const float *pcm, long n,
                                       int rate, const char *path, float *out, asc_err *err);

#endif
