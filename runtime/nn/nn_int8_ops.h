/* INT8 kernels other than convolutions, on uint8 activations C x N x F x T:
 * pools and means (which keep their input's grid or requantise onto their
 * own), copies from one grid onto another, sums and products of two
 * tensors on different grids (TFLite's ADD and MUL arithmetic), with a
 * frequency or time broadcast as the BC blocks and MFA use them, 256-entry
 * lookup tables for non-linear functions, and the per-channel affine of a
 * norm that cannot fold into a conv. A "row" is one (channel, clip) pair.
 * Strict C99, header-only; see docs/int8.md. */
#ifndef NN_INT8_OPS_H
#define NN_INT8_OPS_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "nn_int8_arith.h"
#include "nn_int8_conv.h"

/* ReLU (lo = zero point) or any clamp of values already on their grid. */
static inline void nn_i8_clamp_inplace(uint8_t *x, size_t n, int32_t lo, int32_t hi) {
    for (size_t i = 0; i < n; i++)
        x[i] = (uint8_t)nn_i8_clamp(x[i], lo, hi);
}

/* Codes moved from one grid onto another, y = requantize(q - x_zp) with the
 * multiplier of x_scale / y_scale: a chunk of a concatenation copied onto the
 * concatenation's grid. y may alias x. Many values requantise the 256 codes
 * once, into a table. */
static inline void nn_i8_requant_copy(uint8_t *y, const uint8_t *x, size_t n, int32_t x_zp,
                                      int32_t mult, int32_t shift, int32_t y_zp, int32_t lo,
                                      int32_t hi) {
    if (n >= 1024) {
        int32_t codes[256];
        uint8_t table[256];
        for (int q = 0; q < 256; q++)
            codes[q] = q - x_zp;
        nn_i8_requantize_run(table, codes, 256, mult, 0, shift, y_zp, lo, hi);
        nn_i8_lookup_rows(y, x, 1, n, n, table);
        return;
    }
    int32_t acc[NN_I8_BLOCK];
    for (size_t i0 = 0; i0 < n; i0 += NN_I8_BLOCK) {
        size_t len = n - i0 < NN_I8_BLOCK ? n - i0 : NN_I8_BLOCK;
        for (size_t i = 0; i < len; i++)
            acc[i] = (int32_t)x[i0 + i] - x_zp;
        nn_i8_requantize_run(y + i0, acc, len, mult, 0, shift, y_zp, lo, hi);
    }
}

/* Max over kf x kt windows with stride = window; fo, to come from floor or
 * ceil mode, a partial last window taking what lies inside. The grid is
 * monotonic, so the max is taken on the codes themselves. */
static inline void nn_i8_maxpool(uint8_t *y, const uint8_t *x, int rows, int f, int t, int kf,
                                 int kt, int fo, int to) {
    for (int r = 0; r < rows; r++) {
        const uint8_t *xr = x + (size_t)r * f * t;
        for (int a = 0; a < fo; a++)
            for (int b = 0; b < to; b++) {
                uint8_t best = 0;
                for (int i = a * kf; i < a * kf + kf && i < f; i++)
                    for (int j = b * kt; j < b * kt + kt && j < t; j++)
                        best = xr[i * t + j] > best ? xr[i * t + j] : best;
                y[((size_t)r * fo + a) * to + b] = best;
            }
    }
}

/* round(sum / count) for sum >= 0, ties up: the mean of codes on one grid is
 * the code of the mean (the zero point cancels), so means keep the grid. */
static inline uint8_t nn_i8_rounded_mean(int64_t sum, int64_t count) {
    return (uint8_t)((sum + count / 2) / count);
}

/* The mean over the part of each window inside the input. */
static inline void nn_i8_avgpool(uint8_t *y, const uint8_t *x, int rows, int f, int t, int kf,
                                 int kt, int fo, int to) {
    for (int r = 0; r < rows; r++) {
        const uint8_t *xr = x + (size_t)r * f * t;
        for (int a = 0; a < fo; a++)
            for (int b = 0; b < to; b++) {
                int64_t sum = 0, count = 0;
                for (int i = a * kf; i < a * kf + kf && i < f; i++)
                    for (int j = b * kt; j < b * kt + kt && j < t; j++, count++)
                        sum += xr[i * t + j];
                y[((size_t)r * fo + a) * to + b] = nn_i8_rounded_mean(sum, count);
            }
    }
}

/* y[r] = mean of the f*t values of row r. */
static inline void nn_i8_global_avgpool(uint8_t *y, const uint8_t *x, int rows, int f, int t) {
    size_t plane = (size_t)f * t;
    for (int r = 0; r < rows; r++) {
        int64_t sum = 0;
        for (size_t i = 0; i < plane; i++)
            sum += x[(size_t)r * plane + i];
        y[r] = nn_i8_rounded_mean(sum, (int64_t)plane);
    }
}

/* y[r][j] = mean over f of x[r][f][j] (the BC blocks' frequency mean). */
static inline void nn_i8_mean_f(uint8_t *y, const uint8_t *x, int rows, int f, int t) {
    for (int r = 0; r < rows; r++)
        for (int j = 0; j < t; j++) {
            int64_t sum = 0;
            for (int i = 0; i < f; i++)
                sum += x[((size_t)r * f + i) * t + j];
            y[(size_t)r * t + j] = nn_i8_rounded_mean(sum, f);
        }
}

