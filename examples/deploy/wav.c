/* The WAV reader of the deploy example (wav.h).  It walks the RIFF chunks in
 * one pass over the stream (no seeking, so pipes work too), keeps the fmt
 * chunk, skips every other chunk up to data, and decodes data block by block
 * into mono floats.  Only the mono output is allocated, after its size has
 * been checked against WAV_MAX_FRAMES. */
#include "wav.h"

#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { TAG_PCM = 0x0001, TAG_FLOAT = 0x0003, TAG_EXTENSIBLE = 0xFFFE };

/* The 14 bytes that follow the format tag in an extensible sub-format GUID
 * (KSDATAFORMAT_SUBTYPE_PCM and _IEEE_FLOAT share them). */
static const unsigned char guid_tail[14] = {0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80,
                                            0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71};

typedef struct {
    int channels, sample_rate, bits, is_float;
    unsigned bytes;       /* per stored sample */
    unsigned long frame;  /* bytes per frame: the block align */
} Format;

/* The stream and where it stands: offsets count from the file's first byte. */
typedef struct {
    FILE *f;
    unsigned long long at;      /* bytes consumed so far */
    unsigned long long riff_end; /* first byte past the RIFF chunk */
    int read_failed, read_errno; /* a read failed (not ended), and its errno */
    char *why;
    size_t why_size;
} Stream;

static int fail(Stream *s, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->why, s->why_size, fmt, ap);
    va_end(ap);
    return -1;
}

static unsigned long get_u16(const unsigned char *p) { return p[0] | (unsigned long)p[1] << 8; }

static unsigned long get_u32(const unsigned char *p) {
    return get_u16(p) | get_u16(p + 2) << 16;
}

/* Reads up to n bytes; returns how many arrived (fewer only at the end). */
static size_t take(Stream *s, void *dst, size_t n) {
    size_t got = fread(dst, 1, n, s->f);
    if (got < n && ferror(s->f) && !s->read_failed)
        s->read_failed = 1, s->read_errno = errno;
    s->at += got;
    return got;
}

/* Consumes n bytes by reading them: a chunk's size is only a claim until its
 * bytes have been seen.  Returns how many were there. */
static unsigned long long skip(Stream *s, unsigned long long n) {
    unsigned char buf[4096];
    unsigned long long done = 0;
    while (done < n) {
        size_t want = n - done < sizeof buf ? (size_t)(n - done) : sizeof buf;
        size_t got = take(s, buf, want);
        done += got;
        if (got < want)
            break;
    }
    return done;
}

/* A chunk id for messages, with anything unprintable shown as '?'. */
static void id_text(const unsigned char *id, char text[5]) {
    for (int i = 0; i < 4; i++)
        text[i] = id[i] >= 0x20 && id[i] < 0x7f ? (char)id[i] : '?';
    text[4] = '\0';
}

static int read_riff_header(Stream *s) {
    unsigned char h[12];
    size_t got = take(s, h, sizeof h);
    if (got == 0)
        return fail(s, "empty file");
    if (got >= 4 && memcmp(h, "RIFX", 4) == 0)
        return fail(s, "big-endian RIFX file: not supported");
    if (got >= 4 && memcmp(h, "RF64", 4) == 0)
        return fail(s, "RF64 file: not supported");
    if (got < 4 || memcmp(h, "RIFF", 4) != 0)
        return fail(s, "not a WAV file (no RIFF header)");
    if (got < sizeof h)
        return fail(s, "truncated RIFF header (%lu bytes)", (unsigned long)got);
    if (memcmp(h + 8, "WAVE", 4) != 0)
        return fail(s, "a RIFF file, but not of form WAVE");
    unsigned long riff_size = get_u32(h + 4);
    if (riff_size < 4)
        return fail(s, "RIFF size %lu is too small to hold WAVE", riff_size);
    s->riff_end = 8 + (unsigned long long)riff_size;
    return 0;
}

/* The format tag that decides the encoding: the plain tag, or for
 * WAVE_FORMAT_EXTENSIBLE the sub-format GUID's. */
