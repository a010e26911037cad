/* Convolutions over C x N x F x T tensors. Three forms, chosen by the emitter:
 * conv1x1 (one GEMM over the whole batch), dwconv (depthwise, direct loops the
 * compiler vectorises) and conv (general: im2col into a scratch buffer + GEMM per
 * group). Weights are [Cout][Cin/groups][kf][kt], as PyTorch stores them. */
#ifndef NN_CONV_H
#define NN_CONV_H

#include "nn_base.h"
#include "nn_reduce.h"

/* y (cout x M) = w (cout x cin) . x (cin x M) [+ b], M = N*F*T. */
NN_INLINE void conv1x1_forward(real *y, const real *x, const real *w, const real *b, int cin,
                               int cout, size_t m) {
    nn_gemm(0, 0, cout, (int)m, cin, 1, w, cin, x, (int)m, 0, y, (int)m);
    if (b)
        for (int o = 0; o < cout; o++)
            for (size_t i = 0; i < m; i++)
                y[o * m + i] += b[o];
}

NN_INLINE void conv1x1_backward(real *dx, int acc, real *dw, real *db, const real *dy,
                                const real *x, const real *w, int cin, int cout, size_t m) {
    nn_gemm(0, 1, cout, cin, (int)m, 1, dy, (int)m, x, (int)m, 1, dw, cin);
    if (db)
        for (int o = 0; o < cout; o++) {
            real s = 0;
            for (size_t i = 0; i < m; i++)
                s += dy[o * m + i];
            db[o] += s;
        }
    if (dx)
        nn_gemm(1, 0, cin, (int)m, cout, 1, w, cin, dy, (int)m, acc ? 1 : 0, dx, (int)m);
}

/* Depthwise kf x kt conv, stride 1, padding (pf, pt), same-size output (the only
 * depthwise form the blocks use), for channel ch: y[ch][n][f][t] = sum_ij
 * w[ch][i][j] x[ch][n][f+i-pf][t+j-pt]. The emitter runs the channels in parallel
 * in generated code, so each call is inlined with constant shapes and its loops
 * unroll and vectorise. */

/* Output row r of a clip's f x t plane: the sum over taps whose input row exists
 * (written in place: a scratch row's stack allocation would stop vectorisation).
 * Taps reaching past the row's ends are cut by the loop bounds. */
NN_INLINE void dwconv_row_edge(real *restrict yr, const real *restrict xs,
                               const real *restrict wc, int flip, int acc, int fo, int f, int t,
                               int kf, int kt, int pf, int pt) {
    if (!acc)
        for (int to = 0; to < t; to++)
            yr[to] = 0;
    for (int i = 0; i < kf; i++) {
        int fi = fo + i - pf;
        if (fi < 0 || fi >= f)
            continue;
        for (int j = 0; j < kt; j++) {
            real wv = flip ? wc[(kf - 1 - i) * kt + (kt - 1 - j)] : wc[i * kt + j];
            int lo = pt - j > 0 ? pt - j : 0;
            int hi = t + pt - j < t ? t + pt - j : t;
            for (int to = lo; to < hi; to++)
                yr[to] += wv * xs[(size_t)fi * t + to + j - pt];
        }
    }
}

/* Values of the masked kernel rows of dwconv_row_inner: above this the rows use
 * dwconv_row_edge. */
#define NN_DW_MASKED_MAX 1024

/* wm[(i*kt + j)*t + to]: tap (i, j)'s weight where it reaches an input value of the
 * output's own row, else 0. flip rotates the kernel by 180 degrees. */
NN_INLINE void dwconv_masked_taps(real *restrict wm, const real *restrict wc, int flip, int t,
                                  int kf, int kt, int pt) {
    for (int i = 0; i < kf; i++)
        for (int j = 0; j < kt; j++) {
            real wv = flip ? wc[(kf - 1 - i) * kt + (kt - 1 - j)] : wc[i * kt + j];
            for (int to = 0; to < t; to++)
                wm[(i * kt + j) * t + to] = to + j - pt >= 0 && to + j - pt < t ? wv : 0;
        }
}

