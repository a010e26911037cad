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
#include <string.h>

#include "nn_int8_arith.h"
#include "nn_int8_vnni.h"

/* The output grid of a layer: per-channel multipliers (indexed by output
 * channel, or by norm group for nn_i8_affine and nn_i8_dwconv_ssn), zero
 * point and clamp bounds (0, 255 plain; lo = zero_point for a fused ReLU).
 * mult and shift are int32_t alike, so the emitter can keep every constant of
 * a layer in one int32_t array. mult may be negative (never INT32_MIN), see
 * nn_i8_out. */
typedef struct NnI8Requant {
    const int32_t *mult;
    const int32_t *shift;
    int32_t zero_point, lo, hi;
    const int32_t *offset; /* per group, or NULL for none: see nn_i8_out */
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
 * output grid. The integer bias is the folded bias rounded to an accumulator
 * unit; the offset carries the rest, times the multiplier, so that it is
 * exact to 2^-31 of a code where a half unit of the accumulator can be a
 * good part of one (flat regions of a spectrogram sit at one value, and a
 * bias off by a fraction of a code there moved whole rows across a tie).
 * A negative multiplier carries a folded norm's negative scale (the
 * emitter puts it there instead of flipping weight codes); the signed
 * product acc * mult is exactly that of flipped weights and bias. */
static inline int32_t nn_i8_offset(const NnI8Requant *rq, int o) {
    return rq->offset ? rq->offset[o] : 0;
}

static inline uint8_t nn_i8_out(int32_t acc, const NnI8Requant *rq, int o) {
    return (uint8_t)nn_i8_requantize_offset(acc, rq->mult[o], nn_i8_offset(rq, o),
                                            (int)rq->shift[o], rq->zero_point, rq->lo, rq->hi);
}

/* Columns per block of the convs' accumulators: a block of up to four output
 * channels' accumulators stays in L1 while their weights stream over the
 * inputs. */
#define NN_I8_BLOCK 64

/* acc[k][j] += a[k] (x0[j] - 128) + b[k] (x1[j] - 128) for four output
 * channels k: two input channels' products, exact in int16 (see nn_i8_dot4). */
static inline void nn_i8_dot4_pair(int32_t acc[4][NN_I8_BLOCK], const uint8_t *x0,
                                   const uint8_t *x1, const int16_t a[4], const int16_t b[4],
                                   size_t len) {
    int16_t u[NN_I8_BLOCK], v[NN_I8_BLOCK];
    for (size_t j = 0; j < len; j++) {
        u[j] = (int16_t)(x0[j] - 128);
        v[j] = (int16_t)(x1[j] - 128);
    }
    for (int k = 0; k < 4; k++)
        for (size_t j = 0; j < len; j++)
            acc[k][j] += (int16_t)(a[k] * u[j] + b[k] * v[j]);
}

/* acc[k][j] = sum_c w[k * w_stride + c] * (x[c * x_stride + j] - 128) for
 * four output channels k and len <= NN_I8_BLOCK columns j. Centred on 128,
 * a code times a weight (-127..127) is at most 127 * 128 in magnitude, so two
 * channels' products add up exactly in int16: GCC vectorises the loop with
 * 16-bit multiplies, two channels per accumulator update. The sums build up
 * in a local array, which no store through x or w can reach (uint8 pointers
 * may alias anything), and a full block's loop has a constant length: both
 * matter to GCC's code. */