static int encoding_tag(Stream *s, const unsigned char *body, unsigned long size,
                        unsigned long *tag) {
    *tag = get_u16(body);
    if (*tag != TAG_EXTENSIBLE)
        return 0;
    if (size < 40 || get_u16(body + 16) < 22)
        return fail(s, "WAVE_FORMAT_EXTENSIBLE fmt chunk of %lu bytes is too short", size);
    unsigned long valid_bits = get_u16(body + 18);
    if (valid_bits > get_u16(body + 14))
        return fail(s, "%lu valid bits in %lu-bit samples", valid_bits, get_u16(body + 14));
    if (memcmp(body + 26, guid_tail, sizeof guid_tail) != 0)
        return fail(s, "WAVE_FORMAT_EXTENSIBLE with an unknown sub-format GUID");
    *tag = get_u16(body + 24);
    return 0;
}

static int parse_fmt(Stream *s, const unsigned char *body, unsigned long size, Format *fmt) {
    unsigned long tag;
    if (size < 16)
        return fail(s, "fmt chunk of %lu bytes is too short (16 needed)", size);
    if (encoding_tag(s, body, size, &tag))
        return -1;
    unsigned long channels = get_u16(body + 2), rate = get_u32(body + 4);
    unsigned long block_align = get_u16(body + 12), bits = get_u16(body + 14);
    int is_float = tag == TAG_FLOAT;
    if (tag != TAG_PCM && tag != TAG_FLOAT)
        return fail(s, "encoding 0x%04lx is not supported (only integer PCM and IEEE float)",
                    tag);
    if (is_float ? bits != 32 && bits != 64 : bits != 8 && bits != 16 && bits != 24 && bits != 32)
        return fail(s, "%lu-bit %s samples are not supported", bits, is_float ? "float" : "PCM");
    if (channels == 0)
        return fail(s, "the header says 0 channels");
    if (rate == 0 || rate > INT_MAX)
        return fail(s, "the header says sample rate %lu Hz", rate);
    if (block_align != channels * (bits / 8))
        return fail(s, "block align %lu does not match %lu channels of %lu bits", block_align,
                    channels, bits);
    *fmt = (Format){(int)channels, (int)rate, (int)bits, is_float, (unsigned)(bits / 8),
                    block_align};
    return 0;
}

/* Keeps the first 64 bytes of the fmt chunk (40 is the most any encoding
 * read here uses) and skips the rest. */
static int read_fmt(Stream *s, unsigned long size, Format *fmt) {
    unsigned char body[64] = {0};
    size_t keep = size < sizeof body ? (size_t)size : sizeof body;
    if (take(s, body, keep) < keep || skip(s, size - keep) < size - keep)
        return fail(s, "truncated fmt chunk");
    return parse_fmt(s, body, size, fmt);
}

/* One stored sample as a float, scaled as libsndfile scales it, so that the
 * classifier sees what `asc classify` sees. */
static float decode_sample(const unsigned char *p, const Format *fmt) {
    if (fmt->is_float && fmt->bits == 32) {
        uint32_t bits = (uint32_t)get_u32(p);
        float x;
        memcpy(&x, &bits, sizeof x); /* binary32, same byte order as integers */
        return x;
    }
    if (fmt->is_float) {
        uint64_t bits = (uint64_t)get_u32(p + 4) << 32 | get_u32(p);
        double d;
        memcpy(&d, &bits, sizeof d);
        /* Out of float's range the conversion is undefined in C: saturate to
         * infinity, which is what IEEE conversion gives and what the
         * classifier refuses. */
        if (d > FLT_MAX || d < -FLT_MAX)
            return d > 0 ? HUGE_VALF : -HUGE_VALF;
        return (float)d;
    }
    switch (fmt->bits) {
    case 8: return (float)((int)p[0] - 128) / 128.0f;
    case 16: return (float)((long)get_u16(p) - (p[1] & 0x80 ? 65536L : 0)) / 32768.0f;
    case 24: {
        long v = (long)(get_u16(p) | (unsigned long)p[2] << 16) - (p[2] & 0x80 ? 16777216L : 0);
        return (float)v / 8388608.0f;
    }
    default: {
        long long v = (long long)get_u32(p) - (p[3] & 0x80 ? 4294967296LL : 0);
        return (float)v * (1.0f / 2147483648.0f);
    }
    }
}

/* Decodes frames frames from the stream into out, averaging the channels in
 * double (as the runtime does).  Samples are read in blocks of whole samples;
 * a frame may span blocks. */