/* A row whose taps all fall on rows 1 .. f-2 of its plane: every tap spans the
 * whole row, reading past its ends into the neighbouring rows where the masked
 * weights are 0, so the loop over t has a constant trip count and each tap is a
 * vector multiply-add with the row kept in registers. (A non-finite neighbour
 * would leak NaN into the row; the tensor is then non-finite anyway.) */
NN_INLINE void dwconv_row_inner(real *restrict yr, const real *restrict xs,
                                const real *restrict wm, int acc, int fo, int t, int kf, int kt,
                                int pf, int pt) {
    const real *x0 = xs + (size_t)(fo - pf) * t - pt;
    for (int to = 0; to < t; to++) {
        real sum = acc ? yr[to] : 0;
        for (int i = 0; i < kf; i++)
            for (int j = 0; j < kt; j++)
                sum += wm[(i * kt + j) * t + to] * x0[i * t + j + to];
        yr[to] = sum;
    }
}

/* One channel's correlation over n clips of f x t. flip = 1 takes the kernel
 * rotated by 180 degrees (backward's dx); acc = 1 adds to y instead of
 * overwriting it. */
NN_INLINE void dwconv_rows(real *restrict y, const real *restrict x, const real *restrict wc,
                           int flip, int acc, int n, int f, int t, int kf, int kt, int pf,
                           int pt) {
    real wm[NN_DW_MASKED_MAX];
    int masked = kf * kt * t <= NN_DW_MASKED_MAX;
    int inner_lo = masked ? pf + 1 : f, inner_hi = f - 1 - (kf - 1 - pf);
    if (masked)
        dwconv_masked_taps(wm, wc, flip, t, kf, kt, pt);
    for (int s = 0; s < n; s++) {
        real *ys = y + (size_t)s * f * t;
        const real *xs = x + (size_t)s * f * t;
        for (int fo = 0; fo < f; fo++) {
            if (fo >= inner_lo && fo < inner_hi)
                dwconv_row_inner(ys + (size_t)fo * t, xs, wm, acc, fo, t, kf, kt, pf, pt);
            else
                dwconv_row_edge(ys + (size_t)fo * t, xs, wc, flip, acc, fo, f, t, kf, kt, pf, pt);
        }
    }
}

NN_INLINE void dwconv_forward_channel(int ch, real *restrict y, const real *restrict x,
                                      const real *restrict w, int n, int f, int t, int kf,
                                      int kt, int pf, int pt) {
    size_t plane = (size_t)n * f * t;
    dwconv_rows(y + ch * plane, x + ch * plane, w + (size_t)ch * kf * kt, 0, 0, n, f, t, kf, kt,
                pf, pt);
}

/* Adds clip plane s's weight gradient, per tap and output column, into
 * g[(i*kt + j)*t + to] (for the masked taps' layout; columns whose input lies
 * outside the row pick up a neighbour's value and are left out of the total). */
NN_INLINE void dwconv_weight_grad_clip(real *restrict g, const real *restrict dys,
                                       const real *restrict xs, int f, int t, int kf, int kt,
                                       int pf, int pt) {
    int inner_lo = pf + 1, inner_hi = f - 1 - (kf - 1 - pf);
    for (int fo = 0; fo < f; fo++) {
        const real *dyr = dys + (size_t)fo * t;
        if (fo >= inner_lo && fo < inner_hi) {
            const real *x0 = xs + (size_t)(fo - pf) * t - pt;
            for (int i = 0; i < kf; i++)
                for (int j = 0; j < kt; j++)
                    for (int to = 0; to < t; to++)
                        g[(i * kt + j) * t + to] += dyr[to] * x0[i * t + j + to];
            continue;
        }
        for (int i = 0; i < kf; i++) {
            int fi = fo + i - pf;
            if (fi < 0 || fi >= f)
                continue;
            for (int j = 0; j < kt; j++) {
                int lo = pt - j > 0 ? pt - j : 0, hi = t + pt - j < t ? t + pt - j : t;
                for (int to = lo; to < hi; to++)
                    g[(i * kt + j) * t + to] += dyr[to] * xs[(size_t)fi * t + to + j - pt];
            }
        }
    }
}