static inline void nn_i8_dot4(int32_t acc[4][NN_I8_BLOCK], const uint8_t *x, size_t x_stride,
                              const int8_t *w, size_t w_stride, int cin, size_t len) {
    int32_t sum[4][NN_I8_BLOCK];
    for (int k = 0; k < 4; k++)
        for (size_t j = 0; j < NN_I8_BLOCK; j++)
            sum[k][j] = 0;
    int c = 0;
    for (; c + 2 <= cin; c += 2) {
        const uint8_t *x0 = x + (size_t)c * x_stride;
        int16_t a[4], b[4];
        for (int k = 0; k < 4; k++) {
            a[k] = w[k * w_stride + (size_t)c];
            b[k] = w[k * w_stride + (size_t)c + 1];
        }
        if (len == NN_I8_BLOCK)
            nn_i8_dot4_pair(sum, x0, x0 + x_stride, a, b, NN_I8_BLOCK);
        else
            nn_i8_dot4_pair(sum, x0, x0 + x_stride, a, b, len);
    }
    if (c < cin) { /* an odd channel count's last channel */
        const uint8_t *xc = x + (size_t)c * x_stride;
        for (int k = 0; k < 4; k++) {
            int32_t wk = w[k * w_stride + (size_t)c];
            for (size_t j = 0; j < len; j++)
                sum[k][j] += wk * ((int32_t)xc[j] - 128);
        }
    }
    memcpy(acc, sum, sizeof sum);
}

/* nn_i8_dot4 for one output channel (the channels left after the fours). */
static inline void nn_i8_dot1(int32_t acc[NN_I8_BLOCK], const uint8_t *x, size_t x_stride,
                              const int8_t *w, int cin, size_t len) {
    int32_t sum[NN_I8_BLOCK];
    for (size_t j = 0; j < NN_I8_BLOCK; j++)
        sum[j] = 0;
    int c = 0;
    for (; c + 2 <= cin; c += 2) {
        const uint8_t *x0 = x + (size_t)c * x_stride, *x1 = x0 + x_stride;
        int16_t a = w[c], b = w[c + 1];
        for (size_t j = 0; j < len; j++)
            sum[j] += (int16_t)(a * (int16_t)(x0[j] - 128) + b * (int16_t)(x1[j] - 128));
    }
    if (c < cin) {
        const uint8_t *xc = x + (size_t)c * x_stride;
        for (size_t j = 0; j < len; j++)
            sum[j] += w[c] * ((int32_t)xc[j] - 128);
    }
    memcpy(acc, sum, sizeof sum);
}

static inline int32_t nn_i8_weight_sum(const int8_t *w, int taps) {
    int32_t sum = 0;
    for (int i = 0; i < taps; i++)
        sum += w[i];
    return sum;
}

/* What sums of w (x - centre) miss of bias + sum w (x - x_zp):
 * bias - (x_zp - centre) sum w, w[0 .. taps) the weights of one output, bias
 * NULL for none. The centre is 128 for the portable loops (nn_i8_dot4) and 0
 * for VNNI's raw codes. Added after the products, so every partial sum stays
 * within the accumulator limits of docs/int8.md. */
static inline int32_t nn_i8_sum_base(const int8_t *w, int taps, int32_t x_zp, int32_t centre,
                                     const int32_t *bias, int o) {
    return (bias ? bias[o] : 0) - (x_zp - centre) * nn_i8_weight_sum(w, taps);
}

/* y[r][j] = requantize(acc[r][j] + base) with output channel (or group) o's
 * multiplier, for rows r < rows of len values (acc rows acc_stride apart, y
 * rows y_stride apart): the end of every conv block. On the usual grids the
 * base goes into the requantisation's 64-bit offset (nn_i8_requantize_wide),
 * so that acc is only read; elsewhere it is added to acc first. */
static inline void nn_i8_finish_rows(uint8_t *y, size_t y_stride, int32_t *acc, size_t acc_stride,
                                     int rows, size_t len, int32_t base, const NnI8Requant *rq,
                                     int o) {
    int32_t mult = rq->mult[o], shift = rq->shift[o], offset = nn_i8_offset(rq, o);
    if (nn_i8_run_vectorises(shift, rq->zero_point, rq->lo, rq->hi)) {
        int64_t wide = (int64_t)base * mult + offset;
#ifdef NN_I8_VNNI
        NnI8VnniRequant q = nn_i8_vnni_requant(mult, wide, 31 - shift, rq->zero_point, rq->lo,
                                               rq->hi);
        for (int r = 0; r < rows; r++)
            nn_i8_vnni_requantize(y + (size_t)r * y_stride, acc + (size_t)r * acc_stride, len, &q);
#else
        if (y_stride == len && acc_stride != len) { /* one long run beats many short ones */
            for (int r = 1; r < rows; r++)
                memmove(acc + (size_t)r * len, acc + (size_t)r * acc_stride, sizeof(int32_t) * len);
            acc_stride = len;
        }
        if (acc_stride == len && y_stride == len) {
            len *= (size_t)rows;
            rows = 1;
        }
        for (int r = 0; r < rows; r++)
            nn_i8_requantize_wide(y + (size_t)r * y_stride, acc + (size_t)r * acc_stride, len, mult,
                                  wide, 31 - shift, rq->zero_point, rq->lo, rq->hi);
#endif
        return;
    }
    for (int r = 0; r < rows; r++) {
        int32_t *ar = acc + (size_t)r * acc_stride;
        for (size_t j = 0; j < len; j++)
            ar[j] += base;
        nn_i8_requantize_run(y + (size_t)r * y_stride, ar, len, mult, offset, shift,
                             rq->zero_point, rq->lo, rq->hi);
    }
}

