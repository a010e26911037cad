/* The 10 scene recipes of the synthetic data set.  Each scene is a mean
 * recipe (background, vehicle rumble, engine hum, babble, music, rail
 * squeal, event rates); each recording location draws its own recipe
 * around that mean, with spreads wide enough that neighbouring scenes
 * (airport / shopping mall, bus / tram / metro, street pedestrian / public
 * square) overlap, as real ones do. */
#include <math.h>
#include <string.h>

#include "biquad.h"
#include "synth.h"
#include "tau.h"

#define PI 3.14159265358979323846

/* Spread of a location's recipe around its scene's: standard deviations of
 * levels (dB), of log frequencies and of log event rates. */
#define SPREAD_DB 3.0
#define SPREAD_FREQ 0.2
#define SPREAD_RATE 0.4

/* Levels at or below this are left out (and cost no time). */
#define SILENT_DB -65.0

/* Order of tau_scene_names.  Levels in dBFS, frequencies in Hz, events
 * per second. */
static const struct {
    double bg_db, bg_fc, rumble_db, rumble_fc, hum_f0, hum_db, babble_db;
    double music_db, squeal_db, steps, beeps, birds, cars;
} recipe[TAU_SCENES] = {
    /* airport */        {-31, 1800, -42, 200, 110, -46, -29, -50, -80, 1.0, 0.6, 0.0, 0.0},
    /* bus */            {-31, 600, -25, 120, 55, -31, -38, -80, -80, 0.2, 0.05, 0.0, 0.2},
    /* metro */          {-29, 1100, -24, 260, 120, -37, -40, -80, -40, 0.2, 0.25, 0.0, 0.0},
    /* metro_station */  {-32, 1400, -32, 200, 95, -44, -32, -60, -50, 1.4, 0.5, 0.0, 0.0},
    /* park */           {-40, 2800, -46, 100, 60, -58, -47, -80, -80, 0.3, 0.0, 1.6, 0.05},
    /* public_square */  {-35, 2200, -38, 150, 70, -52, -33, -80, -80, 0.8, 0.0, 0.5, 0.35},
    /* shopping_mall */  {-33, 1600, -44, 200, 115, -48, -31, -38, -80, 1.0, 0.2, 0.0, 0.0},
    /* street_pedestr. */{-34, 2000, -35, 140, 70, -47, -35, -80, -80, 1.8, 0.0, 0.15, 0.5},
    /* street_traffic */ {-30, 900, -28, 120, 50, -37, -43, -80, -80, 0.3, 0.0, 0.0, 1.5},
    /* tram */           {-32, 800, -27, 220, 85, -36, -37, -80, -46, 0.2, 0.2, 0.0, 0.2},
};

static double spread_db(rng *r, double mean)
{
    return mean + SPREAD_DB * rng_normal(r);
}

static double spread_freq(rng *r, double mean)
{
    return mean * exp(SPREAD_FREQ * rng_normal(r));
}

/* The small floor gives every location a chance of every event. */
static double spread_rate(rng *r, double mean, double floor)
{
    return (mean + floor) * exp(SPREAD_RATE * rng_normal(r));
}

void synth_place_draw(int scene, rng *r, synth_place *p)
{
    p->bg_db = spread_db(r, recipe[scene].bg_db);
    p->bg_fc = spread_freq(r, recipe[scene].bg_fc);
    p->rumble_db = spread_db(r, recipe[scene].rumble_db);
    p->rumble_fc = spread_freq(r, recipe[scene].rumble_fc);
    p->hum_f0 = spread_freq(r, recipe[scene].hum_f0);
    p->hum_db = spread_db(r, recipe[scene].hum_db);
    p->babble_db = spread_db(r, recipe[scene].babble_db);
    p->music_db = spread_db(r, recipe[scene].music_db);
    p->squeal_db = spread_db(r, recipe[scene].squeal_db);
    p->steps = spread_rate(r, recipe[scene].steps, 0.05);
    p->beeps = spread_rate(r, recipe[scene].beeps, 0.02);
    p->birds = spread_rate(r, recipe[scene].birds, 0.02);
    p->cars = spread_rate(r, recipe[scene].cars, 0.03);
    p->room_fc = exp(rng_range(r, log(150.0), log(5000.0)));
    p->room_db = 4.0 * rng_normal(r);
}