/* y[r][i] = mean over t of x[r][i][t] (MFA's time mean). */
static inline void nn_i8_mean_t(uint8_t *y, const uint8_t *x, int rows, int f, int t) {
    for (size_t ri = 0; ri < (size_t)rows * f; ri++) {
        int64_t sum = 0;
        for (int j = 0; j < t; j++)
            sum += x[ri * t + j];
        y[ri] = nn_i8_rounded_mean(sum, t);
    }
}

/* The axes nn_i8_mean_rq averages over: frequency (y is rows x t), time
 * (y is rows x f) or both (y is rows). */
enum { NN_I8_MEAN_F, NN_I8_MEAN_T, NN_I8_MEAN_FT };

/* sum (x[i] - x_zp) over n contiguous codes: exact in int32 for n * 255 < 2^31,
 * since the codes' sum and n * x_zp both are. */
static inline int32_t nn_i8_centred_sum(const uint8_t *x, size_t n, int32_t x_zp) {
    int32_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += x[i];
    return sum - (int32_t)n * x_zp;
}

/* acc[o] = sum (x[o * count + k] - x_zp), k < count, for o < len: the sums
 * of consecutive windows. Windows of 8, 16, 32 or 64 codes go by VNNI
 * targets' byte sums (vpsadbw: eight codes a lane), others one by one. */
static inline void nn_i8_window_sums(int32_t *acc, const uint8_t *x, size_t len, size_t count,
                                     int32_t x_zp) {
    size_t o = 0;
#ifdef NN_I8_VNNI
    if (count % 8 == 0 && 64 % count == 0)
        o = nn_i8_vnni_window_sums(acc, x, len, (int)count, x_zp);
#endif
    for (; o < len; o++)
        acc[o] = nn_i8_centred_sum(x + o * count, count, x_zp);
}

/* The t column sums of one f x t plane, t dividing NN_I8_BLOCK: the plane
 * added NN_I8_BLOCK codes at a time (long vector adds whatever t is, where
 * rows of 4 or 8 codes make short loops), then the lanes folded onto the t
 * columns (lane l holds column l mod t), halving while the halves line up. */
static inline void nn_i8_column_sums(int32_t *sums, const uint8_t *x, int f, int t) {
    int32_t lanes[NN_I8_BLOCK] = {0};
    size_t plane = (size_t)f * t, k = 0;
    for (; k + NN_I8_BLOCK <= plane; k += NN_I8_BLOCK)
        for (int l = 0; l < NN_I8_BLOCK; l++)
            lanes[l] += x[k + (size_t)l];
    for (int l = 0; k + (size_t)l < plane; l++) /* a multiple of t: columns stay in place */
        lanes[l] += x[k + (size_t)l];
    int width = NN_I8_BLOCK;
    for (; width > t && (width / 2) % t == 0; width /= 2)
        for (int l = 0; l < width / 2; l++)
            lanes[l] += lanes[l + width / 2];
    for (int j = 0; j < t; j++) {
        int32_t sum = lanes[j];
        for (int m = 1; m < width / t; m++)
            sum += lanes[m * t + j];
        sums[j] = sum;
    }
}

/* The frequency mean's sums. Short rows (t dividing NN_I8_BLOCK): each
 * plane's column sums (nn_i8_column_sums), the planes of up to NN_I8_BLOCK
 * outputs requantised as one run. Long rows: f rows of t columns added
 * column-wise, in blocks of NN_I8_BLOCK columns so that the inner loop runs
 * along memory. */
static inline void nn_i8_mean_rq_f(uint8_t *y, const uint8_t *x, int32_t x_zp, int rows, int f,
                                   int t, int32_t mult, int32_t shift, int32_t y_zp) {
    int32_t acc[NN_I8_BLOCK];
    if (NN_I8_BLOCK % t == 0) {
        int per = NN_I8_BLOCK / t; /* planes per run */
        for (int r0 = 0; r0 < rows; r0 += per) {
            int count = rows - r0 < per ? rows - r0 : per;
            for (int r = 0; r < count; r++) {
                nn_i8_column_sums(acc + (size_t)r * t, x + (size_t)(r0 + r) * f * t, f, t);
                for (int j = 0; j < t; j++)
                    acc[(size_t)r * t + j] -= f * x_zp;
            }
            nn_i8_requantize_run(y + (size_t)r0 * t, acc, (size_t)count * t, mult, 0, shift, y_zp,
                                 0, 255);
        }
        return;
    }
    for (int r = 0; r < rows; r++)
        for (int j0 = 0; j0 < t; j0 += NN_I8_BLOCK) {
            int len = t - j0 < NN_I8_BLOCK ? t - j0 : NN_I8_BLOCK;
            for (int j = 0; j < len; j++)
                acc[j] = -f * x_zp;
            for (int i = 0; i < f; i++) {
                const uint8_t *xi = x + ((size_t)r * f + i) * t + j0;
                for (int j = 0; j < len; j++)
                    acc[j] += xi[j];
            }
            nn_i8_requantize_run(y + (size_t)r * t + j0, acc, (size_t)len, mult, 0, shift, y_zp, 0,
                                 255);
        }
}