/* nn_i8_finish_rows on one row. */
static inline void nn_i8_finish(uint8_t *y, int32_t *acc, size_t len, int32_t base,
                                const NnI8Requant *rq, int o) {
    nn_i8_finish_rows(y, len, acc, len, 1, len, base, rq, o);
}

#ifdef NN_I8_VNNI
#if NN_I8_BLOCK != NN_I8_VNNI_COLS
#error "the VNNI product takes the convs' blocks of columns whole"
#endif
/* nn_i8_gemm_block on a full block by VNNI (nn_int8_vnni.h). Its sums are
 * of raw codes, so the zero point comes in with the base: bias - x_zp sum w
 * (|sum w x| <= 255 * 127 * NN_I8_VNNI_MAX_CIN, far inside int32). */
static inline void nn_i8_gemm_block_vnni(uint8_t *y, size_t y_stride, const uint8_t *x,
                                         size_t x_stride, int32_t x_zp, const int8_t *w,
                                         const int32_t *bias, int cin, int o0, int nout,
                                         size_t len, const NnI8Requant *rq) {
    uint8_t xq[NN_I8_VNNI_MAX_CIN * NN_I8_VNNI_COLS];
    int32_t acc[4][NN_I8_VNNI_COLS];
    nn_i8_vnni_pack(xq, x, x_stride, cin);
    int o = o0;
    for (; o + 4 <= o0 + nout; o += 4) {
        nn_i8_vnni_dot4(acc, xq, w + (size_t)o * cin, (size_t)cin, cin);
        for (int k = 0; k < 4; k++) {
            int32_t base = nn_i8_sum_base(w + (size_t)(o + k) * cin, cin, x_zp, 0, bias, o + k);
            nn_i8_finish(y + (size_t)(o + k) * y_stride, acc[k], len, base, rq, o + k);
        }
    }
    for (; o < o0 + nout; o++) {
        const int8_t *wo = w + (size_t)o * cin;
        nn_i8_vnni_dot1(acc[0], xq, wo, cin);
        nn_i8_finish(y + (size_t)o * y_stride, acc[0], len,
                     nn_i8_sum_base(wo, cin, x_zp, 0, bias, o), rq, o);
    }
}
#endif

/* The outputs o0 .. o0 + nout of a matrix product on a block of columns:
 * y[o][j] = requantize_o(bias[o] + sum_c w[o][c] (x[c][j] - x_zp)) for
 * j < len, x rows x_stride apart, y rows y_stride apart, w rows cin long.
 * width >= len columns are computed (x holds that many in each row): a
 * block padded to NN_I8_BLOCK columns takes the constant-length loops. The
 * 1x1 conv, the linear layer and the general conv (on its im2col block) all
 * run here; full blocks by VNNI where the target has it. */
