/* Convolutions over C x N x F x T tensors. Three forms, chosen by the emitter:
 * conv1x1 (nn_pointwise.h), dwconv (depthwise, direct loops the compiler
 * vectorises) and conv (general: im2col into a scratch buffer + GEMM per group).
 * Weights are [Cout][Cin/groups][kf][kt], as PyTorch stores them. */
#ifndef NN_CONV_H
#define NN_CONV_H

#include "nn_base.h"
#include "nn_reduce.h"

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

/* Clip n's taps in group g, col[r * ld + a*to + o] = x[ci][n][a*sf + i - pf][o*st + j - pt]
 * for tap r = (ci*kf + i)*kt + j, zero outside: per tap and output row, the
 * columns o0 <= o < o1 whose input lies inside the row, zeros on either side. */
NN_INLINE void conv_clip_taps(real *restrict col, size_t ld, const real *restrict x,
                              const ConvShape *s, int nb, int n, int g) {
    int cg = s->cin / s->groups;
    for (int ci = 0; ci < cg; ci++)
        for (int i = 0; i < s->kf; i++)
            for (int j = 0; j < s->kt; j++) {
                real *cr = col + ((size_t)(ci * s->kf + i) * s->kt + j) * ld;
                int o0 = (s->pt - j + s->st - 1) / s->st, o1 = (s->t - 1 + s->pt - j) / s->st + 1;
                o0 = o0 < 0 ? 0 : o0 > s->to ? s->to : o0;
                o1 = o1 > s->to ? s->to : o1 < o0 ? o0 : o1;
                for (int a = 0; a < s->fo; a++) {
                    real *out = cr + (size_t)a * s->to;
                    int fi = a * s->sf + i - s->pf;
                    if (fi < 0 || fi >= s->f) {
                        memset(out, 0, (size_t)s->to * sizeof(real));
                        continue;
                    }
                    const real *xr = x + (size_t)(g * cg + ci) * nb * s->f * s->t +
                                     ((size_t)n * s->f + fi) * s->t + j - s->pt;
                    for (int o = 0; o < o0; o++)
                        out[o] = 0;
                    for (int o = o0; o < o1; o++)
                        out[o] = xr[o * s->st];
                    for (int o = o1; o < s->to; o++)
                        out[o] = 0;
                }
            }
}

/* The adjoint of conv_clip_taps: adds col back into clip n of dx. */
NN_INLINE void conv_clip_untaps(real *restrict dx, const real *restrict col, size_t ld,
                                const ConvShape *s, int nb, int n, int g) {
    int cg = s->cin / s->groups;
    for (int r = 0; r < cg * s->kf * s->kt; r++) {
        int ci = r / (s->kf * s->kt), i = r / s->kt % s->kf, j = r % s->kt;
        real *dxc = dx + (size_t)(g * cg + ci) * nb * s->f * s->t + (size_t)n * s->f * s->t;
        for (int a = 0; a < s->fo; a++) {
            int fi = a * s->sf + i - s->pf;
            if (fi < 0 || fi >= s->f)
                continue;
            const real *in = col + (size_t)r * ld + (size_t)a * s->to;
            for (int o = 0; o < s->to; o++) {
                int ti = o * s->st + j - s->pt;
                if (ti >= 0 && ti < s->t)
                    dxc[(size_t)fi * s->t + ti] += in[o];
            }
        }
    }
}

/* col[(ci*kf + i)*kt + j][(n*fo + a)*to + b] = x[ci][n][a*sf + i - pf][b*st + j - pt], zero
 * outside, for the cin/groups channels of group g: every clip's taps. */
NN_KERNEL void conv_im2col(real *restrict col, const real *restrict x, const ConvShape *s, int n,
                           int g) {
    size_t plane = (size_t)s->fo * s->to, cols = (size_t)n * plane;
    NN_OMP_FOR(cols * (s->cin / s->groups) * s->kf * s->kt)
    for (int c = 0; c < n; c++)
        conv_clip_taps(col + (size_t)c * plane, cols, x, s, n, c, g);
}

/* The adjoint of conv_im2col: adds col back into dx, clip by clip. */
NN_KERNEL void conv_col2im(real *restrict dx, const real *restrict col, const ConvShape *s, int n,
                           int g) {
    size_t plane = (size_t)s->fo * s->to, cols = (size_t)n * plane;
    NN_OMP_FOR(cols * (s->cin / s->groups) * s->kf * s->kt)
    for (int c = 0; c < n; c++)
        conv_clip_untaps(dx, col + (size_t)c * plane, cols, s, n, c, g);
}