/* A mean onto a grid of its own (the means that do not keep their input's
 * grid): acc = sum of (q - x_zp) over the window of count values in int32
 * (count * 255 < 2^31), then y = requantize(acc, mult, shift, y_zp, 0, 255)
 * with mult, shift of M = x_scale / (count * y_scale): the convs' two
 * roundings, not nn_i8_rounded_mean's one. axis is an NN_I8_MEAN_*. */
static inline void nn_i8_mean_rq(uint8_t *y, const uint8_t *x, int32_t x_zp, int rows, int f, int t,
                                 int axis, int32_t mult, int32_t shift, int32_t y_zp) {
    if (axis == NN_I8_MEAN_F) {
        nn_i8_mean_rq_f(y, x, x_zp, rows, f, t, mult, shift, y_zp);
        return;
    }
    /* a time window is one row of t codes, a whole plane f * t: both contiguous */
    size_t count = axis == NN_I8_MEAN_T ? (size_t)t : (size_t)f * t;
    size_t outs = axis == NN_I8_MEAN_T ? (size_t)rows * f : (size_t)rows;
    int32_t acc[NN_I8_BLOCK];
    for (size_t o0 = 0; o0 < outs; o0 += NN_I8_BLOCK) {
        size_t len = outs - o0 < NN_I8_BLOCK ? outs - o0 : NN_I8_BLOCK;
        nn_i8_window_sums(acc, x + o0 * count, len, count, x_zp);
        nn_i8_requantize_run(y + o0, acc, len, mult, 0, shift, y_zp, 0, 255);
    }
}

/* How the second operand of a binary op lines up with the first (rows x f x t):
 * the same shape, rows x t (broadcast over frequency) or rows x f (over time). */
enum { NN_I8_BCAST_NONE, NN_I8_BCAST_F, NN_I8_BCAST_T };

static inline size_t nn_i8_bcast_index(int axis, int r, int i, int j, int f, int t) {
    if (axis == NN_I8_BCAST_F)
        return (size_t)r * t + j;
    if (axis == NN_I8_BCAST_T)
        return (size_t)r * f + i;
    return ((size_t)r * f + i) * t + j;
}

/* ADD: y = zp_y + (qa - zp_a) s_a / s_y + (qb - zp_b) s_b / s_y, clamped. Each
 * ratio is an integer multiplier on one common power of two, M = round(s /
 * s_y * 2^shift), and the exact integer sum (qa - zp_a) M_a + (qb - zp_b) M_b
 * is rounded once, ties towards +infinity (the rounding of nn_i8_requantize).
 * nn_i8_add_params takes the largest shift up to NN_I8_ADD_MAX_SHIFT that
 * keeps both multipliers below NN_I8_ADD_MULT_LIMIT = 2^22: the larger ratio
 * then carries a relative error of at most 2^-22 (below 10^-4 of a code over
 * an input's range), and 255 (M_a + M_b) + 2^(shift - 1) stays inside int32,
 * so the loop runs in 32-bit lanes. A ratio of 2^21 or more (no trained grid
 * comes near) saturates its multiplier: any input off its zero point then
 * saturates the output. */
typedef struct NnI8Add {
    int32_t a_zp, b_zp, a_mult, b_mult, shift, out_zp, lo, hi;
} NnI8Add;

#define NN_I8_ADD_MULT_LIMIT (INT32_C(1) << 22)
#define NN_I8_ADD_MAX_SHIFT 23

/* round(ratio * 2^shift), below NN_I8_ADD_MULT_LIMIT (infinity and NaN
 * included, which a zero output scale would give). */
static inline int32_t nn_i8_add_multiplier(double ratio, int shift) {
    double m = floor(ldexp(ratio, shift) + 0.5);
    return m < NN_I8_ADD_MULT_LIMIT ? (int32_t)m : NN_I8_ADD_MULT_LIMIT - 1;
}

static inline void nn_i8_add_params(NnI8Add *p, double a_scale, int32_t a_zp, double b_scale,
                                    int32_t b_zp, double y_scale, int32_t y_zp, int32_t lo,
                                    int32_t hi) {
    double ra = a_scale / y_scale, rb = b_scale / y_scale, top = ra > rb ? ra : rb;
    int shift = NN_I8_ADD_MAX_SHIFT;
    while (shift > 1 && !(floor(ldexp(top, shift) + 0.5) < NN_I8_ADD_MULT_LIMIT))
        shift--;
    p->a_zp = a_zp;
    p->b_zp = b_zp;
    p->a_mult = nn_i8_add_multiplier(ra, shift);
    p->b_mult = nn_i8_add_multiplier(rb, shift);
    p->shift = shift;
    p->out_zp = y_zp;
    p->lo = lo;
    p->hi = hi;
}

/* One value of ADD in 64 bits, for any multipliers (signed) and clamp, zero
 * points in 0 .. 255 and a shift in 1 .. 62: the definition the vectorised
 * loop of nn_i8_add matches. */