static inline void nn_i8_gemm_block(uint8_t *y, size_t y_stride, const uint8_t *x, size_t x_stride,
                                    int32_t x_zp, const int8_t *w, const int32_t *bias, int cin,
                                    int o0, int nout, size_t width, size_t len,
                                    const NnI8Requant *rq) {
#ifdef NN_I8_VNNI
    if (width == NN_I8_BLOCK && cin <= NN_I8_VNNI_MAX_CIN) {
        nn_i8_gemm_block_vnni(y, y_stride, x, x_stride, x_zp, w, bias, cin, o0, nout, len, rq);
        return;
    }
#endif
    int32_t acc[4][NN_I8_BLOCK];
    int o = o0;
    for (; o + 4 <= o0 + nout; o += 4) {
        nn_i8_dot4(acc, x, x_stride, w + (size_t)o * cin, (size_t)cin, cin, width);
        for (int k = 0; k < 4; k++) {
            const int8_t *wo = w + (size_t)(o + k) * cin;
            int32_t base = nn_i8_sum_base(wo, cin, x_zp, 128, bias, o + k);
            nn_i8_finish(y + (size_t)(o + k) * y_stride, acc[k], len, base, rq, o + k);
        }
    }
    for (; o < o0 + nout; o++) {
        const int8_t *wo = w + (size_t)o * cin;
        nn_i8_dot1(acc[0], x, x_stride, wo, cin, width);
        int32_t base = nn_i8_sum_base(wo, cin, x_zp, 128, bias, o);
        nn_i8_finish(y + (size_t)o * y_stride, acc[0], len, base, rq, o);
    }
}

/* Bytes of the convs' staging buffers on the stack: a 1x1 conv's last, partial
 * block of columns padded to NN_I8_BLOCK, the general conv's im2col block
 * (taps x NN_I8_BLOCK), a few columns' inputs gathered for dot products. */
#define NN_I8_COL_BYTES 8192

/* Columns up to which a 1x1 conv (or the linear layer) runs as one dot
 * product over the input channels per output value: a block of 64 columns
 * would be mostly idle. */
#define NN_I8_DOT_COLS 16

/* The channels of a dot product are padded with zeros to a multiple of this:
 * then GCC's VNNI loop has no remainder (which cost more than the padding). */
#define NN_I8_DOT_PAD 64

/* Channels a dot product may have after padding (its weights' copy). */
#define NN_I8_DOT_MAX 1024

/* sum_c x[c] w[c]: GCC makes this loop VNNI dot-product instructions
 * (vpdpbusd, 64 codes times weights each) where the target has them. */
static inline int32_t nn_i8_dot(const uint8_t *x, const int8_t *w, int n) {
    int32_t sum = 0;
    for (int c = 0; c < n; c++)
        sum += (int32_t)x[c] * w[c];
    return sum;
}

/* Whether nn_i8_conv1x1_dots takes a 1x1 conv: few columns whose padded
 * channels fit its buffers. */
static inline int nn_i8_dots_fit(int cin, size_t m) {
    size_t padded = ((size_t)cin + NN_I8_DOT_PAD - 1) / NN_I8_DOT_PAD * NN_I8_DOT_PAD;
    return m <= NN_I8_DOT_COLS && padded <= NN_I8_DOT_MAX && padded * m <= NN_I8_COL_BYTES;
}

/* nn_i8_conv1x1 for the shapes nn_i8_dots_fit takes: each column's codes
 * gathered contiguous and each output's weights copied, both padded with
 * zeros; then per output value sum w x - x_zp sum w + bias (the accumulator
 * limits bound every partial sum) and its requantisation. */
static inline void nn_i8_conv1x1_dots(uint8_t *y, const uint8_t *x, int32_t x_zp, const int8_t *w,
                                      const int32_t *bias, int cin, int cout, size_t m,
                                      const NnI8Requant *rq) {
    uint8_t cols[NN_I8_COL_BYTES];
    int8_t wo[NN_I8_DOT_MAX];
    int padded = (cin + NN_I8_DOT_PAD - 1) / NN_I8_DOT_PAD * NN_I8_DOT_PAD;
    for (size_t j = 0; j < m; j++) {
        for (int c = 0; c < cin; c++)
            cols[j * padded + (size_t)c] = x[(size_t)c * m + j];
        memset(cols + j * padded + cin, 0, (size_t)(padded - cin));
    }
    memset(wo + cin, 0, (size_t)(padded - cin));
    for (int o = 0; o < cout; o++) {
        memcpy(wo, w + (size_t)o * cin, (size_t)cin);
        int32_t wsum = 0;
        for (int c = 0; c < cin; c++)
            wsum += wo[c];
        int32_t base = (bias ? bias[o] : 0) - x_zp * wsum;
        for (size_t j = 0; j < m; j++)
            y[(size_t)o * m + j] = nn_i8_out(nn_i8_dot(cols + j * padded, wo, padded) + base, rq, o);
    }
}

