/* Biquad filters (see biquad.h), coefficients from Robert Bristow-Johnson's
 * audio-EQ cookbook formulas. */
#include "biquad.h"

#include <math.h>

#define PI 3.14159265358979323846

static void set(biquad *f, double b0, double b1, double b2, double a0,
                double a1, double a2)
{
    f->b0 = b0 / a0;
    f->b1 = b1 / a0;
    f->b2 = b2 / a0;
    f->a1 = a1 / a0;
    f->a2 = a2 / a0;
    f->z1 = f->z2 = 0.0;
}

static void shelf(biquad *f, int high, double A, double cw, double alpha)
{
    double s = 2.0 * sqrt(A) * alpha, p = A + 1.0, m = A - 1.0;
    if (high)
        set(f, A * (p + m * cw + s), -2.0 * A * (m + p * cw),
            A * (p + m * cw - s), p - m * cw + s, 2.0 * (m - p * cw),
            p - m * cw - s);
    else
        set(f, A * (p - m * cw + s), 2.0 * A * (m - p * cw),
            A * (p - m * cw - s), p + m * cw + s, -2.0 * (m + p * cw),
            p + m * cw - s);
}

void biquad_init(biquad *f, biquad_kind kind, double fs, double fc, double q,
                 double gain_db)
{
    double w = 2.0 * PI * fc / fs, cw = cos(w), sw = sin(w);
    double alpha = sw / (2.0 * q), A = pow(10.0, gain_db / 40.0);
    switch (kind) {
    case BIQUAD_LOWPASS:
        set(f, (1 - cw) / 2, 1 - cw, (1 - cw) / 2, 1 + alpha, -2 * cw,
            1 - alpha);
        break;
    case BIQUAD_HIGHPASS:
        set(f, (1 + cw) / 2, -(1 + cw), (1 + cw) / 2, 1 + alpha, -2 * cw,
            1 - alpha);
        break;
    case BIQUAD_BANDPASS:
        set(f, alpha, 0.0, -alpha, 1 + alpha, -2 * cw, 1 - alpha);
        break;
    case BIQUAD_PEAK:
        set(f, 1 + alpha * A, -2 * cw, 1 - alpha * A, 1 + alpha / A, -2 * cw,
            1 - alpha / A);
        break;
    case BIQUAD_LOWSHELF:
    case BIQUAD_HIGHSHELF:
        shelf(f, kind == BIQUAD_HIGHSHELF, A, cw, sw / 2.0 * sqrt(2.0));
        break;
    }
}

void biquad_run(biquad *f, float *x, long n)
{
    double z1 = f->z1, z2 = f->z2;
    for (long i = 0; i < n; i++) {
        double in = x[i], out = f->b0 * in + z1;
        z1 = f->b1 * in - f->a1 * out + z2;
        z2 = f->b2 * in - f->a2 * out;
        x[i] = (float)out;
    }
    f->z1 = z1;
    f->z2 = z2;
}

double biquad_response_db(const biquad *f, double fs, double hz)
{
    double w = 2.0 * PI * hz / fs;
    double c1 = cos(w), s1 = sin(w), c2 = cos(2 * w), s2 = sin(2 * w);
    double nr = f->b0 + f->b1 * c1 + f->b2 * c2, ni = -f->b1 * s1 - f->b2 * s2;
    double dr = 1.0 + f->a1 * c1 + f->a2 * c2, di = -f->a1 * s1 - f->a2 * s2;
    return 10.0 * log10((nr * nr + ni * ni) / (dr * dr + di * di));
}