static inline uint8_t nn_i8_add_one(int32_t qa, int32_t qb, const NnI8Add *p) {
    int64_t sum = (int64_t)(qa - p->a_zp) * p->a_mult + (int64_t)(qb - p->b_zp) * p->b_mult;
    int64_t v = nn_i8_round_up_shift(sum, p->shift) + p->out_zp;
    return (uint8_t)(v < p->lo ? p->lo : v > p->hi ? p->hi : v);
}

/* y = a + u, u broadcast along axis (NN_I8_BCAST_*); y may alias a. */
static inline void nn_i8_add_bcast(uint8_t *y, const uint8_t *a, const uint8_t *u, int rows, int f,
                                   int t, int axis, const NnI8Add *p) {
    for (int r = 0; r < rows; r++)
        for (int i = 0; i < f; i++)
            for (int j = 0; j < t; j++) {
                size_t o = ((size_t)r * f + i) * t + j;
                y[o] = nn_i8_add_one(a[o], u[nn_i8_bcast_index(axis, r, i, j, f, t)], p);
            }
}

/* y = a + b elementwise; y may alias a or b. With the parameters
 * nn_i8_add_params makes, in 32-bit lanes: u = qa M_a + qb M_b + bias, where
 * bias = 2^31 + 2^(shift - 1) - zp_a M_a - zp_b M_b puts the rounded sum's
 * numerator in [0, 2^32) (qa M_a + qb M_b < 2^31 in int32, the bias added
 * in uint32), so u >> shift is the floor with no signed shift, and
 * 2^(31 - shift) comes off again. Any other parameters go value by value. */
static inline void nn_i8_add(uint8_t *y, const uint8_t *a, const uint8_t *b, size_t n,
                             const NnI8Add *p) {
    NnI8Add q = *p; /* a copy: as far as the compiler knows, stores to y could change *p */
    if (q.shift < 1 || q.shift > NN_I8_ADD_MAX_SHIFT || q.a_mult < 0 || q.b_mult < 0 ||
        q.a_mult >= NN_I8_ADD_MULT_LIMIT || q.b_mult >= NN_I8_ADD_MULT_LIMIT ||
        q.a_zp < 0 || q.a_zp > 255 || q.b_zp < 0 || q.b_zp > 255 ||
        !nn_i8_uint8_grid(q.out_zp, q.lo, q.hi)) {
        for (size_t i = 0; i < n; i++)
            y[i] = nn_i8_add_one(a[i], b[i], &q);
        return;
    }
    int32_t ma = q.a_mult, mb = q.b_mult;
    uint32_t bias = (uint32_t)((INT64_C(1) << 31) + (INT64_C(1) << (q.shift - 1)) -
                               (int64_t)q.a_zp * q.a_mult - (int64_t)q.b_zp * q.b_mult);
    int32_t unbias = (INT32_C(1) << (31 - q.shift)) - q.out_zp;
    int shift = q.shift;
    int32_t lo = q.lo, hi = q.hi;
    for (size_t i = 0; i < n; i++) {
        uint32_t u = (uint32_t)(a[i] * ma + b[i] * mb) + bias; /* the products below 2^30 */
        y[i] = (uint8_t)nn_i8_clamp((int32_t)(u >> shift) - unbias, lo, hi);
    }
}

/* The product of two tensors: (qa - za)(qb - zb) is exact in int32, then one
 * multiplier sa sb / sy puts it on the output's grid. */
typedef struct NnI8Mul {
    int32_t a_zp, b_zp, mult, out_zp, lo, hi;
    int shift;
} NnI8Mul;

static inline void nn_i8_mul_params(NnI8Mul *p, double a_scale, int32_t a_zp, double b_scale,
                                    int32_t b_zp, double y_scale, int32_t y_zp, int32_t lo,
                                    int32_t hi) {
    p->a_zp = a_zp;
    p->b_zp = b_zp;
    p->out_zp = y_zp;
    p->lo = lo;
    p->hi = hi;
    nn_i8_quantize_multiplier(a_scale * b_scale / y_scale, &p->mult, &p->shift);
}

/* Values per requantised run of the element-wise kernels: their int32
 * accumulators (4 KB) or int64 sums (8 KB) on the stack. */
#define NN_I8_RUN 1024

/* y[k] = requantize((a[k] - a_zp) (b[k] - b_zp)) for n values: the products
 * (exact, at most 65,025 in magnitude) of up to NN_I8_RUN values, then one
 * requantised run each. */
static inline void nn_i8_mul_run(uint8_t *y, const uint8_t *a, const uint8_t *b, size_t n,
                                 const NnI8Mul *p) {
    NnI8Mul q = *p; /* a copy: as far as the compiler knows, stores to y could change *p */
    int32_t acc[NN_I8_RUN];
    for (size_t i0 = 0; i0 < n; i0 += NN_I8_RUN) {
        size_t len = n - i0 < NN_I8_RUN ? n - i0 : NN_I8_RUN;
        for (size_t i = 0; i < len; i++)
            acc[i] = ((int32_t)a[i0 + i] - q.a_zp) * ((int32_t)b[i0 + i] - q.b_zp);
        nn_i8_requantize_run(y + i0, acc, len, q.mult, 0, q.shift, q.out_zp, q.lo, q.hi);
    }
}

