/* The 9 device models of the synthetic data set.  A is the reference
 * (flat, quiet, clean); B and C are other phones; S1-S6 are "simulated"
 * devices as in TAU.  Each has its own frequency response (high-pass,
 * shelves, two peaks, low-pass), gain, noise floor and soft-clipping drive,
 * so the shift between devices is real and measurable (asc devices). */
#include <math.h>
#include <string.h>

#include "biquad.h"
#include "synth.h"
#include "tau.h"

/* Order of tau_device_names.  0 dB or 0 Hz entries are left out. */
static const struct {
    double hp_fc, ls_fc, ls_db, p1_fc, p1_db, p1_q, p2_fc, p2_db, p2_q;
    double hs_fc, hs_db, lp_fc, gain_db, noise_db, drive;
} device[TAU_DEVICES] = {
    /* a  */ {20, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 20000, 0, -90, 1.0},
    /* b  */ {80, 300, -6, 3000, 5, 1.0, 0, 0, 1, 8000, -4, 14000, -3, -72, 2.5},
    /* c  */ {150, 0, 0, 1000, -5, 0.8, 4500, 4, 1.5, 6000, 3, 16000, 2, -68, 1.5},
    /* s1 */ {60, 200, 4, 2000, -6, 1.2, 0, 0, 1, 7000, -8, 11000, -5, -80, 1.2},
    /* s2 */ {300, 0, 0, 1500, 6, 0.7, 5000, -6, 1.0, 0, 0, 9000, 3, -65, 3.0},
    /* s3 */ {40, 500, -8, 800, 3, 1.0, 3500, 6, 2.0, 0, 0, 18000, 1, -76, 2.0},
    /* s4 */ {200, 0, 0, 2500, -8, 0.6, 0, 0, 1, 4000, 5, 7500, -6, -62, 4.0},
    /* s5 */ {100, 400, 6, 1200, -4, 1.5, 6000, 8, 1.0, 0, 0, 12000, 4, -70, 1.8},
    /* s6 */ {250, 150, -10, 700, 5, 1.0, 2800, -5, 1.5, 6000, -6, 10000, 0, -60, 2.8},
};

/* The device's filter chain; returns how many stages it has. */
static int chain(int d, biquad f[6])
{
    int n = 0;
    biquad_init(&f[n++], BIQUAD_HIGHPASS, SYNTH_RATE, device[d].hp_fc, 0.707, 0);
    if (device[d].ls_db != 0)
        biquad_init(&f[n++], BIQUAD_LOWSHELF, SYNTH_RATE, device[d].ls_fc, 0.707,
                    device[d].ls_db);
    if (device[d].p1_db != 0)
        biquad_init(&f[n++], BIQUAD_PEAK, SYNTH_RATE, device[d].p1_fc,
                    device[d].p1_q, device[d].p1_db);
    if (device[d].p2_db != 0)
        biquad_init(&f[n++], BIQUAD_PEAK, SYNTH_RATE, device[d].p2_fc,
                    device[d].p2_q, device[d].p2_db);
    if (device[d].hs_db != 0)
        biquad_init(&f[n++], BIQUAD_HIGHSHELF, SYNTH_RATE, device[d].hs_fc,
                    0.707, device[d].hs_db);
    biquad_init(&f[n++], BIQUAD_LOWPASS, SYNTH_RATE, device[d].lp_fc, 0.707, 0);
    return n;
}

double synth_device_response_db(int d, double hz)
{
    biquad f[6];
    int n = chain(d, f);
    double db = device[d].gain_db;
    for (int i = 0; i < n; i++)
        db += biquad_response_db(&f[i], SYNTH_RATE, hz);
    return db;
}

/* tanh-like saturation (Pade form), exact 1 at |u| >= 3. */
static float soft_clip(float u)
{
    if (u >= 3.0f)
        return 1.0f;
    if (u <= -3.0f)
        return -1.0f;
    return u * (27.0f + u * u) / (27.0f + 9.0f * u * u);
}

void synth_device(int d, const float *src, rng *r, float *out)
{
    biquad f[6];
    int n = chain(d, f);
    memcpy(out, src, sizeof(float) * SYNTH_SAMPLES);
    for (int i = 0; i < n; i++)
        biquad_run(&f[i], out, SYNTH_SAMPLES);
    /* Drive pushes the signal into the clipper; dividing by it afterwards
     * keeps the level, so only the distortion differs. */
    float drive = (float)device[d].drive;
    float gain = (float)pow(10.0, device[d].gain_db / 20.0);
    float noise = (float)pow(10.0, device[d].noise_db / 20.0);
    for (int i = 0; i < SYNTH_SAMPLES; i++)
        out[i] = gain * soft_clip(drive * out[i]) / drive +
                 noise * rng_noise(r);
}
