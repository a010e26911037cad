/* INT8 convolutions and the linear layer: uint8 activations with a per-tensor
 * zero point, int8 weights (symmetric, per output channel), int32 bias on the
 * grid x_scale * w_scale[o] with zero point 0, int32 accumulators, and a
 * per-output-channel requantisation to uint8. Layouts as the float kernels:
 * activations C x N x F x T, weights [Cout][Cin/groups][kf][kt]. Padding is
 * the input's zero point, i.e. a tap outside the input adds nothing to
 * sum w * (x - x_zp). Strict C99, header-only; see docs/int8.md. */
#ifndef NN_INT8_CONV_H
#define NN_INT8_CONV_H

#include <stddef.h>
#include <stdint.h>

#include "nn_int8_arith.h"

/* The output grid of a layer: per-channel multipliers (indexed by output
 * channel, or by norm group for nn_i8_affine and nn_i8_dwconv_ssn), zero
 * point and clamp bounds (0, 255 plain; lo = zero_point for a fused ReLU).
 * mult and shift are int32_t alike, so the emitter can keep every constant of
 * a layer in one int32_t array. A negative mult (never INT32_MIN) negates the
 * accumulator, see nn_i8_out. */
typedef struct NnI8Requant {
    const int32_t *mult;
    const int32_t *shift;
    int32_t zero_point, lo, hi;
} NnI8Requant;

/* A convolution's shape: groups divide cin and cout; stride (sf, st),
 * padding (pf, pt), dilation (df, dt); fo, to from nn_i8_conv_out. */
typedef struct NnI8ConvShape {
    int cin, cout, groups, n, f, t, kf, kt, sf, st, pf, pt, df, dt, fo, to;
} NnI8ConvShape;

static inline int nn_i8_conv_out(int in, int k, int stride, int pad, int dilation) {
    return (in + 2 * pad - dilation * (k - 1) - 1) / stride + 1;
}

/* The accumulator acc (bias included) of output channel (or group) o on the
 * output grid. A negative multiplier negates the accumulator and uses |mult|:
 * the emitter puts a folded norm's negative scale there instead of flipping
 * weight codes. Negating acc rather than passing a signed multiplier gives
 * exactly the codes of flipped weights and bias, even where the left shift
 * saturates, and keeps the multiplier non-negative as docs/int8.md's
 * rounding rules assume. mult is never INT32_MIN, and |acc| <= INT32_MAX by
 * the accumulator limits of docs/int8.md, so both negations are defined. */
static inline uint8_t nn_i8_out(int32_t acc, const NnI8Requant *rq, int o) {
    int32_t mult = rq->mult[o];
    if (mult < 0) {
        acc = -acc;
        mult = -mult;
    }
    return (uint8_t)nn_i8_requantize(acc, mult, (int)rq->shift[o], rq->zero_point, rq->lo, rq->hi);
}

/* Columns per block of the 1x1 conv: the block's accumulators stay on the
 * stack while the weights of one output channel stream over the inputs. */
#define NN_I8_BLOCK 64

/* y (cout x m) = w (cout x cin) . (x (cin x m) - x_zp) + bias, m = N*F*T.
 * bias may be NULL. */
static inline void nn_i8_conv1x1(uint8_t *y, const uint8_t *x, int32_t x_zp, const int8_t *w,
                                 const int32_t *bias, int cin, int cout, size_t m, NnI8Requant rq) {
    for (int o = 0; o < cout; o++) {
        const int8_t *wo = w + (size_t)o * cin;
        int32_t wsum = 0; /* sum w (x - zp) = sum w x - zp sum w */
        for (int c = 0; c < cin; c++)
            wsum += wo[c];
        int32_t base = (bias ? bias[o] : 0) - x_zp * wsum;
        for (size_t m0 = 0; m0 < m; m0 += NN_I8_BLOCK) {
            size_t len = m - m0 < NN_I8_BLOCK ? m - m0 : NN_I8_BLOCK;
            int32_t acc[NN_I8_BLOCK];
            for (size_t j = 0; j < len; j++)
                acc[j] = base;
            for (int c = 0; c < cin; c++) {
                const uint8_t *xc = x + (size_t)c * m + m0;
                for (size_t j = 0; j < len; j++)
                    acc[j] += wo[c] * (int32_t)xc[j];
            }
            for (size_t j = 0; j < len; j++)
                y[(size_t)o * m + m0 + j] = nn_i8_out(acc[j], &rq, o);
        }
    }
}

/* The linear layer on feature-major vectors: y (out x n) = w (out x in) .
 * (x (in x n) - x_zp) + bias, the same arithmetic as a 1x1 conv. */
static inline void nn_i8_linear(uint8_t *y, const uint8_t *x, int32_t x_zp, const int8_t *w,
                                const int32_t *bias, int in, int out, int n, NnI8Requant rq) {
    nn_i8_conv1x1(y, x, x_zp, w, bias, in, out, (size_t)n, rq);
}