static int decode_data(Stream *s, const Format *fmt, long frames, float *out) {
    unsigned char buf[4096];
    size_t block = sizeof buf / fmt->bytes * fmt->bytes;
    unsigned long long left = (unsigned long long)frames * fmt->frame;
    unsigned long long total = left;
    double sum = 0;
    int channel = 0;
    long frame = 0;
    while (left > 0) {
        size_t want = left < block ? (size_t)left : block;
        size_t got = take(s, buf, want);
        if (got < want)
            return fail(s, "truncated: the data chunk ends after %llu of its %llu bytes",
                        total - left + got, total);
        left -= got;
        for (size_t i = 0; i < got; i += fmt->bytes) {
            sum += decode_sample(buf + i, fmt);
            if (++channel == fmt->channels) {
                out[frame++] = (float)(sum / fmt->channels);
                sum = 0, channel = 0;
            }
        }
    }
    return 0;
}

static int read_data(Stream *s, unsigned long size, const Format *fmt, WavAudio *audio) {
    if (size % fmt->frame)
        return fail(s, "data chunk of %lu bytes is not a whole number of %lu-byte frames", size,
                    fmt->frame);
    unsigned long frames = size / fmt->frame;
    if (frames > (unsigned long)WAV_MAX_FRAMES)
        return fail(s, "%lu frames (%.1f s at %d Hz): more than this reader's limit of %ld "
                    "(60 s at 96 kHz)", frames, (double)frames / fmt->sample_rate,
                    fmt->sample_rate, WAV_MAX_FRAMES);
    float *samples = malloc(sizeof(float) * (frames ? frames : 1));
    if (!samples)
        return fail(s, "out of memory for %lu frames", frames);
    if (decode_data(s, fmt, (long)frames, samples)) {
        free(samples);
        return -1;
    }
    *audio = (WavAudio){samples, (long)frames, fmt->sample_rate, fmt->channels, fmt->bits,
                        fmt->is_float};
    return 0;
}

/* Walks the chunks after the RIFF header until the data chunk has been read. */
static int read_chunks(Stream *s, WavAudio *audio) {
    Format fmt;
    int have_fmt = 0;
    for (;;) {
        unsigned char h[8];
        char id[5];
        size_t got = s->at + 8 <= s->riff_end ? take(s, h, sizeof h) : 0;
        if (got == 0)
            return fail(s, have_fmt ? "no data chunk" : "no fmt chunk");
        if (got < sizeof h)
            return fail(s, "truncated chunk header at byte %llu", s->at - got);
        unsigned long size = get_u32(h + 4);
        id_text(h, id);
        if (s->at + size > s->riff_end)
            return fail(s, "chunk '%s' of %lu bytes at byte %llu runs past the end of the RIFF "
                        "chunk (byte %llu)", id, size, s->at - 8, s->riff_end);
        if (memcmp(h, "fmt ", 4) == 0) {
            if (have_fmt)
                return fail(s, "two fmt chunks");
            if (read_fmt(s, size, &fmt))
                return -1;
            have_fmt = 1;
        } else if (memcmp(h, "data", 4) == 0) {
            if (!have_fmt)
                return fail(s, "data chunk before the fmt chunk");
            return read_data(s, size, &fmt, audio);
        } else if (skip(s, size) < size) {
            return fail(s, "truncated: chunk '%s' claims %lu bytes", id, size);
        }
        if (size % 2)
            skip(s, 1); /* the pad byte after an odd-sized chunk */
    }
}

int wav_read(const char *path, WavAudio *audio, char *why, size_t why_size) {
    *audio = (WavAudio){NULL, 0, 0, 0, 0, 0};
    Stream s = {NULL, 0, 0, 0, 0, why, why_size};
    s.f = fopen(path, "rb");
    if (!s.f)
        return fail(&s, "cannot open: %s", strerror(errno));
    int status = read_riff_header(&s);
    if (status == 0)
        status = read_chunks(&s, audio);
    if (s.read_failed) /* it looked like an early end: say what it was */
        status = fail(&s, "read error: %s", s.read_errno ? strerror(s.read_errno) : "unknown");
    fclose(s.f);
    if (status)
        wav_free(audio);
    return status;
}

void wav_free(WavAudio *audio) {
    free(audio->samples);
    *audio = (WavAudio){NULL, 0, 0, 0, 0, 0};
}
