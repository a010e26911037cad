/* Convolutions over C x N x F x T tensors. Three forms, chosen by the emitter:
 * conv1x1 (one GEMM over the whole batch), dwconv (depthwise, direct loops the
 * compiler vectorises) and conv (general: im2col into a scratch buffer + GEMM per
 * group). Weights are [Cout][Cin/groups][kf][kt], as PyTorch stores them. */
#ifndef NN_CONV_H
#define NN_CONV_H

#include "nn_base.h"

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
NN_INLINE void dwconv_forward_channel(int ch, real *restrict y, const real *restrict x,
                                      const real *restrict w, int n, int f, int t, int kf,
                                      int kt, int pf, int pt) {
    size_t plane = (size_t)n * f * t;
    const real *wc = w + (size_t)ch * kf * kt;
    for (int s = 0; s < n; s++) {
        const real *xs = x + ch * plane + (size_t)s * f * t;
        real *ys = y + ch * plane + (size_t)s * f * t;
        for (int fo = 0; fo < f; fo++) {
            real row[t];
            for (int to = 0; to < t; to++)
                row[to] = 0;
            for (int i = 0; i < kf; i++) {
                int fi = fo + i - pf;
                if (fi < 0 || fi >= f)
                    continue;
                const real *xr = xs + fi * t;
                for (int j = 0; j < kt; j++) {
                    real wv = wc[i * kt + j];
                    int lo = pt - j > 0 ? pt - j : 0;
                    int hi = t + pt - j < t ? t + pt - j : t;
                    for (int to = lo; to < hi; to++)
                        row[to] += wv * xr[to + j - pt];
                }
            }
            for (int to = 0; to < t; to++)
                ys[fo * t + to] = row[to];
        }
    }
}

NN_INLINE void dwconv_backward_channel(int ch, real *restrict dx, int acc, real *restrict dw,
                                       const real *restrict dy, const real *restrict x,
                                       const real *restrict w, int n, int f, int t, int kf,
                                       int kt, int pf, int pt) {
    size_t plane = (size_t)n * f * t;
    const real *wc = w + (size_t)ch * kf * kt;
    real *dwc = dw + (size_t)ch * kf * kt;
    if (dx && !acc)
        memset(dx + ch * plane, 0, plane * sizeof(real));
    for (int s = 0; s < n; s++) {
        size_t base = ch * plane + (size_t)s * f * t;
        for (int fo = 0; fo < f; fo++) {
            const real *dyr = dy + base + fo * t;
            for (int i = 0; i < kf; i++) {
                int fi = fo + i - pf;
                if (fi < 0 || fi >= f)
                    continue;
                const real *xr = x + base + fi * t;
                for (int j = 0; j < kt; j++) {
                    int lo = pt - j > 0 ? pt - j : 0;
                    int hi = t + pt - j < t ? t + pt - j : t;
                    real g = 0;
                    for (int to = lo; to < hi; to++)
                        g += dyr[to] * xr[to + j - pt];
                    dwc[i * kt + j] += g;
                    if (dx) {
                        real wv = wc[i * kt + j];
                        real *dxr = dx + base + fi * t;
                        for (int to = lo; to < hi; to++)
                            dxr[to + j - pt] += wv * dyr[to];
                    }
                }
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