/* y (cout x m) = w (cout x cin) . (x (cin x m) - x_zp) + bias, m = N*F*T.
 * bias may be NULL. Weights are codes -127..127 (nn_i8_dot4). A last block
 * of fewer than NN_I8_BLOCK columns is copied into a padded one. */
static inline void nn_i8_conv1x1(uint8_t *y, const uint8_t *x, int32_t x_zp, const int8_t *w,
                                 const int32_t *bias, int cin, int cout, size_t m, NnI8Requant rq) {
    if (nn_i8_dots_fit(cin, m)) {
        nn_i8_conv1x1_dots(y, x, x_zp, w, bias, cin, cout, m, &rq);
        return;
    }
    uint8_t padded[NN_I8_COL_BYTES];
    for (size_t m0 = 0; m0 < m; m0 += NN_I8_BLOCK) {
        size_t len = m - m0 < NN_I8_BLOCK ? m - m0 : NN_I8_BLOCK;
        if (len == NN_I8_BLOCK || (size_t)cin * NN_I8_BLOCK > NN_I8_COL_BYTES) {
            nn_i8_gemm_block(y + m0, m, x + m0, m, x_zp, w, bias, cin, 0, cout, len, len, &rq);
            continue;
        }
        for (int c = 0; c < cin; c++) {
            memcpy(padded + (size_t)c * NN_I8_BLOCK, x + (size_t)c * m + m0, len);
            memset(padded + (size_t)c * NN_I8_BLOCK + len, 0, NN_I8_BLOCK - len);
        }
        nn_i8_gemm_block(y + m0, m, padded, NN_I8_BLOCK, x_zp, w, bias, cin, 0, cout, NN_I8_BLOCK,
                         len, &rq);
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

/* One tap's row of the im2col block: for the len output positions from flat
 * position p0 of one clip, the input value the tap (i, j) of channel plane xc
 * meets, the zero point where it falls outside (padding). */
static inline void nn_i8_im2col_tap(uint8_t *row, const uint8_t *xc, int32_t x_zp,
                                    const NnI8ConvShape *s, int i, int j, size_t p0, size_t len) {
    int a = (int)(p0 / (size_t)s->to), b = (int)(p0 % (size_t)s->to);
    for (size_t p = 0; p < len; a++, b = 0) { /* one output row's stretch at a time */
        int run = s->to - b < (int)(len - p) ? s->to - b : (int)(len - p);
        int fi = a * s->sf + i * s->df - s->pf, lo, hi;
        /* the output columns b + [lo, hi) whose input column is inside */
        nn_i8_taps_inside(b * s->st + j * s->dt - s->pt, run, s->st, s->t, &lo, &hi);
        if (fi < 0 || fi >= s->f)
            lo = hi = 0;
        const uint8_t *xr = xc + (size_t)fi * s->t + j * s->dt - s->pt;
        for (int q = 0; q < run; q++)
            row[p + q] = (uint8_t)x_zp;
        for (int q = lo; q < hi; q++)
            row[p + q] = xr[(b + q) * s->st];
        p += (size_t)run;
    }
}

/* The general conv on positions p0 .. p0 + len of clip `clip`, group g: the
 * taps' input values gathered into col (taps rows of NN_I8_BLOCK, zeros past
 * len), then a matrix product. */
static inline void nn_i8_conv_block(uint8_t *y, const uint8_t *x, int32_t x_zp, const int8_t *w,
                                    const int32_t *bias, const NnI8ConvShape *s,
                                    const NnI8Requant *rq, int clip, int g, size_t p0, size_t len,
                                    uint8_t *col) {
    int cin_g = s->cin / s->groups, cout_g = s->cout / s->groups, taps = cin_g * s->kf * s->kt;
    size_t plane = (size_t)s->f * s->t, out_plane = (size_t)s->fo * s->to;
    for (int ci = 0; ci < cin_g; ci++) {
        const uint8_t *xc = x + ((size_t)(g * cin_g + ci) * s->n + clip) * plane;
        for (int i = 0; i < s->kf; i++)
            for (int j = 0; j < s->kt; j++) {
                uint8_t *row = col + ((size_t)(ci * s->kf + i) * s->kt + j) * NN_I8_BLOCK;
                nn_i8_im2col_tap(row, xc, x_zp, s, i, j, p0, len);
                memset(row + len, 0, NN_I8_BLOCK - len);
            }
    }
    /* output channel o of this clip is row o * n + clip of y */
    nn_i8_gemm_block(y + (size_t)clip * out_plane + p0, (size_t)s->n * out_plane, col, NN_I8_BLOCK,
                     x_zp, w, bias, taps, g * cout_g, cout_g, NN_I8_BLOCK, len, rq);
}

/* General conv (the stem's 5x5 stride 2, grouped convs): im2col by blocks of
 * NN_I8_BLOCK output positions and the 1x1 conv's matrix product; a conv
 * whose block would pass NN_I8_COL_BYTES runs value by value. */
static inline void nn_i8_conv(uint8_t *y, const uint8_t *x, int32_t x_zp, const int8_t *w,
                              const int32_t *bias, const NnI8ConvShape *s, NnI8Requant rq) {
    uint8_t col[NN_I8_COL_BYTES];
    size_t taps = (size_t)s->cin / s->groups * s->kf * s->kt, out_plane = (size_t)s->fo * s->to;
    if (taps * NN_I8_BLOCK <= NN_I8_COL_BYTES) {
        for (int clip = 0; clip < s->n; clip++)
            for (int g = 0; g < s->groups; g++)
                for (size_t p0 = 0; p0 < out_plane; p0 += NN_I8_BLOCK) {
                    size_t len = out_plane - p0 < NN_I8_BLOCK ? out_plane - p0 : NN_I8_BLOCK;
                    nn_i8_conv_block(y, x, x_zp, w, bias, s, &rq, clip, g, p0, len, col);
                }
        return;
    }
    for (int o = 0; o < s->cout; o++)
        for (int clip = 0; clip < s->n; clip++) {
            uint8_t *yp = y + ((size_t)o * s->n + clip) * out_plane;
            for (int a = 0; a < s->fo; a++)
                for (int b = 0; b < s->to; b++) {
                    int32_t acc = nn_i8_conv_acc(x, x_zp, w, s, o, clip, a, b);
                    yp[a * s->to + b] = nn_i8_out(acc + (bias ? bias[o] : 0), &rq, o);
                }
        }
}

/* A depthwise conv value by value, for the shapes nn_i8_dw_block_rows
 * leaves out (strides above one, very long rows); arguments as
 * nn_i8_dwconv_ssn_channel. */
static inline void nn_i8_dwconv_direct(int ch, uint8_t *y, const uint8_t *x, int32_t x_zp,
                                       const int8_t *w, const int32_t *bias,
                                       const NnI8ConvShape *s, const NnI8Requant *rq,
                                       int subbands) {
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
                yp[a * s->to + b] = nn_i8_out(acc, rq, g);
            }
        }
    }
}