/* y = a * u, u broadcast along axis (MFA: the attention, rows x f, over time):
 * whole frequency rows at a time (at most NN_I8_RUN values), each row's
 * products against its broadcast codes, then one requantised run; y may alias
 * a. Over time a row multiplies by one code (u[r][i]), over frequency by the
 * row u[r] itself. Rows longer than a run go value by value. */
static inline void nn_i8_mul_bcast(uint8_t *y, const uint8_t *a, const uint8_t *u, int rows, int f,
                                   int t, int axis, const NnI8Mul *p) {
    if (axis == NN_I8_BCAST_NONE) {
        nn_i8_mul_run(y, a, u, (size_t)rows * f * t, p);
        return;
    }
    if (t > NN_I8_RUN) {
        for (int r = 0; r < rows; r++)
            for (int i = 0; i < f; i++)
                for (int j = 0; j < t; j++) {
                    size_t o = ((size_t)r * f + i) * t + j;
                    nn_i8_mul_run(y + o, a + o, u + nn_i8_bcast_index(axis, r, i, j, f, t), 1, p);
                }
        return;
    }
    NnI8Mul q = *p; /* a copy: as far as the compiler knows, stores to y could change *p */
    int32_t acc[NN_I8_RUN];
    int chunk = NN_I8_RUN / t; /* frequency rows per run */
    for (int r = 0; r < rows; r++)
        for (int i0 = 0; i0 < f; i0 += chunk) {
            int count = f - i0 < chunk ? f - i0 : chunk;
            size_t at = ((size_t)r * f + i0) * t;
            for (int i = 0; i < count; i++) {
                const uint8_t *ai = a + at + (size_t)i * t;
                int32_t *acc_i = acc + (size_t)i * t;
                if (axis == NN_I8_BCAST_T) {
                    int32_t ub = (int32_t)u[(size_t)r * f + i0 + i] - q.b_zp;
                    for (int j = 0; j < t; j++)
                        acc_i[j] = ((int32_t)ai[j] - q.a_zp) * ub;
                } else {
                    const uint8_t *ur = u + (size_t)r * t;
                    for (int j = 0; j < t; j++)
                        acc_i[j] = ((int32_t)ai[j] - q.a_zp) * ((int32_t)ur[j] - q.b_zp);
                }
            }
            nn_i8_requantize_run(y + at, acc, (size_t)count * t, q.mult, 0, q.shift, q.out_zp,
                                 q.lo, q.hi);
        }
}

static inline void nn_i8_mul(uint8_t *y, const uint8_t *a, const uint8_t *b, size_t n,
                             const NnI8Mul *p) {
    nn_i8_mul_run(y, a, b, n, p);
}

static inline double nn_i8_sigmoid(double x) { return 1 / (1 + exp(-x)); }

static inline double nn_i8_swish(double x) { return x / (1 + exp(-x)); }

/* lut[q] = the output code nearest fn((q - x_zp) x_scale), ties away from zero
 * on the output grid, clamped to [lo, hi]. Built once, in double, when the
 * model is set up (ascc emits the tables as constants). */
static inline void nn_i8_lut_build(uint8_t lut[256], double (*fn)(double), double x_scale,
                                   int32_t x_zp, double y_scale, int32_t y_zp, int32_t lo,
                                   int32_t hi) {
    for (int q = 0; q < 256; q++) {
        double v = round(fn((q - x_zp) * x_scale) / y_scale) + y_zp;
        lut[q] = (uint8_t)(v < lo ? lo : v > hi ? hi : v);
    }
}

static inline void nn_i8_lut_apply(uint8_t *y, const uint8_t *x, size_t n, const uint8_t lut[256]) {
    nn_i8_lookup_rows(y, x, 1, n, n, lut);
}

/* The folded affine y = a x + c of a norm that cannot fold into a conv (after
 * a sum or an activation): per group, acc = k (q - x_zp) + b on a finer grid
 * and one multiplier to the output. k = +-2^S carries a's sign (the multiplier
 * stays positive); S, up to 16, is as large as lets b and the codes' span fit
 * in int32, so c keeps 16 fractional bits of an input code. */
static inline void nn_i8_affine_params(double a, double c, double x_scale, double y_scale,
                                       int32_t *k, int32_t *b, int32_t *mult, int *shift) {
    double gain = fabs(a) * x_scale / y_scale;
    if (gain < 1.0 / (1 << 20)) { /* a channel with gamma 0: a constant */
        double v = round(c / y_scale * 65536.0);
        *k = 0;
        *b = (int32_t)(v > INT32_MAX ? INT32_MAX : v < -INT32_MAX ? -INT32_MAX : v);
        nn_i8_quantize_multiplier(1.0 / 65536.0, mult, shift);
        return;
    }
    int s = 16;
    double v = round(c / (fabs(a) * x_scale) * (1 << s));
    while (s > 0 && fabs(v) + 255.0 * (1 << s) > INT32_MAX)
        v = round(c / (fabs(a) * x_scale) * (1 << --s));
    double top = INT32_MAX - 255.0;
    v = v > top ? top : v < -top ? -top : v;
    *k = a < 0 ? -(1 << s) : (1 << s);
    *b = (int32_t)v;
    nn_i8_quantize_multiplier(gain / (1 << s), mult, shift);
}

