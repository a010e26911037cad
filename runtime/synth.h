/* The synthetic data set: clips in exactly the TAU Urban Acoustic Scenes
 * 2022 Mobile layout (44.1 kHz, 24-bit mono WAV, 1 s), made from 10 scene
 * recipes heard through 9 device models.  Design: docs/data.md. */
#ifndef ASC_SYNTH_H
#define ASC_SYNTH_H

#include <stdint.h>

#include "error.h"
#include "rng.h"

#define SYNTH_RATE 44100
#define SYNTH_SAMPLES 44100

/* micro: a few clips per device, for tests of whole training runs. */
typedef enum { SYNTH_TINY, SYNTH_SMALL, SYNTH_FULL, SYNTH_MICRO } synth_scale;

/* Per-scale counts: segments recorded by device A for training, how many
 * of those were also recorded by B, C and S1-S3, and evaluation segments
 * (each recorded by all nine devices). */
typedef struct {
    long train_a, train_parallel, evaluate;
} synth_counts;

synth_counts synth_scale_counts(synth_scale scale);
int synth_parse_scale(const char *name, synth_scale *scale);

/* Recording-location parameters of one scene, drawn once per location. */
typedef struct {
    double bg_db, bg_fc, rumble_db, rumble_fc, hum_f0, hum_db, babble_db;
    double music_db, squeal_db;
    double steps, beeps, birds, cars; /* events per second */
    double room_fc, room_db;          /* the location's own resonance */
} synth_place;

void synth_place_draw(int scene, rng *r, synth_place *p);

/* One second of the clean scene at SYNTH_RATE (what device A hears). */
void synth_source(const synth_place *p, rng *r, float *out);

/* The signal as device d (index of tau_device_names) records it. */
void synth_device(int device, const float *src, rng *r, float *out);

/* Gain of device d's frequency response at hz, in dB. */
double synth_device_response_db(int device, double hz);

/* Writes a data set of these counts (each divided evenly over the scenes)
 * under dir, created if missing and refused if it already holds a meta.csv.
 * threads <= 0: OpenMP's default. */
asc_status synth_generate(const char *dir, synth_counts counts, uint64_t seed,
                          int threads, asc_err *err);

#endif