/* A stride-1 depthwise conv runs on blocks of output rows over a copy of its
 * input rows padded with the zero point: NN_I8_DW_ACC accumulators and
 * NN_I8_DW_PAD bytes of padded input per block (12 KB of stack), and
 * NN_I8_DW_SLACK bytes past them that the VNNI sums read (whole vectors of
 * 64; what they make there is not used). */
#define NN_I8_DW_ACC 2048
#define NN_I8_DW_PAD 4096
#define NN_I8_DW_SLACK 64
#if defined(NN_I8_VNNI) && (NN_I8_DW_ACC % NN_I8_VNNI_COLS || NN_I8_DW_SLACK < NN_I8_VNNI_COLS)
#error "the VNNI sums write whole vectors of accumulators and read whole vectors of codes"
#endif

/* Output rows per block (at least one), or 0 where the padded rows do not fit
 * or a stride is above one: then the conv runs value by value. A padded row is
 * t + 2 pt wide; a block of r output rows reads r + (kf - 1) df padded rows and
 * (kt - 1) dt bytes past them (the last row's discarded columns). */
static inline int nn_i8_dw_block_rows(const NnI8ConvShape *s) {
    int width = s->t + 2 * s->pt, reach = (s->kf - 1) * s->df * width + (s->kt - 1) * s->dt;
    if (s->sf != 1 || s->st != 1 || width > NN_I8_DW_ACC || reach + width > NN_I8_DW_PAD)
        return 0;
    int rows = NN_I8_DW_ACC / width, fit = (NN_I8_DW_PAD - reach) / width;
    rows = rows < fit ? rows : fit;
    return rows < s->fo ? rows : s->fo;
}