/* Convs with few taps per output, cin/groups x kf x kt <= NN_CONV_DIRECT_TAPS
 * (the stem: 1 x 5 x 5), run clip by clip, one clip per thread at a time, on
 * that clip's slice of the scratch. Whole-batch im2col put 25 x N x fo x to
 * values (13 MB at batch 64) through memory and then ran OpenBLAS with an
 * inner dimension of 25, where it reaches a fraction of its speed. The
 * forward pass multiplies the clip's taps by the weights in registers
 * (conv_taps_product); the backward pass keeps a GEMM per clip, whose inner
 * dimension is the clip's fo x to. The stem's forward and weight gradient at
 * batch 64 on two threads: about 20 ms before, 15.5 ms now. */
#define NN_CONV_DIRECT_TAPS 32
#define NN_CONV_COLS 16    /* output columns per register block (conv_taps_block) */
#define NN_CONV_CHANNELS 8 /* output channels per register block */
/* A clip's weight gradient goes through the stack (cout x k values at most),
 * then into the clip's slice of the scratch (k x fo x to values). */
#define NN_CONV_DIRECT_WEIGHTS 4096

NN_INLINE int conv_is_direct(const ConvShape *s) {
    int k = s->cin / s->groups * s->kf * s->kt;
    return k <= NN_CONV_DIRECT_TAPS && s->cout * k <= NN_CONV_DIRECT_WEIGHTS &&
           s->fo * s->to >= s->cout;
}

/* NN_CONV_COLS values as one GCC vector: an array accumulator of the same
 * size stayed on the stack, a store and a load around every multiply-add. */
typedef real nn_conv_cols __attribute__((vector_size(NN_CONV_COLS * sizeof(real))));

/* One register block: y[c][o] = b[c] + sum_r wc[c][r] t[r][o] for nc <= NN_CONV_CHANNELS
 * channels (rows cols apart in y) and len <= NN_CONV_COLS columns, with
 * t[r] = taps + r * ldt holding NN_CONV_COLS readable values. */
NN_INLINE void conv_taps_block(real *restrict y, size_t cols, const real *const *wc,
                               const real *restrict b, const real *restrict taps, size_t ldt,
                               int k, int nc, int len) {
    nn_conv_cols acc[NN_CONV_CHANNELS];
    for (int c = 0; c < NN_CONV_CHANNELS; c++)
        acc[c] = (nn_conv_cols){0} + (b && c < nc ? b[c] : 0);
    for (int r = 0; r < k; r++) {
        nn_conv_cols t;
        memcpy(&t, taps + (size_t)r * ldt, sizeof t);
        for (int c = 0; c < NN_CONV_CHANNELS; c++)
            acc[c] += wc[c][r] * t;
    }
    if (len == NN_CONV_COLS && nc == NN_CONV_CHANNELS) {
        /* constant sizes: one vector store each */
        for (int c = 0; c < NN_CONV_CHANNELS; c++)
            memcpy(y + (size_t)c * cols, &acc[c], sizeof acc[c]);
        return;
    }
    for (int c = 0; c < nc; c++)
        for (int o = 0; o < len; o++)
            y[(size_t)c * cols + o] = acc[c][o];
}

/* y[oc][o] = b[oc] + sum_r w[oc][r] taps[r][o], o < m, for og output
 * channels (rows cols apart in y) of one clip: blocks of NN_CONV_CHANNELS
 * channels by NN_CONV_COLS columns, accumulated in registers, a block of
 * channels at a time over the whole clip so that each channel's outputs are
 * written in order (rows of different channels lie N x fo x to apart, and
 * stores that jump between them went at memory's latency). Not inlined: in
 * the OpenMP loop GCC ran out of registers for the accumulators. */
static __attribute__((noinline, unused)) void conv_taps_product(real *restrict y, size_t cols,
                                                               const real *restrict w,
                                                               const real *restrict b,
                                                               const real *restrict taps, int og,
                                                               int k, int m) {
    int full = m / NN_CONV_COLS * NN_CONV_COLS;
    for (int oc = 0; oc < og; oc += NN_CONV_CHANNELS) {
        int nc = og - oc < NN_CONV_CHANNELS ? og - oc : NN_CONV_CHANNELS;
        /* channels past og repeat the first: computed, never stored */
        const real *wc[NN_CONV_CHANNELS];
        for (int c = 0; c < NN_CONV_CHANNELS; c++)
            wc[c] = w + (size_t)(oc + (c < nc ? c : 0)) * k;
        const real *bc = b ? b + oc : NULL;
        real *yc = y + (size_t)oc * cols;
        for (int o0 = 0; o0 < full; o0 += NN_CONV_COLS)
            conv_taps_block(yc + o0, cols, wc, bc, taps + o0, (size_t)m, k, nc, NN_CONV_COLS);
        if (full < m) {
            /* the last columns, from a zero-padded copy of their taps */
            real tail[NN_CONV_DIRECT_TAPS * NN_CONV_COLS] = {0};
            for (int r = 0; r < k; r++)
                memcpy(tail + r * NN_CONV_COLS, taps + (size_t)r * m + full,
                       (size_t)(m - full) * sizeof(real));
            conv_taps_block(yc + full, cols, wc, bc, tail, NN_CONV_COLS, k, nc, m - full);
        }
    }
}