static double db_to_amp(double db)
{
    return pow(10.0, db / 20.0);
}

/* Adds filtered white noise of RMS level db (the filter's own gain
 * is measured from its impulse-free noise output, not assumed). */
static void add_noise(float *out, float *tmp, rng *r, biquad *f, double db)
{
    double sum = 0.0;
    for (int i = 0; i < SYNTH_SAMPLES; i++)
        tmp[i] = rng_noise(r);
    if (f)
        biquad_run(f, tmp, SYNTH_SAMPLES);
    for (int i = 0; i < SYNTH_SAMPLES; i++)
        sum += (double)tmp[i] * tmp[i];
    double g = db_to_amp(db) / sqrt(sum / SYNTH_SAMPLES + 1e-20);
    for (int i = 0; i < SYNTH_SAMPLES; i++)
        out[i] += (float)(g * tmp[i]);
}

/* Engine hum: harmonics 1..6 with 1/k amplitudes, the pitch drifting
 * linearly; oscillators are rotations recomputed every 64 samples. */
static void add_hum(float *out, const synth_place *p, rng *r)
{
    double f0 = p->hum_f0 * rng_range(r, 0.95, 1.05);
    double drift = rng_range(r, -0.08, 0.08), amp = db_to_amp(p->hum_db);
    double phase[6];
    for (int k = 0; k < 6; k++)
        phase[k] = rng_range(r, 0.0, 2 * PI);
    for (int b = 0; b < SYNTH_SAMPLES; b += 64) {
        double f = f0 * (1.0 + drift * b / SYNTH_SAMPLES);
        int end = b + 64 < SYNTH_SAMPLES ? b + 64 : SYNTH_SAMPLES;
        for (int k = 0; k < 6; k++) {
            double w = 2 * PI * f * (k + 1) / SYNTH_RATE;
            if (f * (k + 1) > 0.45 * SYNTH_RATE)
                break;
            double c = cos(phase[k]), s = sin(phase[k]);
            double cw = cos(w), sw = sin(w), a = amp / (k + 1);
            for (int i = b; i < end; i++) {
                out[i] += (float)(a * s);
                double nc = c * cw - s * sw;
                s = s * cw + c * sw;
                c = nc;
            }
            phase[k] = fmod(phase[k] + w * (end - b), 2 * PI);
        }
    }
}

/* Babble: noise through two speech-like bands, gated by the syllable
 * envelopes of four talkers (3-6 syllables per second). */
static void add_babble(float *out, float *tmp, const synth_place *p, rng *r)
{
    float *voice = tmp + SYNTH_SAMPLES;
    for (int i = 0; i < SYNTH_SAMPLES; i++)
        voice[i] = 0.0f;
    biquad f1, f2;
    biquad_init(&f1, BIQUAD_BANDPASS, SYNTH_RATE, rng_range(r, 400, 800), 0.9, 0);
    biquad_init(&f2, BIQUAD_BANDPASS, SYNTH_RATE, rng_range(r, 1500, 2600), 1.2, 0);
    add_noise(voice, tmp, r, &f1, 0.0);
    add_noise(voice, tmp, r, &f2, -6.0);
    double rate[4], ph[4], amp = db_to_amp(p->babble_db);
    for (int k = 0; k < 4; k++) {
        rate[k] = rng_range(r, 3.0, 6.0);
        ph[k] = rng_range(r, 0.0, 2 * PI);
    }
    for (int b = 0; b < SYNTH_SAMPLES; b += 32) {
        double t = (double)b / SYNTH_RATE, env = 0.0;
        for (int k = 0; k < 4; k++) {
            double s = sin(2 * PI * rate[k] * t + ph[k]);
            env += s > 0 ? s * s : 0.0;
        }
        float g = (float)(amp * env * 0.7);
        int end = b + 32 < SYNTH_SAMPLES ? b + 32 : SYNTH_SAMPLES;
        for (int i = b; i < end; i++)
            out[i] += g * voice[i];
    }
}