/* The weight gradient the slow way, for kernels too large for the masked layout:
 * dot products of dy with the shifted x, in vector lanes. */
NN_INLINE void dwconv_weight_grad_large(real *restrict dwc, const real *restrict dys,
                                        const real *restrict xs, int f, int t, int kf, int kt,
                                        int pf, int pt) {
    for (int i = 0; i < kf; i++)
        for (int j = 0; j < kt; j++) {
            int flo = pf - i > 0 ? pf - i : 0, fhi = f + pf - i < f ? f + pf - i : f;
            int lo = pt - j > 0 ? pt - j : 0, hi = t + pt - j < t ? t + pt - j : t;
            real lanes[NN_LANES] = {0};
            for (int fo = flo; fo < fhi; fo++)
                nn_lanes_dot(lanes, dys + (size_t)fo * t + lo,
                             xs + (size_t)(fo + i - pf) * t + lo + j - pt, (size_t)(hi - lo));
            dwc[i * kt + j] += nn_lanes_total(lanes);
        }
}

/* dx is the correlation of dy with the rotated kernel (padding kf-1-pf, kt-1-pt);
 * the weight gradient is summed clip by clip (a clip's rows stay in L1). */
NN_INLINE void dwconv_backward_channel(int ch, real *restrict dx, int acc, real *restrict dw,
                                       const real *restrict dy, const real *restrict x,
                                       const real *restrict w, int n, int f, int t, int kf,
                                       int kt, int pf, int pt) {
    size_t plane = (size_t)n * f * t, clip = (size_t)f * t;
    const real *wc = w + (size_t)ch * kf * kt;
    real *dwc = dw + (size_t)ch * kf * kt;
    if (dx)
        dwconv_rows(dx + ch * plane, dy + ch * plane, wc, 1, acc, n, f, t, kf, kt, kf - 1 - pf,
                    kt - 1 - pt);
    for (int s = 0; s < n; s++) {
        const real *dys = dy + ch * plane + s * clip, *xs = x + ch * plane + s * clip;
        if (kf * kt * t > NN_DW_MASKED_MAX) {
            dwconv_weight_grad_large(dwc, dys, xs, f, t, kf, kt, pf, pt);
            continue;
        }
        real g[NN_DW_MASKED_MAX];
        for (int k = 0; k < kf * kt * t; k++)
            g[k] = 0;
        dwconv_weight_grad_clip(g, dys, xs, f, t, kf, kt, pf, pt);
        for (int j = 0; j < kt; j++) {
            int lo = pt - j > 0 ? pt - j : 0, hi = t + pt - j < t ? t + pt - j : t;
            for (int i = 0; i < kf; i++) {
                real total = 0;
                for (int to = lo; to < hi; to++)
                    total += g[(i * kt + j) * t + to];
                dwc[i * kt + j] += total;
            }
        }
    }
}

/* The shape of a general convolution. */
typedef struct ConvShape {
    int cin, cout, groups;
    int f, t, fo, to;
    int kf, kt, sf, st, pf, pt;
} ConvShape;

/* col[(ci*kf + i)*kt + j][(n*fo + a)*to + b] = x[ci][n][a*sf + i - pf][b*st + j - pt], zero
 * outside, for the cin/groups channels of group g. */
