/* Feature-batch augmentation (see augment.h).  Per-sample mixup weights
 * (rather than one per batch) give every batch the whole spread of
 * Beta(0.3, 0.3); masks use value 0 as torchaudio's masking does. */
#include "augment.h"

#include <string.h>

augment_config augment_defaults(void)
{
    augment_config c = {16, 2, 40, 2, 4, 0.8, 0.0f, 0.3};
    return c;
}

void augment_draw_mask(rng *r, int max, int size, double p, int *start,
                       int *width)
{
    *start = 0;
    *width = 0;
    if (rng_uniform(r) >= p)
        return;
    int w = (int)rng_below(r, max + 1);
    if (w > size)
        w = size;
    *width = w;
    *start = (int)rng_below(r, size - w + 1);
}

void augment_roll(float *x, int n, int bands, int frames, int max_shift,
                  rng *r, int *shifts)
{
    float row[frames];
    for (int i = 0; i < n; i++) {
        int s = (int)rng_below(r, 2 * max_shift + 1) - max_shift;
        if (shifts)
            shifts[i] = s;
        int k = ((s % frames) + frames) % frames;
        for (int f = 0; f < bands && k; f++) {
            float *v = x + ((long)i * bands + f) * frames;
            /* out[t] = in[t - s]: the last k frames wrap to the front. */
            memcpy(row, v + frames - k, sizeof(float) * k);
            memmove(v + k, v, sizeof(float) * (frames - k));
            memcpy(v, row, sizeof(float) * k);
        }
    }
}

void augment_specaugment(float *x, int n, int bands, int frames,
                         const augment_config *c, rng *r)
{
    for (int i = 0; i < n; i++) {
        float *s = x + (long)i * bands * frames;
        for (int m = 0; m < c->freq_masks; m++) {
            int f0, w;
            augment_draw_mask(r, c->freq_max, bands, c->mask_p, &f0, &w);
            for (int f = f0; f < f0 + w; f++)
                for (int t = 0; t < frames; t++)
                    s[f * frames + t] = c->mask_value;
        }
        for (int m = 0; m < c->time_masks; m++) {
            int t0, w;
            augment_draw_mask(r, c->time_max, frames, c->mask_p, &t0, &w);
            for (int f = 0; f < bands; f++)
                for (int t = t0; t < t0 + w; t++)
                    s[f * frames + t] = c->mask_value;
        }
    }
}

void augment_mixup(float *x, float *y, int n, int size, int classes,
                   double alpha, rng *r, float *scratch, float *lambdas,
                   int *partners)
{
    float *x0 = scratch, *y0 = scratch + (long)n * size;
    memcpy(x0, x, sizeof(float) * (size_t)n * size);
    memcpy(y0, y, sizeof(float) * (size_t)n * classes);
    int perm[n];
    for (int i = 0; i < n; i++)
        perm[i] = i;
    for (int i = n - 1; i > 0; i--) {
        int j = (int)rng_below(r, i + 1), t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
    for (int i = 0; i < n; i++) {
        float l = (float)rng_beta(r, alpha, alpha);
        const float *xa = x0 + (long)perm[i] * size;
        const float *ya = y0 + (long)perm[i] * classes;
        float *xo = x + (long)i * size, *yo = y + (long)i * classes;
        for (int k = 0; k < size; k++)
            xo[k] = l * xo[k] + (1.0f - l) * xa[k];
        for (int k = 0; k < classes; k++)
            yo[k] = l * yo[k] + (1.0f - l) * ya[k];
        if (lambdas)
            lambdas[i] = l;
        if (partners)
            partners[i] = perm[i];
    }
}

void augment_batch(float *x, float *y, int n, int bands, int frames,
                   int classes, const augment_config *c, rng *r,
                   float *scratch)
{
    augment_roll(x, n, bands, frames, c->roll_max, r, NULL);
    augment_specaugment(x, n, bands, frames, c, r);
    if (c->mixup_alpha > 0.0)
        augment_mixup(x, y, n, bands * frames, classes, c->mixup_alpha, r,
                      scratch, NULL, NULL);
}