/* Next event time of a Poisson process, or > 1 s when there is none. */
static double next_event(rng *r, double t, double rate)
{
    return t - log(1.0 - rng_uniform(r)) / rate;
}

/* Footsteps: 8 ms-decaying noise bursts, darkened by a low-pass. */
static void add_steps(float *out, float *tmp, const synth_place *p, rng *r)
{
    for (int i = 0; i < SYNTH_SAMPLES; i++)
        tmp[i] = 0.0f;
    for (double t = next_event(r, 0.0, p->steps); t < 1.0;
         t = next_event(r, t, p->steps)) {
        int at = (int)(t * SYNTH_RATE);
        double a = db_to_amp(rng_range(r, -26, -14));
        for (int i = 0; i < 1400 && at + i < SYNTH_SAMPLES; i++)
            tmp[at + i] += (float)(a * rng_noise(r) * exp(-i / 350.0));
    }
    biquad lp;
    biquad_init(&lp, BIQUAD_LOWPASS, SYNTH_RATE, rng_range(r, 900, 2500), 0.7, 0);
    biquad_run(&lp, tmp, SYNTH_SAMPLES);
    for (int i = 0; i < SYNTH_SAMPLES; i++)
        out[i] += tmp[i];
}

/* A tone of n samples from `at`, frequency sliding f0 -> f1, Hann-shaped. */
static void add_tone(float *out, int at, int n, double f0, double f1,
                     double amp)
{
    double ph = 0.0;
    for (int i = 0; i < n && at + i < SYNTH_SAMPLES; i++) {
        double f = f0 + (f1 - f0) * i / n;
        double w = 0.5 - 0.5 * cos(2 * PI * i / n);
        out[at + i] += (float)(amp * w * sin(ph));
        ph += 2 * PI * f / SYNTH_RATE;
    }
}

/* Chimes (two-tone announcements) and bird calls (fast chirps). */
static void add_tonal_events(float *out, const synth_place *p, rng *r)
{
    for (double t = next_event(r, -0.2, p->beeps); t < 1.0;
         t = next_event(r, t, p->beeps)) {
        double f = rng_range(r, 500, 1100), a = db_to_amp(rng_range(r, -34, -24));
        int at = (int)(t * SYNTH_RATE);
        for (int k = 0; k < 2; k++, at += 6000)
            if (at >= 0)
                add_tone(out, at, 5300, f * (k ? 0.8 : 1.0), f * (k ? 0.8 : 1.0), a);
    }
    for (double t = next_event(r, 0.0, p->birds); t < 1.0;
         t = next_event(r, t, p->birds)) {
        double f = rng_range(r, 2500, 6000), a = db_to_amp(rng_range(r, -40, -28));
        int at = (int)(t * SYNTH_RATE), calls = 2 + (int)rng_below(r, 3);
        for (int k = 0; k < calls; k++, at += 4500)
            add_tone(out, at, 3000, f, f * rng_range(r, 0.7, 1.3), a);
    }
}

/* Car pass-bys: low-passed noise under a Gaussian level envelope. */
static void add_cars(float *out, float *tmp, const synth_place *p, rng *r)
{
    int n = 0;
    double centre[8], width[8], amp[8];
    for (double t = next_event(r, -0.3, p->cars); t < 1.3 && n < 8;
         t = next_event(r, t, p->cars), n++) {
        centre[n] = t;
        width[n] = rng_range(r, 0.15, 0.4);
        amp[n] = db_to_amp(rng_range(r, -32, -20));
    }
    if (n == 0)
        return;
    biquad lp;
    biquad_init(&lp, BIQUAD_LOWPASS, SYNTH_RATE, rng_range(r, 400, 1200), 0.7, 0);
    float *noise = tmp + SYNTH_SAMPLES;
    for (int i = 0; i < SYNTH_SAMPLES; i++)
        noise[i] = 0.0f;
    add_noise(noise, tmp, r, &lp, 0.0);
    for (int i = 0; i < SYNTH_SAMPLES; i++) {
        double t = (double)i / SYNTH_RATE, env = 0.0;
        for (int k = 0; k < n; k++) {
            double z = (t - centre[k]) / width[k];
            env += amp[k] * exp(-0.5 * z * z);
        }
        out[i] += (float)(env * noise[i]);
    }
}