/* The padded input rows of the output rows a0 .. a0 + rows of plane xc:
 * padded row r is input row a0 + r - pf between pt zero points on each side,
 * or all zero points outside the input. */
static inline void nn_i8_dw_pad_rows(uint8_t *xp, const uint8_t *xc, int32_t x_zp,
                                     const NnI8ConvShape *s, int a0, int rows) {
    int width = s->t + 2 * s->pt, count = rows + (s->kf - 1) * s->df;
    size_t total = (size_t)count * width + (size_t)(s->kt - 1) * s->dt;
    int first = s->pf - a0 > 0 ? s->pf - a0 : 0; /* padded rows that hold input rows */
    int last = s->f + s->pf - a0 < count ? s->f + s->pf - a0 : count;
    memset(xp, x_zp, total + NN_I8_DW_SLACK);
    if (first >= last)
        return;
    if (s->pt == 0) { /* no columns of padding: the input rows are contiguous here too */
        memcpy(xp + (size_t)first * width, xc + (size_t)(a0 + first - s->pf) * s->t,
               (size_t)(last - first) * s->t);
        return;
    }
    /* rows of a few bytes (4..16 in the BC blocks' time convs): eight bytes at a
     * time inline rather than a call to memcpy per row */
    for (int r = first; r < last; r++) {
        uint8_t *dst = xp + (size_t)r * width + s->pt;
        const uint8_t *src = xc + (size_t)(a0 + r - s->pf) * s->t;
        int j = 0;
        for (; j + 8 <= s->t; j += 8)
            memcpy(dst + j, src + j, 8);
        for (; j < s->t; j++)
            dst[j] = src[j];
    }
}

/* acc[k] = sum over the taps of w (xp[k + tap offset] - 128) for k < n: every
 * output of a block of padded-width rows at once (the columns past to are
 * discarded), taps paired in int16 as in nn_i8_dot4. */
static inline void nn_i8_dw_taps(int32_t *acc, const uint8_t *xp, const int8_t *wc,
                                 const NnI8ConvShape *s, size_t n) {
    int width = s->t + 2 * s->pt, taps = s->kf * s->kt;
    for (size_t k = 0; k < n; k++)
        acc[k] = 0;
    for (int tap = 0; tap < taps; tap += 2) {
        size_t at0 = (size_t)(tap / s->kt) * s->df * width + (size_t)(tap % s->kt) * s->dt;
        const uint8_t *x0 = xp + at0;
        int16_t w0 = wc[tap];
        if (tap + 1 == taps) {
            for (size_t k = 0; k < n; k++)
                acc[k] += w0 * ((int32_t)x0[k] - 128);
            break;
        }
        int next = tap + 1;
        const uint8_t *x1 =
            xp + (size_t)(next / s->kt) * s->df * width + (size_t)(next % s->kt) * s->dt;
        int16_t w1 = wc[next];
        for (size_t k = 0; k < n; k++)
            acc[k] += (int16_t)(w0 * (int16_t)(x0[k] - 128) + w1 * (int16_t)(x1[k] - 128));
    }
}

