/* From a trained, calibrated float model to INT8 constants: weight codes, folded
 * biases, multipliers, lookup tables. Both `asc` (at load time, from a checkpoint)
 * and `ascc --emit=standalone` (at compile time, to print them as const arrays)
 * run the same function over the same table of steps, which ascc emits with each
 * model (`<model>_int8_steps`), so the two cannot disagree.
 *
 * The constants go into five arrays (NnI8Weights). The first info->ngrids int32
 * values are the grids' zero points and the first ngrids floats their scales;
 * each step's own constants follow at the offsets the table gives, laid out as the
 * comment of each NN_I8P_* kind says. Double precision throughout, as TFLite's
 * converter; the float model's grids are reproduced exactly (nn_quant.h). */
#ifndef NN_INT8_PREPARE_H
#define NN_INT8_PREPARE_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "nn_int8.h"
#include "nn_int8_params.h"
#include "nn_int8_steps.h"

#define NN_I8_NORM_EPS 1e-5
#define NN_I8_RESNORM_EPS 1e-8

/* A grid as the float model's fake quantisation makes it (nn_quant_grid, in
 * float). Returns 0 for a range that was never observed. */
static inline int nn_i8_grid(const float *ranges, int g, double *scale, int32_t *zp) {
    float lo = ranges[2 * g] < 0 ? ranges[2 * g] : 0, hi = ranges[2 * g + 1] > 0 ? ranges[2 * g + 1] : 0;
    if (!(hi > lo))
        return 0;
    float s = (hi - lo) / 255.0f;
    double z = nearbyint(-lo / s);
    *scale = s;
    *zp = (int32_t)(z < 0 ? 0 : z > 255 ? 255 : z);
    return 1;
}

/* The folded norm of output group g: y = k * conv + c (k = 1, c = bias without one). */
static inline void nn_i8_fold(const NnI8Prep *p, const float *params, const float *stats, int g,
                              int o, double *k, double *c) {
    double b = p->bias >= 0 ? params[p->bias + o] : 0;
    if (p->gamma < 0) {
        *k = 1;
        *c = b;
        return;
    }
    /* the float model computes the scale in float: the same value here */
    float scale = params[p->gamma + g] / sqrtf(stats[p->var + g] + (float)NN_I8_NORM_EPS);
    *k = scale;
    *c = params[p->beta + g] + (b - stats[p->mean + g]) * (double)scale;
}

/* Output channel o's codes, as QAT rounds the weights (qat_weights.c); returns
 * the channel's scale (0 for an all-zero channel). */
static inline double nn_i8_weight_codes(const float *w, int n, int8_t *codes) {
    float top = 0;
    for (int i = 0; i < n; i++)
        top = fabsf(w[i]) > top ? fabsf(w[i]) : top;
    double scale = top / 127.0;
    for (int i = 0; i < n; i++) {
        double v = top > 0 ? nearbyint(w[i] / scale) : 0;
        codes[i] = (int8_t)(v > 127 ? 127 : v < -127 ? -127 : v);
    }
    return scale;
}

/* A multiplier into mult/shift (int32 storage). */
static inline void nn_i8_store_multiplier(double real, int32_t *mult, int32_t *shift) {
    int sh;
    nn_i8_quantize_multiplier(real, mult, &sh);
    *shift = sh;
}

/* v rounded into int32, saturating. */
static inline int32_t nn_i8_round32(double v) {
    v = nearbyint(v);
    return (int32_t)(v > 2147483647.0 ? 2147483647.0 : v < -2147483647.0 ? -2147483647.0 : v);
}

/* acc' = acc + bias, times mult * 2^(shift - 31) with the norm's sign, plus the
 * offset: the folded bias's fraction of an accumulator unit times mult, per group.
 * A group whose weights or norm scale vanish, or whose bias would not fit beside
 * the largest accumulator, is the constant c: the bias carries c / y_scale with 16
 * fractional bits and the multiplier is 2^-16 (its codes are zeroed when the
 * channel has one group; with sub-bands the others need them, and the codes add at
 * most taps * 127 * 255 / 2^16 output codes). */
static inline void nn_i8_prepare_conv(const NnI8Prep *p, const float *params, const float *stats,
                                      double sx, double sy, NnI8Weights *w) {
    int G = p->channels * p->groups;
    int32_t *bias = w->w32 + p->at32, *mult = bias + G, *shift = mult + G, *offset = shift + G;
    double limit = 2147483647.0 - (double)p->per_channel * 127 * 255;
    for (int o = 0; o < p->channels; o++) {
        int8_t *codes = w->w8 + p->at8 + (int64_t)o * p->per_channel;
        double ws = nn_i8_weight_codes(params + p->weight + (int64_t)o * p->per_channel,
                                       p->per_channel, codes);
        for (int s = 0; s < p->groups; s++) {
            int g = o * p->groups + s;
            double k, c;
            nn_i8_fold(p, params, stats, g, o, &k, &c);
            double gain = k * sx * ws, b = gain != 0 ? nearbyint(c / gain) : 0;
            if (fabs(gain / sy) < 1e-12 || fabs(b) > limit) {
                bias[g] = nn_i8_round32(c / sy * 65536.0);
                nn_i8_store_multiplier(1.0 / 65536.0, &mult[g], &shift[g]);
                offset[g] = 0;
                if (p->groups == 1)
                    memset(codes, 0, (size_t)p->per_channel);
                continue;
            }
            bias[g] = (int32_t)b;
            nn_i8_store_multiplier(fabs(gain) / sy, &mult[g], &shift[g]);
            if (gain < 0)
                mult[g] = -mult[g];
            offset[g] = nn_i8_round32((c / gain - b) * mult[g]); /* |.| <= 2^30 */
        }
    }
}