/* One output value of a general conv: output channel o, clip s, position (a, b). */
static inline int32_t nn_i8_conv_acc(const uint8_t *x, int32_t x_zp, const int8_t *w,
                                     const NnI8ConvShape *s, int o, int clip, int a, int b) {
    int cin_g = s->cin / s->groups, g = o / (s->cout / s->groups);
    const int8_t *wo = w + (size_t)o * cin_g * s->kf * s->kt;
    int32_t acc = 0;
    for (int ci = 0; ci < cin_g; ci++) {
        const uint8_t *xp = x + ((size_t)(g * cin_g + ci) * s->n + clip) * s->f * s->t;
        for (int i = 0; i < s->kf; i++) {
            int fi = a * s->sf + i * s->df - s->pf;
            if (fi < 0 || fi >= s->f)
                continue;
            for (int j = 0; j < s->kt; j++) {
                int ti = b * s->st + j * s->dt - s->pt;
                if (ti >= 0 && ti < s->t)
                    acc += wo[(ci * s->kf + i) * s->kt + j] * ((int32_t)xp[fi * s->t + ti] - x_zp);
            }
        }
    }
    return acc;
}

/* General conv (the stem's 5x5 stride 2, grouped convs): direct loops; its
 * MACs are a small share of the models', so no im2col buffer is asked for. */
static inline void nn_i8_conv(uint8_t *y, const uint8_t *x, int32_t x_zp, const int8_t *w,
                              const int32_t *bias, const NnI8ConvShape *s, NnI8Requant rq) {
    for (int o = 0; o < s->cout; o++)
        for (int clip = 0; clip < s->n; clip++) {
            uint8_t *yp = y + ((size_t)o * s->n + clip) * s->fo * s->to;
            for (int a = 0; a < s->fo; a++)
                for (int b = 0; b < s->to; b++) {
                    int32_t acc = nn_i8_conv_acc(x, x_zp, w, s, o, clip, a, b);
                    yp[a * s->to + b] = nn_i8_out(acc + (bias ? bias[o] : 0), &rq, o);
                }
        }
}

/* The taps [lo, hi) of a kernel of k taps dilated by d, starting at input
 * index start, that fall inside 0..n-1; found once per output row or column
 * so that the inner loop has no test. */
static inline void nn_i8_taps_inside(int start, int k, int d, int n, int *lo, int *hi) {
    int l = 0, h = k;
    while (l < h && start + l * d < 0)
        l++;
    while (h > l && start + (h - 1) * d >= n)
        h--;
    *lo = l;
    *hi = h;
}

/* Depthwise conv of channel ch (cin = cout = groups), kernel kf x kt, any
 * stride, dilation and padding (the blocks' 3x1 frequency and 1x3 or dilated
 * time convs), followed by a folded SubSpectral Norm of `subbands` bands of
 * output frequency rows: bias and rq's multipliers are indexed by group
 * g = ch * subbands + a / (fo / subbands) for output row a, and fo must be
 * divisible by subbands. subbands = 1 is a plain depthwise conv (or one with
 * a folded BN). One call per channel, so generated code can run the channels
 * in parallel with the shapes inlined. bias may be NULL. */
static inline void nn_i8_dwconv_ssn_channel(int ch, uint8_t *y, const uint8_t *x, int32_t x_zp,
                                            const int8_t *w, const int32_t *bias,
                                            const NnI8ConvShape *s, NnI8Requant rq, int subbands) {
    const int8_t *wc = w + (size_t)ch * s->kf * s->kt;
    int band = s->fo / subbands;
    for (int clip = 0; clip < s->n; clip++) {
        const uint8_t *xp = x + ((size_t)ch * s->n + clip) * s->f * s->t;
        uint8_t *yp = y + ((size_t)ch * s->n + clip) * s->fo * s->to;
        for (int a = 0; a < s->fo; a++) {
            int g = ch * subbands + a / band, f0 = a * s->sf - s->pf, i_lo, i_hi;
            int32_t b0 = bias ? bias[g] : 0;
            nn_i8_taps_inside(f0, s->kf, s->df, s->f, &i_lo, &i_hi);
            for (int b = 0; b < s->to; b++) {
                int t0 = b * s->st - s->pt, j_lo, j_hi;
                nn_i8_taps_inside(t0, s->kt, s->dt, s->t, &j_lo, &j_hi);
                int32_t acc = b0;
                for (int i = i_lo; i < i_hi; i++)
                    for (int j = j_lo; j < j_hi; j++)
                        acc += wc[i * s->kt + j] *
                               ((int32_t)xp[(f0 + i * s->df) * s->t + t0 + j * s->dt] - x_zp);
                yp[a * s->to + b] = nn_i8_out(acc, &rq, g);
            }
        }
    }
}

/* Depthwise conv of channel ch, bias and multipliers per channel. */
static inline void nn_i8_dwconv_channel(int ch, uint8_t *y, const uint8_t *x, int32_t x_zp,
                                        const int8_t *w, const int32_t *bias,
                                        const NnI8ConvShape *s, NnI8Requant rq) {
    nn_i8_dwconv_ssn_channel(ch, y, x, x_zp, w, bias, s, rq, 1);
}

static inline void nn_i8_dwconv(uint8_t *y, const uint8_t *x, int32_t x_zp, const int8_t *w,
                                const int32_t *bias, const NnI8ConvShape *s, NnI8Requant rq) {
    for (int ch = 0; ch < s->cout; ch++)
        nn_i8_dwconv_channel(ch, y, x, x_zp, w, bias, s, rq);
}

/* Every channel of nn_i8_dwconv_ssn_channel. */
static inline void nn_i8_dwconv_ssn(uint8_t *y, const uint8_t *x, int32_t x_zp, const int8_t *w,
                                    const int32_t *bias, const NnI8ConvShape *s, NnI8Requant rq,
                                    int subbands) {
    for (int ch = 0; ch < s->cout; ch++)
        nn_i8_dwconv_ssn_channel(ch, y, x, x_zp, w, bias, s, rq, subbands);
}

#endif