/* SSN (subbands > 1) or BN (subbands = 1) as per-group affines over
 * c x n x f x t: group ch * subbands + i / (f / subbands). k, b and rq's
 * multipliers are indexed by group. The accumulator saturates symmetrically
 * (only out-of-range k, b reach it), so that a negative multiplier gives the
 * codes of negated k and b there too. */
static inline void nn_i8_affine(uint8_t *y, const uint8_t *x, int32_t x_zp, const int32_t *k,
                                const int32_t *b, NnI8Requant rq, int c, int n, int f, int t,
                                int subbands) {
    int band = f / subbands;
    int32_t acc[NN_I8_RUN];
    for (int ch = 0; ch < c; ch++)
        for (int s = 0; s < n; s++)
            for (int i = 0; i < f; i++) { /* runs of at most NN_I8_RUN values of one group */
                int g = ch * subbands + i / band;
                size_t o = (((size_t)ch * n + s) * f + i) * t;
                for (int j0 = 0; j0 < t; j0 += NN_I8_RUN) {
                    int len = t - j0 < NN_I8_RUN ? t - j0 : NN_I8_RUN;
                    for (int j = 0; j < len; j++) {
                        int64_t v = (int64_t)k[g] * ((int32_t)x[o + j0 + j] - x_zp) + b[g];
                        v = v > INT32_MAX ? INT32_MAX : v < -INT32_MAX ? -INT32_MAX : v;
                        acc[j] = (int32_t)v;
                    }
                    nn_i8_requantize_run(y + o + j0, acc, (size_t)len, rq.mult[g], nn_i8_offset(&rq, g), rq.shift[g],
                                         rq.zero_point, rq.lo, rq.hi);
                }
            }
}

/* The BC blocks' y = relu(bn(x + g + broadcast(u))) in one step: a sum of
 * few terms on their own grids (any may be broadcast), the channel's folded affine y = a sum + c and the clamp. Only
 * the block's output, a quantisation point of QAT, gets a grid: the sum and
 * the norm's output have none to round to. Per channel ch, like ADD, every
 * ratio a_ch s_k / s_y is a signed integer multiplier on one power of two,
 * M_k = round(a_ch s_k / s_y 2^shift), the bias B = round(c_ch / s_y 2^shift)
 * on the same, and the exact integer sum B + sum_k (q_k - zp_k) M_k is
 * rounded once, ties up: y = clamp(y_zp + floor((B + sum + 2^(shift-1)) /
 * 2^shift)). nn_i8_sum_channel_params takes the largest shift up to
 * NN_I8_SUM_MAX_SHIFT that keeps |B| + 255 sum |M_k| + 2^(shift - 1) below
 * 2^31, so that the sum runs in 32-bit lanes. */
typedef struct NnI8SumTerm {
    const uint8_t *x; /* c x n x f x t, or rows x t (NN_I8_BCAST_F), rows x f (NN_I8_BCAST_T) */
    int axis;
    int32_t zp;
    const int32_t *mult; /* per channel, signed, on the channel's shift */
} NnI8SumTerm;

#define NN_I8_SUM_MAX_SHIFT 30

/* round(v 2^shift), ties up, within +-limit (NaN: 0). */
static inline double nn_i8_sum_scaled(double v, int shift, double limit) {
    double m = floor(ldexp(v, shift) + 0.5);
    return m < -limit ? -limit : m > limit ? limit : m == m ? m : 0;
}

/* One channel's constants from its ratios a s_k / s_y (signed) and bias
 * c / s_y in output codes: mult[k * stride], the shift and the bias on it.
 * Where even shift 1 leaves the sum too large for 32 bits (a ratio or bias
 * of 2^21 codes and more, which saturate every output they touch) the
 * multipliers are capped at 2^31 - 1 and the bias at 2^60, and the kernel
 * takes its 64-bit path. */
static inline void nn_i8_sum_channel_params(const double *ratio, int nterms, double bias,
                                            int32_t *mult, size_t stride, int32_t *shift,
                                            int64_t *bias_out) {
    int sh = NN_I8_SUM_MAX_SHIFT;
    for (; sh > 1; sh--) {
        double total = fabs(nn_i8_sum_scaled(bias, sh, 4e18)) + ldexp(1, sh - 1);
        for (int k = 0; k < nterms; k++)
            total += 255 * fabs(nn_i8_sum_scaled(ratio[k], sh, 4e18));
        if (total < 2147483648.0)
            break;
    }
    for (int k = 0; k < nterms; k++)
        mult[k * stride] = (int32_t)nn_i8_sum_scaled(ratio[k], sh, INT32_MAX);
    *shift = sh;
    *bias_out = (int64_t)nn_i8_sum_scaled(bias, sh, 1152921504606846976.0 /* 2^60 */);
}