/* relu(bn(sum of terms)) per channel: the signed ratios k s_term / s_y and the
 * bias c / s_y as integers on one shift per channel (nn_i8_sum_channel_params):
 * the terms' multipliers, term by term, then the shifts. */
static inline void nn_i8_prepare_sum_norm(const NnI8Prep *p, const float *params,
                                          const float *stats, const double *scales, double sy,
                                          NnI8Weights *w) {
    int C = p->channels;
    int32_t *mult = w->w32 + p->at32, *shift = mult + (int64_t)p->nterms * C;
    for (int ch = 0; ch < C; ch++) {
        double k, c, ratio[3]; /* at most three terms: NnI8Prep.gx */
        nn_i8_fold(p, params, stats, ch, ch, &k, &c);
        for (int t = 0; t < p->nterms; t++)
            ratio[t] = k * scales[t] / sy;
        nn_i8_sum_channel_params(ratio, p->nterms, c / sy, mult + ch, (size_t)C, shift + ch,
                                 w->w64 + p->at64 + ch);
    }
}

/* A norm on a stored tensor: per group k (q - zp) + b, then one multiplier. */
static inline void nn_i8_prepare_affine(const NnI8Prep *p, const float *params, const float *stats,
                                        double sx, double sy, NnI8Weights *w) {
    int G = p->channels * p->groups;
    int32_t *k = w->w32 + p->at32, *b = k + G, *mult = b + G, *shift = mult + G;
    for (int g = 0; g < G; g++) {
        double a, c;
        nn_i8_fold(p, params, stats, g, g / p->groups, &a, &c);
        int sh;
        nn_i8_affine_params(a, c, sx, sy, &k[g], &b[g], &mult[g], &sh);
        shift[g] = sh;
    }
}

/* The constants of one step; scales[i] and zps[i] are its inputs' grids. */
static inline void nn_i8_prepare_step(const NnI8Prep *p, const float *params, const float *stats,
                                      const double *scales, const int32_t *zps, double sy,
                                      int32_t zy, NnI8Weights *w) {
    int32_t *v = w->w32 + p->at32;
    switch (p->kind) {
    case NN_I8P_CONV:
        nn_i8_prepare_conv(p, params, stats, scales[0], sy, w);
        break;
    case NN_I8P_SUM_NORM:
        nn_i8_prepare_sum_norm(p, params, stats, scales, sy, w);
        break;
    case NN_I8P_AFFINE:
        nn_i8_prepare_affine(p, params, stats, scales[0], sy, w);
        break;
    case NN_I8P_ADD: {
        NnI8Add a;
        nn_i8_add_params(&a, scales[0], zps[0], scales[1], zps[1], sy, zy, p->relu ? zy : 0, 255);
        nn_i8_add_store(v, &a);
        break;
    }
    case NN_I8P_MUL: {
        NnI8Mul m;
        nn_i8_mul_params(&m, scales[0], zps[0], scales[1], zps[1], sy, zy, p->relu ? zy : 0, 255);
        nn_i8_mul_store(v, &m);
        break;
    }
    case NN_I8P_MEAN:
        nn_i8_store_multiplier(scales[0] / ((double)p->count * sy), &v[0], &v[1]);
        break;
    case NN_I8P_COPY:
        nn_i8_store_multiplier(scales[0] / sy, &v[0], &v[1]);
        break;
    case NN_I8P_LUT:
        nn_i8_lut_build(w->u8 + p->atu8, p->fn == NN_I8_FN_SWISH ? nn_i8_swish : nn_i8_sigmoid,
                        scales[0], zps[0], sy, zy, p->relu ? zy : 0, 255);
        break;
    case NN_I8P_RESNORM: {
        NnI8ResNorm r;
        nn_i8_resnorm_params(&r, p->lambda, NN_I8_RESNORM_EPS, p->count, scales[0], zps[0], sy, zy);
        nn_i8_resnorm_store(v, w->w64 + p->at64, &r);
        break;
    }
    }
}

/* Fills w: the grid table (zero points in w32[0 .. ngrids), scales in wf), then
 * every step's constants. Returns 0, or 1 with a reason in why when a grid has no
 * range (an uncalibrated checkpoint). */
static inline int nn_i8_prepare(const NnI8Prep *steps, int nsteps, int ngrids,
                                const char *const *grid_names, const float *params,
                                const float *stats, const float *ranges, NnI8Weights *w,
                                char *why, size_t why_size) {
    for (int g = 0; g < ngrids; g++) {
        double scale;
        if (!nn_i8_grid(ranges, g, &scale, &w->w32[g])) {
            snprintf(why, why_size, "INT8 grid '%s' has no range (calibrate the checkpoint: "
                     "asc calibrate)", grid_names[g]);
            return 1;
        }
        w->wf[g] = (float)scale;
    }
    for (int i = 0; i < nsteps; i++) {
        const NnI8Prep *p = &steps[i];
        double scales[3] = {0, 0, 0}, sy = p->gy >= 0 ? w->wf[p->gy] : 0;
        int32_t zps[3] = {0, 0, 0}, zy = p->gy >= 0 ? w->w32[p->gy] : 0;
        for (int j = 0; j < 3; j++)
            if (p->gx[j] >= 0) {
                scales[j] = w->wf[p->gx[j]];
                zps[j] = w->w32[p->gx[j]];
            }
        nn_i8_prepare_step(p, params, stats, scales, zps, sy, zy, w);
    }
    return 0;
}

#endif
