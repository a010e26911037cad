/* 1x1 convolutions over C x N x F x T tensors: y (cout x M) = w (cout x cin) . x
 * (cin x M), M = N*F*T columns. The shapes here (tens of channels, 10^5 columns)
 * are far from the ones BLAS is tuned for: it repacks the whole of x, zero-fills y
 * before adding into it, and its threads split a 40 x 80 weight gradient badly.
 * These kernels work on a block of columns at a time with the channel counts
 * constant: the generated code calls them from its own parallel loop over blocks
 * (forward) or chunks (backward), so each call is inlined with its shapes, and
 * a weight gradient's threads share the columns rather than the 40 x 80 outputs. */
#ifndef NN_POINTWISE_H
#define NN_POINTWISE_H

#include "nn_base.h"
#include "nn_reduce.h"

/* One vector register of values (16 floats with AVX-512); loads and stores of it
 * need only the element's alignment. Wider than the target's registers, GCC
 * would split it, and passing it by value would change the ABI (-Wpsabi) in
 * translation units built without -march=native. */
#if defined(__AVX512F__)
#define NN_VEC_BYTES 64
#elif defined(__AVX__)
#define NN_VEC_BYTES 32
#else
#define NN_VEC_BYTES 16
#endif
typedef real nn_vec __attribute__((vector_size(NN_VEC_BYTES), aligned(sizeof(real))));
#define NN_VEC_LANES ((int)(sizeof(nn_vec) / sizeof(real)))

#define NN_PW_VECS 4                              /* vectors of columns in a block */
#define NN_PW_COLS (NN_PW_VECS * NN_VEC_LANES)   /* columns in a block */
#define NN_PW_ROWS 6    /* outputs of a register tile: 6 x 4 accumulators */
#define NN_PW_KMAX 128  /* input channels packed at once: 32 KB, about L1 */
/* Columns of a backward chunk: its weight gradient is one partial sum (a GEMM on
 * one thread: a tuned loop of ours with dy and x rows 4 KB-aliased in L1 ran at
 * 60 % of its speed), and its rows of dy (160 KB for 40 channels) stay in L2
 * between the weight gradient and dx. Partial sums are added in chunk order
 * afterwards, so the result does not depend on the thread count.
 * compiler/lower.c sizes the scratch for the partial sums with this constant. */
#define NN_PW_CHUNK 1024

NN_INLINE nn_vec nn_vec_load(const real *p) { return *(const nn_vec *)p; }
NN_INLINE void nn_vec_store(real *p, nn_vec v) { *(nn_vec *)p = v; }

/* The sum of a vector's lanes, pairwise in a fixed order. */
NN_INLINE real nn_vec_total(nn_vec v) {
    real t[NN_VEC_LANES];
    memcpy(t, &v, sizeof t);
    for (int w = NN_VEC_LANES / 2; w > 0; w /= 2)
        for (int l = 0; l < w; l++)
            t[l] += t[l + w];
    return t[0];
}

/* Rows [o0, o0 + rr) of one block: out[o][0..COLS) (+)= sum over k < kc of
 * w[o*ws_o + k*ws_k] * pk[k][0..COLS), pk the block's packed inputs. With rr =
 * NN_PW_ROWS the accumulators stay in registers. */
NN_INLINE void pw_tile(real *restrict out, size_t ldo, const real *restrict pk,
                       const real *restrict w, size_t ws_o, size_t ws_k, int o0, int rr, int kc,
                       int acc) {
    nn_vec a[NN_PW_ROWS][NN_PW_VECS];
    for (int r = 0; r < rr; r++)
        for (int v = 0; v < NN_PW_VECS; v++)
            a[r][v] = acc ? nn_vec_load(out + (o0 + r) * ldo + v * NN_VEC_LANES) : (nn_vec){0};
    for (int k = 0; k < kc; k++) {
        nn_vec xv[NN_PW_VECS];
        for (int v = 0; v < NN_PW_VECS; v++)
            xv[v] = nn_vec_load(pk + (size_t)k * NN_PW_COLS + v * NN_VEC_LANES);
        for (int r = 0; r < rr; r++) {
            real wv = w[(o0 + r) * ws_o + k * ws_k];
            for (int v = 0; v < NN_PW_VECS; v++)
                a[r][v] += wv * xv[v];
        }
    }
    for (int r = 0; r < rr; r++)
        for (int v = 0; v < NN_PW_VECS; v++)
            nn_vec_store(out + (o0 + r) * ldo + v * NN_VEC_LANES, a[r][v]);
}

/* One full block of columns: out[o][0..COLS) (+)= sum_k w[o*ws_o + k*ws_k] in[k][..],
 * rows of out and in ld values apart. The inputs are packed first (a few KB,
 * contiguous): read in place, every input row would be its own page. */
NN_INLINE void pw_block(real *restrict out, const real *restrict in, size_t ld,
                        const real *restrict w, size_t ws_o, size_t ws_k, int kin, int kout,
                        int acc) {
    real pk[NN_PW_KMAX * NN_PW_COLS];
    for (int k0 = 0; k0 < kin; k0 += NN_PW_KMAX) {
        int kc = kin - k0 < NN_PW_KMAX ? kin - k0 : NN_PW_KMAX;
        for (int k = 0; k < kc; k++)
            for (int j = 0; j < NN_PW_COLS; j++)
                pk[k * NN_PW_COLS + j] = in[(size_t)(k0 + k) * ld + j];
        const real *wk = w + k0 * ws_k;
        int o0 = 0, add = acc || k0 > 0;
        for (; o0 + NN_PW_ROWS <= kout; o0 += NN_PW_ROWS)
            pw_tile(out, ld, pk, wk, ws_o, ws_k, o0, NN_PW_ROWS, kc, add);
        if (o0 < kout)
            pw_tile(out, ld, pk, wk, ws_o, ws_k, o0, kout - o0, kc, add);
    }
}