/* The sums of nn_i8_dw_taps, by VNNI where the target has it and the kernel
 * is small; returns the code the sums are centred on (128, or 0 for VNNI's
 * raw codes), which the base must take off. */
static inline int32_t nn_i8_dw_sums(int32_t *acc, const uint8_t *xp, const int8_t *wc,
                                    const NnI8ConvShape *s, size_t n) {
#ifdef NN_I8_VNNI
    int taps = s->kf * s->kt;
    if (taps <= NN_I8_VNNI_MAX_TAPS) {
        size_t off[NN_I8_VNNI_MAX_TAPS], width = (size_t)s->t + 2 * (size_t)s->pt;
        for (int tap = 0; tap < taps; tap++)
            off[tap] = (size_t)(tap / s->kt) * s->df * width + (size_t)(tap % s->kt) * s->dt;
        nn_i8_vnni_taps(acc, xp, off, wc, taps, n);
        return 0;
    }
#endif
    nn_i8_dw_taps(acc, xp, wc, s, n);
    return 128;
}

/* Output rows a0 .. a0 + rows of one clip's plane: accumulate on padded-width
 * rows, then requantise each sub-band's rows, skipping the discarded columns. */
static inline void nn_i8_dw_block(uint8_t *yc, const uint8_t *xc, int32_t x_zp, const int8_t *wc,
                                  const int32_t *bias, const NnI8ConvShape *s,
                                  const NnI8Requant *rq, int ch, int subbands, int a0, int rows) {
    int32_t acc[NN_I8_DW_ACC];
    uint8_t xp[NN_I8_DW_PAD + NN_I8_DW_SLACK];
    int width = s->t + 2 * s->pt, band = s->fo / subbands, taps = s->kf * s->kt;
    nn_i8_dw_pad_rows(xp, xc, x_zp, s, a0, rows);
    int32_t centre = nn_i8_dw_sums(acc, xp, wc, s, (size_t)rows * width);
    for (int r = 0; r < rows;) { /* the rows of one sub-band, read in place */
        int g = ch * subbands + (a0 + r) / band, end = ((a0 + r) / band + 1) * band - a0;
        end = end < rows ? end : rows;
        nn_i8_finish_rows(yc + (size_t)(a0 + r) * s->to, (size_t)s->to, acc + (size_t)r * width,
                          (size_t)width, end - r, (size_t)s->to,
                          nn_i8_sum_base(wc, taps, x_zp, centre, bias, g), rq, g);
        r = end;
    }
}

/* Depthwise conv of channel ch (cin = cout = groups), kernel kf x kt, any
 * stride, dilation and padding (the blocks' 3x1 frequency and 1x3 or dilated
 * time convs), followed by a folded SubSpectral Norm of `subbands` bands of
 * output frequency rows: bias and rq's multipliers are indexed by group
 * g = ch * subbands + a / (fo / subbands) for output row a, and fo must be
 * divisible by subbands. subbands = 1 is a plain depthwise conv (or one with
 * a folded BN). One call per channel, so generated code can run the channels
 * in parallel with the shapes inlined. bias may be NULL; weights are codes
 * -127..127. */
static inline void nn_i8_dwconv_ssn_channel(int ch, uint8_t *y, const uint8_t *x, int32_t x_zp,
                                            const int8_t *w, const int32_t *bias,
                                            const NnI8ConvShape *s, NnI8Requant rq, int subbands) {
    int block = nn_i8_dw_block_rows(s);
    if (!block) {
        nn_i8_dwconv_direct(ch, y, x, x_zp, w, bias, s, &rq, subbands);
        return;
    }
    const int8_t *wc = w + (size_t)ch * s->kf * s->kt;
    for (int clip = 0; clip < s->n; clip++) {
        const uint8_t *xc = x + ((size_t)ch * s->n + clip) * s->f * s->t;
        uint8_t *yc = y + ((size_t)ch * s->n + clip) * s->fo * s->to;
        for (int a0 = 0; a0 < s->fo; a0 += block)
            nn_i8_dw_block(yc, xc, x_zp, wc, bias, s, &rq, ch, subbands, a0,
                           s->fo - a0 < block ? s->fo - a0 : block);
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
