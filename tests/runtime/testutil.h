/* Helpers shared by the runtime tests: a scratch directory per test run and
 * writers for the audio files the tests need (generated, never checked in). */
#ifndef ASC_TESTUTIL_H
#define ASC_TESTUTIL_H

#include <stddef.h>

/* mkdtemp'd directory, removed with its files at exit. */
const char *tu_tmpdir(void);

/* tu_tmpdir()/name, in a static ring of buffers. */
const char *tu_path(const char *name);

/* Writes n frames (interleaved) with libsndfile; format is SF_FORMAT_*. */
void tu_write_audio(const char *path, const float *x, long frames,
                    int channels, int rate, int format);

void tu_write_bytes(const char *path, const void *data, size_t n);

/* A canonical 44-byte PCM WAV header with the given fields, for
 * hand-made broken files. */
void tu_wav_header(unsigned char h[44], int channels, int rate, int bits,
                   unsigned data_bytes);

/* Deterministic uniform numbers in [-1, 1) independent of the runtime's RNG. */
double tu_uniform(unsigned long long *state);

#endif
