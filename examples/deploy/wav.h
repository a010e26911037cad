/* A small RIFF/WAVE reader for the deploy example: integer PCM of 8, 16, 24 or
 * 32 bits, IEEE float of 32 or 64 bits, plain or WAVE_FORMAT_EXTENSIBLE, any
 * channel count, mixed to mono.  Strict C99 and libc only.  Anything it cannot
 * read exactly (truncated data, inconsistent headers, other encodings) is
 * refused with a one-line reason rather than guessed at. */
#ifndef DEPLOY_WAV_H
#define DEPLOY_WAV_H

#include <stddef.h>

/* The most frames a file may hold: 60 s at 96 kHz, the classifier's longest
 * input at its highest rate.  The reader allocates 4 bytes per frame, whatever
 * the channel count, so a hostile header costs at most 23 MB. */
#define WAV_MAX_FRAMES (60L * 96000L)

typedef struct {
    float *samples;  /* frames mono samples, from malloc; release with wav_free */
    long frames;     /* frames in the data chunk */
    int sample_rate; /* Hz, as the header says (1 .. INT_MAX) */
    int channels;    /* channels in the file, averaged into samples */
    int bits;        /* bits per stored sample: 8, 16, 24, 32 or 64 */
    int is_float;    /* 1 for IEEE float samples, 0 for integer PCM */
} WavAudio;

/* Reads path into *audio.  Integer samples are scaled to [-1, 1) the way
 * libsndfile does (8-bit as unsigned, the others as signed two's complement);
 * float samples are taken as they are, so NaN or huge values reach the caller,
 * whose job it is to refuse them.  Returns 0, or -1 with *audio zeroed and the
 * reason (without the path) in why[why_size]. */
int wav_read(const char *path, WavAudio *audio, char *why, size_t why_size);

void wav_free(WavAudio *audio);

#endif