NN_KERNEL void conv_im2col(real *restrict col, const real *restrict x, const ConvShape *s, int n,
                           int g) {
    int cg = s->cin / s->groups;
    size_t cols = (size_t)n * s->fo * s->to, plane = (size_t)n * s->f * s->t;
    NN_OMP_FOR(cols * cg * s->kf * s->kt)
    for (int r = 0; r < cg * s->kf * s->kt; r++) {
        int ci = r / (s->kf * s->kt), i = r / s->kt % s->kf, j = r % s->kt;
        const real *xc = x + (size_t)(g * cg + ci) * plane;
        real *cr = col + (size_t)r * cols;
        for (int b = 0; b < n; b++)
            for (int a = 0; a < s->fo; a++) {
                int fi = a * s->sf + i - s->pf;
                real *out = cr + ((size_t)b * s->fo + a) * s->to;
                for (int o = 0; o < s->to; o++) {
                    int ti = o * s->st + j - s->pt;
                    out[o] = fi >= 0 && fi < s->f && ti >= 0 && ti < s->t
                                 ? xc[((size_t)b * s->f + fi) * s->t + ti]
                                 : 0;
                }
            }
    }
}

/* The adjoint of conv_im2col: adds col back into dx. */
NN_KERNEL void conv_col2im(real *restrict dx, const real *restrict col, const ConvShape *s, int n,
                           int g) {
    int cg = s->cin / s->groups;
    size_t cols = (size_t)n * s->fo * s->to, plane = (size_t)n * s->f * s->t;
    NN_OMP_FOR(cols * cg * s->kf * s->kt)
    for (int ci = 0; ci < cg; ci++) {
        real *dxc = dx + (size_t)(g * cg + ci) * plane;
        for (int i = 0; i < s->kf; i++)
            for (int j = 0; j < s->kt; j++) {
                const real *cr = col + ((size_t)(ci * s->kf + i) * s->kt + j) * cols;
                for (int b = 0; b < n; b++)
                    for (int a = 0; a < s->fo; a++) {
                        int fi = a * s->sf + i - s->pf;
                        if (fi < 0 || fi >= s->f)
                            continue;
                        const real *in = cr + ((size_t)b * s->fo + a) * s->to;
                        for (int o = 0; o < s->to; o++) {
                            int ti = o * s->st + j - s->pt;
                            if (ti >= 0 && ti < s->t)
                                dxc[((size_t)b * s->f + fi) * s->t + ti] += in[o];
                        }
                    }
            }
    }
}

/* General conv: per group, y_g (cout/g x N*fo*to) = w_g . col_g [+ b]. */
NN_INLINE void conv_forward(real *y, const real *x, const real *w, const real *b, real *col,
                            ConvShape s, int n) {
    int cg = s.cin / s.groups, og = s.cout / s.groups, k = cg * s.kf * s.kt;
    size_t cols = (size_t)n * s.fo * s.to;
    for (int g = 0; g < s.groups; g++) {
        conv_im2col(col, x, &s, n, g);
        nn_gemm(0, 0, og, (int)cols, k, 1, w + (size_t)g * og * k, k, col, (int)cols, 0,
                y + (size_t)g * og * cols, (int)cols);
    }
    if (b)
        for (int o = 0; o < s.cout; o++)
            for (size_t i = 0; i < cols; i++)
                y[o * cols + i] += b[o];
}

NN_INLINE void conv_backward(real *dx, int acc, real *dw, real *db, const real *dy, const real *x,
                             const real *w, real *col, ConvShape s, int n) {
    int cg = s.cin / s.groups, og = s.cout / s.groups, k = cg * s.kf * s.kt;
    size_t cols = (size_t)n * s.fo * s.to;
    if (dx && !acc)
        nn_zero(dx, (size_t)s.cin * n * s.f * s.t);
    for (int g = 0; g < s.groups; g++) {
        const real *dyg = dy + (size_t)g * og * cols;
        conv_im2col(col, x, &s, n, g);
        nn_gemm(0, 1, og, k, (int)cols, 1, dyg, (int)cols, col, (int)cols, 1,
                dw + (size_t)g * og * k, k);
        if (dx) {
            nn_gemm(1, 0, k, (int)cols, og, 1, w + (size_t)g * og * k, k, dyg, (int)cols, 0, col,
                    (int)cols);
            conv_col2im(dx, col, &s, n, g);
        }
    }
    if (db)
        for (int o = 0; o < s.cout; o++) {
            real sum = 0;
            for (size_t i = 0; i < cols; i++)
                sum += dy[o * cols + i];
            db[o] += sum;
        }
}

#endif