/* Columns [i0, i1) of the same product one at a time: the last, partial block. */
NN_INLINE void pw_columns(real *restrict out, const real *restrict in, size_t ld,
                          const real *restrict w, size_t ws_o, size_t ws_k, int kin, int kout,
                          int acc, size_t i0, size_t i1) {
    for (int o = 0; o < kout; o++)
        for (size_t i = i0; i < i1; i++) {
            real s = acc ? out[o * ld + i] : 0;
            for (int k = 0; k < kin; k++)
                s += w[o * ws_o + k * ws_k] * in[k * ld + i];
            out[o * ld + i] = s;
        }
}

/* Columns [i0, i1): full blocks, then the rest. */
NN_INLINE void pw_range(real *restrict out, const real *restrict in, size_t ld,
                        const real *restrict w, size_t ws_o, size_t ws_k, int kin, int kout,
                        int acc, size_t i0, size_t i1) {
    size_t i = i0;
    for (; i + NN_PW_COLS <= i1; i += NN_PW_COLS)
        pw_block(out + i, in + i, ld, w, ws_o, ws_k, kin, kout, acc);
    pw_columns(out, in, ld, w, ws_o, ws_k, kin, kout, acc, i, i1);
}

/* The whole product as one GEMM, for inference: at batch 1 BLAS's small-matrix
 * kernels beat the blocks (which also cost a parallel region per call). */
NN_INLINE void conv1x1_forward(real *y, const real *x, const real *w, const real *b, int cin,
                               int cout, size_t m) {
    nn_gemm(0, 0, cout, (int)m, cin, 1, w, cin, x, (int)m, 0, y, (int)m);
    if (b)
        for (int o = 0; o < cout; o++)
            for (size_t i = 0; i < m; i++)
                y[o * m + i] += b[o];
}

/* Blocks of NN_PW_COLS columns in m (the last one may be partial). */
NN_INLINE int conv1x1_blocks(size_t m) { return (int)((m + NN_PW_COLS - 1) / NN_PW_COLS); }

/* Forward, block k: y[:, cols] = w . x[:, cols] (+ b). */
NN_INLINE void conv1x1_forward_block(int k, real *restrict y, const real *restrict x,
                                     const real *restrict w, const real *restrict b, int cin,
                                     int cout, size_t m) {
    size_t i0 = (size_t)k * NN_PW_COLS, i1 = i0 + NN_PW_COLS < m ? i0 + NN_PW_COLS : m;
    pw_range(y, x, m, w, (size_t)cin, 1, cin, cout, 0, i0, i1);
    if (b)
        for (int o = 0; o < cout; o++)
            for (size_t i = i0; i < i1; i++)
                y[o * m + i] += b[o];
}

/* Chunks of NN_PW_CHUNK columns in m, and the scratch values their partial weight
 * (and bias) gradients take. */
NN_INLINE int conv1x1_chunks(size_t m) { return (int)((m + NN_PW_CHUNK - 1) / NN_PW_CHUNK); }

/* Backward, chunk k: its weight (and, with bias, bias) gradient into part + k *
 * (cout*cin + cout), for conv1x1_backward_reduce; then dx's columns (= or +=
 * w^T dy), while the chunk's dy is still in cache. dx may be NULL. */
NN_INLINE void conv1x1_backward_chunk(int k, real *restrict dx, int acc, real *restrict part,
                                      int bias, const real *restrict dy,
                                      const real *restrict x, const real *restrict w, int cin,
                                      int cout, size_t m) {
    size_t i0 = (size_t)k * NN_PW_CHUNK, i1 = i0 + NN_PW_CHUNK < m ? i0 + NN_PW_CHUNK : m;
    real *g = part + (size_t)k * (cout * cin + cout);
    nn_gemm(0, 1, cout, cin, (int)(i1 - i0), 1, dy + i0, (int)m, x + i0, (int)m, 0, g, cin);
    if (bias)
        for (int o = 0; o < cout; o++)
            g[cout * cin + o] = nn_sum(dy + o * m + i0, i1 - i0);
    if (dx)
        pw_range(dx, dy, m, w, 1, (size_t)cin, cout, cin, acc, i0, i1);
}

/* dw (and db) += the chunks' partial sums, added in chunk order (into chunk 0's). */
NN_INLINE void conv1x1_backward_reduce(real *restrict dw, real *restrict db, real *restrict part,
                                       int cin, int cout, size_t m) {
    int chunks = conv1x1_chunks(m), size = cout * cin + cout;
    for (int k = 1; k < chunks; k++)
        for (int j = 0; j < size; j++)
            part[j] += part[(size_t)k * size + j];
    for (int j = 0; j < cout * cin; j++)
        dw[j] += part[j];
    if (db)
        for (int o = 0; o < cout; o++)
            db[o] += part[cout * cin + o];
}

#endif