/* Whether channel ch's sum runs in 32 bits: zero points in 0..255, the shift in
 * 1..NN_I8_SUM_MAX_SHIFT, |bias| + 255 sum |M_k| + 2^(shift - 1) < 2^31 (as
 * nn_i8_sum_channel_params makes them) and an output on a uint8 grid. */
static inline int nn_i8_sum_fits32(const NnI8SumTerm *terms, int nterms, int ch, int32_t shift,
                                   int64_t bias, int32_t y_zp, int32_t lo, int32_t hi) {
    if (shift < 1 || shift > NN_I8_SUM_MAX_SHIFT || !nn_i8_uint8_grid(y_zp, lo, hi))
        return 0;
    int64_t bound = (bias < 0 ? -bias : bias) + (INT64_C(1) << (shift - 1));
    for (int k = 0; k < nterms; k++) {
        int64_t m = terms[k].mult[ch];
        if (terms[k].zp < 0 || terms[k].zp > 255)
            return 0;
        bound += 255 * (m < 0 ? -m : m);
    }
    return bound < (INT64_C(1) << 31);
}

/* acc[k] += x[k] M for n codes, modulo 2^32 (the products exact: 255 |M| < 2^31). */
static inline void nn_i8_sum_add32(uint32_t *acc, const uint8_t *x, size_t n, int32_t m) {
    for (size_t k = 0; k < n; k++)
        acc[k] += (uint32_t)(x[k] * m);
}

/* acc[k] = base + the term of values e0 .. e0 + n of a plane whose term is
 * broadcast over frequency (xr: the row's t codes, one per time step): the
 * values repeat every t, so one period is computed and doubled up to n (a
 * pass of adds per time row of 4..16 values ran scalar). */
static inline void nn_i8_sum_set32_bcast_f(uint32_t *acc, const uint8_t *xr, size_t e0, size_t n,
                                           int t, int32_t m, uint32_t base) {
    size_t period = (size_t)t < n ? (size_t)t : n, j = e0 % (size_t)t;
    for (size_t k = 0; k < period; k++) {
        acc[k] = base + (uint32_t)(xr[j] * m);
        j = j + 1 == (size_t)t ? 0 : j + 1;
    }
    for (size_t len = period; len < n; len *= 2)
        memcpy(acc + len, acc, sizeof *acc * (len < n - len ? len : n - len));
}

/* The same added to acc. */
static inline void nn_i8_sum_add32_bcast_f(uint32_t *acc, const uint8_t *xr, size_t e0,
                                           size_t n, int t, int32_t m) {
    uint32_t pattern[NN_I8_RUN];
    nn_i8_sum_set32_bcast_f(pattern, xr, e0, n, t, m, 0);
    for (size_t k = 0; k < n; k++)
        acc[k] += pattern[k];
}

/* ... and over time (xr: the row's f codes, one per frequency row). */
static inline void nn_i8_sum_add32_bcast_t(uint32_t *acc, const uint8_t *xr, size_t e0,
                                           size_t n, int t, int32_t m) {
    for (size_t k = 0, j = e0 % (size_t)t; k < n; j = 0) {
        size_t piece = (size_t)t - j < n - k ? (size_t)t - j : n - k;
        uint32_t v = (uint32_t)(xr[(e0 + k) / (size_t)t] * m);
        for (size_t i = 0; i < piece; i++)
            acc[k + i] += v;
        k += piece;
    }
}

/* y[k] = the code of the sum acc[k] + x0[k] m0 (+ x1[k] m1) in 32-bit lanes:
 * the floor acc >> shift less 2^(31 - shift) - y_zp, clamped; the last one or
 * two full-size terms added in the same pass as the rounding. */
static inline void nn_i8_sum_finish32(uint8_t *y, const uint32_t *acc, size_t n, int nlast,
                                      const uint8_t *x0, int32_t m0, const uint8_t *x1, int32_t m1,
                                      int32_t shift, int32_t unbias, int32_t lo, int32_t hi) {
    if (nlast == 2)
        for (size_t k = 0; k < n; k++) {
            uint32_t v = acc[k] + (uint32_t)(x0[k] * m0) + (uint32_t)(x1[k] * m1);
            y[k] = (uint8_t)nn_i8_clamp((int32_t)(v >> shift) - unbias, lo, hi);
        }
    else if (nlast == 1)
        for (size_t k = 0; k < n; k++) {
            uint32_t v = acc[k] + (uint32_t)(x0[k] * m0);
            y[k] = (uint8_t)nn_i8_clamp((int32_t)(v >> shift) - unbias, lo, hi);
        }
    else
        for (size_t k = 0; k < n; k++)
            y[k] = (uint8_t)nn_i8_clamp((int32_t)(acc[k] >> shift) - unbias, lo, hi);
}

/* One run of n values of row r (channel ch) from value e0 in 32-bit lanes
 * (nn_i8_sum_fits32 held). The zero points fold into the start value,
 * B + 2^(shift-1) + 2^31 - sum zp_k M_k modulo 2^32: the total is the
 * rounded sum's numerator plus 2^31, in [0, 2^32) though its parts wrap, so
 * acc >> shift is the floor with no signed shift, less 2^(31 - shift). The
 * passes over the run are few: a frequency-broadcast term sets acc with the
 * start value, other broadcast terms and all but the last two full-size terms
 * add to it, and those two come in with the rounding. */