/* Adds a sinusoid of n samples from `at` (a rotation, one sincos per
 * partial), with a raised-cosine attack and release of `edge` samples. */
static void add_partial(float *out, int at, int n, double hz, double amp,
                        double phase, int edge)
{
    double w = 2 * PI * hz / SYNTH_RATE, c = cos(phase), s = sin(phase);
    double cw = cos(w), sw = sin(w);
    for (int i = 0; i < n && at + i < SYNTH_SAMPLES; i++) {
        double g = amp;
        if (i < edge)
            g *= 0.5 - 0.5 * cos(PI * i / edge);
        else if (n - i < edge)
            g *= 0.5 - 0.5 * cos(PI * (n - i) / edge);
        out[at + i] += (float)(g * s);
        double nc = c * cw - s * sw;
        s = s * cw + c * sw;
        c = nc;
    }
}

/* Background music: three-note chords from a pentatonic scale, with two
 * overtones per note, changing every 0.25-0.5 s. */
static void add_music(float *out, const synth_place *p, rng *r)
{
    static const int steps[5] = {0, 2, 4, 7, 9};
    if (p->music_db <= SILENT_DB)
        return;
    double root = rng_range(r, 180.0, 300.0), amp = pow(10.0, p->music_db / 20.0);
    for (int at = -(int)rng_below(r, 11025); at < SYNTH_SAMPLES;) {
        int len = 11025 + (int)rng_below(r, 11025), start = at < 0 ? 0 : at;
        for (int k = 0; k < 3; k++) {
            int note = steps[rng_below(r, 5)] + 12 * (int)rng_below(r, 2);
            double f = root * pow(2.0, note / 12.0);
            for (int h = 1; h <= 3; h++)
                add_partial(out, start, at + len - start, f * h, amp / (h * 3),
                            rng_range(r, 0, 2 * PI), 400);
        }
        at += len;
    }
}

/* Rail squeal: a high tone (2-5 kHz) wobbling in pitch, for part of the
 * second, at the location's squeal level. */
static void add_squeal(float *out, const synth_place *p, rng *r)
{
    if (p->squeal_db <= SILENT_DB)
        return;
    int n = 8820 + (int)rng_below(r, SYNTH_SAMPLES - 8820);
    int at = (int)rng_below(r, SYNTH_SAMPLES - n + 1);
    double f = rng_range(r, 2000.0, 5000.0), amp = pow(10.0, p->squeal_db / 20.0);
    double ph = 0.0, wob = rng_range(r, 3.0, 8.0);
    for (int i = 0; i < n; i++) {
        double t = (double)i / SYNTH_RATE;
        double env = sin(PI * i / n);
        out[at + i] += (float)(amp * env * sin(ph));
        ph += 2 * PI * f * (1.0 + 0.02 * sin(2 * PI * wob * t)) / SYNTH_RATE;
    }
}

void synth_source(const synth_place *p, rng *r, float *out)
{
    static _Thread_local float tmp[2 * SYNTH_SAMPLES];
    biquad f;
    memset(out, 0, sizeof(float) * SYNTH_SAMPLES);
    biquad_init(&f, BIQUAD_LOWPASS, SYNTH_RATE, p->bg_fc, 0.6, 0);
    add_noise(out, tmp, r, &f, p->bg_db);
    add_noise(out, tmp, r, NULL, p->bg_db - 14.0);
    biquad_init(&f, BIQUAD_LOWPASS, SYNTH_RATE, p->rumble_fc, 0.9, 0);
    add_noise(out, tmp, r, &f, p->rumble_db + rng_range(r, -1.5, 1.5));
    add_hum(out, p, r);
    add_babble(out, tmp, p, r);
    add_steps(out, tmp, p, r);
    add_tonal_events(out, p, r);
    add_cars(out, tmp, p, r);
    add_music(out, p, r);
    add_squeal(out, p, r);
    biquad_init(&f, BIQUAD_PEAK, SYNTH_RATE, p->room_fc, 1.0, p->room_db);
    biquad_run(&f, out, SYNTH_SAMPLES);
}