/* The direct forward pass of clip n, with col its k x fo*to slice of the
 * scratch. */
NN_KERNEL void conv_direct_forward_clip(real *restrict y, const real *restrict x,
                                        const real *restrict w, const real *restrict b,
                                        real *restrict col, const ConvShape *s, int nb, int n) {
    int cg = s->cin / s->groups, og = s->cout / s->groups, k = cg * s->kf * s->kt;
    int plane = s->fo * s->to;
    size_t cols = (size_t)nb * plane;
    for (int g = 0; g < s->groups; g++) {
        conv_clip_taps(col, (size_t)plane, x, s, nb, n, g);
        conv_taps_product(y + (size_t)g * og * cols + (size_t)n * plane, cols,
                          w + (size_t)g * og * k, b ? b + g * og : NULL, col, og, k, plane);
    }
}

/* The direct backward pass of clip n, with col its k x fo*to slice of the
 * scratch: the clip's weight gradient into part (cout x k), and the input
 * gradient, if dx, added into clip n. */
NN_KERNEL void conv_direct_backward_clip(real *restrict dx, real *restrict part,
                                         const real *restrict dy, const real *restrict x,
                                         const real *restrict w, real *restrict col,
                                         const ConvShape *s, int nb, int n) {
    int cg = s->cin / s->groups, og = s->cout / s->groups, k = cg * s->kf * s->kt;
    int plane = s->fo * s->to;
    size_t cols = (size_t)nb * plane;
    for (int g = 0; g < s->groups; g++) {
        const real *dyg = dy + (size_t)g * og * cols + (size_t)n * plane;
        conv_clip_taps(col, (size_t)plane, x, s, nb, n, g);
        nn_gemm(0, 1, og, k, plane, 1, dyg, (int)cols, col, plane, 0, part + (size_t)g * og * k,
                k);
        if (dx) {
            nn_gemm(1, 0, k, plane, og, 1, w + (size_t)g * og * k, k, dyg, (int)cols, 0, col,
                    plane);
            conv_clip_untaps(dx, col, (size_t)plane, s, nb, n, g);
        }
    }
}

NN_INLINE void conv_direct_forward(real *y, const real *x, const real *w, const real *b,
                                   real *scratch, const ConvShape *s, int n) {
    size_t slice = (size_t)(s->cin / s->groups) * s->kf * s->kt * s->fo * s->to;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (n > 1)
#endif
    for (int c = 0; c < n; c++)
        conv_direct_forward_clip(y, x, w, b, scratch + (size_t)c * slice, s, n, c);
}

/* Clips' weight gradients on their own, then added in clip order: the same
 * sums whatever the number of threads. */
NN_INLINE void conv_direct_backward(real *dx, real *dw, const real *dy, const real *x,
                                    const real *w, real *scratch, const ConvShape *s, int n) {
    int k = s->cin / s->groups * s->kf * s->kt;
    size_t slice = (size_t)k * s->fo * s->to, wsize = (size_t)s->cout * k;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (n > 1)
#endif
    for (int c = 0; c < n; c++) {
        real part[NN_CONV_DIRECT_WEIGHTS];
        conv_direct_backward_clip(dx, part, dy, x, w, scratch + (size_t)c * slice, s, n, c);
        memcpy(scratch + (size_t)c * slice, part, wsize * sizeof(real));
    }
    for (int c = 0; c < n; c++)
        for (size_t i = 0; i < wsize; i++)
            dw[i] += scratch[(size_t)c * slice + i];
}

/* General conv: per group, y_g (cout/g x N*fo*to) = w_g . col_g [+ b]. */
NN_INLINE void conv_forward(real *y, const real *x, const real *w, const real *b, real *col,
                            ConvShape s, int n) {
    if (conv_is_direct(&s)) {
        conv_direct_forward(y, x, w, b, col, &s, n);
        return;
    }
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
    if (conv_is_direct(&s)) {
        conv_direct_backward(dx, dw, dy, x, w, col, &s, n);
    } else {
        for (int g = 0; g < s.groups; g++) {
            const real *dyg = dy + (size_t)g * og * cols;
            conv_im2col(col, x, &s, n, g);
            nn_gemm(0, 1, og, k, (int)cols, 1, dyg, (int)cols, col, (int)cols, 1,
                    dw + (size_t)g * og * k, k);
            if (dx) {
                nn_gemm(1, 0, k, (int)cols, og, 1, w + (size_t)g * og * k, k, dyg, (int)cols, 0,
                        col, (int)cols);
                conv_col2im(dx, col, &s, n, g);
            }
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