static inline void nn_i8_sum_run32(uint8_t *y, const NnI8SumTerm *terms, int nterms, int ch,
                                   int32_t shift, int64_t bias, int32_t y_zp, int32_t lo,
                                   int32_t hi, int r, size_t e0, size_t n, int f, int t) {
    uint32_t acc[NN_I8_RUN];
    int64_t start = bias + (INT64_C(1) << (shift - 1)) + (INT64_C(1) << 31);
    int set = -1, full = 0, last[2] = {0, 0};
    for (int k = 0; k < nterms; k++) {
        start -= (int64_t)terms[k].zp * terms[k].mult[ch];
        if (terms[k].axis == NN_I8_BCAST_F && set < 0)
            set = k;
        full += terms[k].axis == NN_I8_BCAST_NONE;
    }
    if (set >= 0)
        nn_i8_sum_set32_bcast_f(acc, terms[set].x + (size_t)r * t, e0, n, t, terms[set].mult[ch],
                                (uint32_t)start);
    else
        for (size_t k = 0; k < n; k++)
            acc[k] = (uint32_t)start;
    int nlast = 0;
    for (int k = 0; k < nterms; k++) {
        const NnI8SumTerm *tk = &terms[k];
        if (k == set)
            continue;
        if (tk->axis == NN_I8_BCAST_NONE && full <= 2) /* one of the last two */
            last[nlast++] = k;
        else if (tk->axis == NN_I8_BCAST_NONE) {
            nn_i8_sum_add32(acc, tk->x + (size_t)r * f * t + e0, n, tk->mult[ch]);
            full--;
        } else if (tk->axis == NN_I8_BCAST_F)
            nn_i8_sum_add32_bcast_f(acc, tk->x + (size_t)r * t, e0, n, t, tk->mult[ch]);
        else
            nn_i8_sum_add32_bcast_t(acc, tk->x + (size_t)r * f, e0, n, t, tk->mult[ch]);
    }
    const uint8_t *x0 = nlast > 0 ? terms[last[0]].x + (size_t)r * f * t + e0 : NULL;
    const uint8_t *x1 = nlast > 1 ? terms[last[1]].x + (size_t)r * f * t + e0 : NULL;
    nn_i8_sum_finish32(y, acc, n, nlast, x0, nlast > 0 ? terms[last[0]].mult[ch] : 0, x1,
                       nlast > 1 ? terms[last[1]].mult[ch] : 0, shift,
                       (INT32_C(1) << (31 - shift)) - y_zp, lo, hi);
}

/* Value e of row r (channel ch) in 64 bits, for any constants with zero
 * points in 0..255 and a shift in 1..62: the definition nn_i8_sum_run32
 * matches. */
static inline uint8_t nn_i8_sum_one(const NnI8SumTerm *terms, int nterms, int ch, int32_t shift,
                                    int64_t bias, int32_t y_zp, int32_t lo, int32_t hi, int r,
                                    size_t e, int f, int t) {
    int64_t acc = bias;
    size_t i = e / (size_t)t, j = e % (size_t)t;
    for (int k = 0; k < nterms; k++) {
        const NnI8SumTerm *tk = &terms[k];
        int32_t q = tk->x[nn_i8_bcast_index(tk->axis, r, (int)i, (int)j, f, t)];
        acc += (int64_t)(q - tk->zp) * tk->mult[ch];
    }
    int64_t v = nn_i8_round_up_shift(acc, shift) + y_zp;
    return (uint8_t)(v < lo ? lo : v > hi ? hi : v);
}

/* Per row r = ch * n + clip, runs of NN_I8_RUN values of its f x t plane; in
 * 32 bits where nn_i8_sum_fits32 allows (the trained models' channels), else
 * value by value. shift and bias are per channel. */
static inline void nn_i8_sum_affine(uint8_t *y, const NnI8SumTerm *terms, int nterms,
                                    const int32_t *shift, const int64_t *bias, int32_t y_zp,
                                    int32_t lo, int32_t hi, int c, int n, int f, int t) {
    size_t plane = (size_t)f * t;
    for (int r = 0; r < c * n; r++) {
        int ch = r / n;
        uint8_t *yr = y + (size_t)r * plane;
        if (!nn_i8_sum_fits32(terms, nterms, ch, shift[ch], bias[ch], y_zp, lo, hi)) {
            for (size_t e = 0; e < plane; e++)
                yr[e] = nn_i8_sum_one(terms, nterms, ch, shift[ch], bias[ch], y_zp, lo, hi, r, e,
                                      f, t);
            continue;
        }
        for (size_t e0 = 0; e0 < plane; e0 += NN_I8_RUN) {
            size_t len = plane - e0 < NN_I8_RUN ? plane - e0 : NN_I8_RUN;
            nn_i8_sum_run32(yr + e0, terms, nterms, ch, shift[ch], bias[ch], y_zp, lo, hi, r, e0,
                            len, f, t);
        }
    }
}

#endif
