/* The numeric kernels that generated models call, as static inline functions so
 * that every call, made with constant shapes, is specialised by the C compiler.
 * A generated model defines NN_REAL (float, or double for gradient checks) before
 * including nn.h; each translation unit gets its own copy at its own precision.
 *
 * Layout: every activation is channel-major, C x N x F x T (channel, batch,
 * frequency, time), so that a 1x1 conv over the whole batch is one GEMM and a
 * channel chunk of a Res2Net split is one contiguous block. A per-channel plane
 * holds N*F*T values.
 *
 * Backward kernels take `acc`: 0 overwrites the input gradient, 1 adds to it (the
 * emitter knows which write comes first). Parameter gradients always accumulate. */
#ifndef NN_BASE_H
#define NN_BASE_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cblas.h>

#ifndef NN_REAL
#define NN_REAL float
#endif
typedef NN_REAL real;

#define NN_INLINE static inline __attribute__((always_inline, unused))
/* Kernels too large to inline everywhere; still specialised per translation unit. */
#define NN_KERNEL static __attribute__((unused))

/* Work below this many values stays on one thread: a parallel region costs more. */
#define NN_PARALLEL_MIN 32768

/* Precedes a for loop whose iterations are independent; `work` estimates its cost. */
#ifdef _OPENMP
#define NN_OMP_FOR(work)                                                                    \
    const size_t nn_work_ = (work);                                                         \
    _Pragma("omp parallel for schedule(static) if(nn_work_ >= NN_PARALLEL_MIN)")
#else
#define NN_OMP_FOR(work)
#endif

/* Splits [0, n) into one contiguous range per thread and runs `call` on each with
 * nn_lo and nn_hi bound. The call goes to a function with restrict-qualified
 * pointers, which OpenMP's outlining would otherwise lose (no vectorisation). */
#ifdef _OPENMP
#include <omp.h>
#define NN_SPLIT(n, call)                                                                   \
    do {                                                                                    \
        const size_t nn_n_ = (n);                                                           \
        _Pragma("omp parallel if(nn_n_ >= NN_PARALLEL_MIN)") {                              \
            size_t nn_t_ = (size_t)omp_get_num_threads(), nn_id_ = (size_t)omp_get_thread_num(); \
            size_t nn_lo = nn_n_ * nn_id_ / nn_t_, nn_hi = nn_n_ * (nn_id_ + 1) / nn_t_;    \
            call;                                                                           \
        }                                                                                   \
    } while (0)
#else
#define NN_SPLIT(n, call)                                                                   \
    do {                                                                                    \
        size_t nn_lo = 0, nn_hi = (n);                                                      \
        call;                                                                               \
    } while (0)
#endif

/* C = alpha op(A) op(B) + beta C, row-major. */
NN_INLINE void nn_gemm(int trans_a, int trans_b, int m, int n, int k, real alpha, const real *a,
                       int lda, const real *b, int ldb, real beta, real *c, int ldc) {
    enum CBLAS_TRANSPOSE ta = trans_a ? CblasTrans : CblasNoTrans;
    enum CBLAS_TRANSPOSE tb = trans_b ? CblasTrans : CblasNoTrans;
    if (sizeof(real) == sizeof(float))
        cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, (float)alpha, (const float *)a, lda,
                    (const float *)b, ldb, (float)beta, (float *)c, ldc);
    else
        cblas_dgemm(CblasRowMajor, ta, tb, m, n, k, (double)alpha, (const double *)a, lda,
                    (const double *)b, ldb, (double)beta, (double *)c, ldc);
}

NN_INLINE void nn_accumulate_range(real *restrict dst, const real *restrict src, size_t lo,
                                   size_t hi) {
    for (size_t i = lo; i < hi; i++)
        dst[i] += src[i];
}

NN_INLINE void nn_copy_range(real *restrict dst, const real *restrict src, size_t lo, size_t hi) {
    memcpy(dst + lo, src + lo, (hi - lo) * sizeof(real));
}

/* dst = src, or dst += src; a copy too is split between the threads (one core
 * alone does not reach the memory bandwidth). */
NN_INLINE void nn_write(real *restrict dst, const real *restrict src, size_t n, int acc) {
    if (acc)
        NN_SPLIT(n, nn_accumulate_range(dst, src, nn_lo, nn_hi));
    else
        NN_SPLIT(n, nn_copy_range(dst, src, nn_lo, nn_hi));
}

NN_INLINE real nn_exp(real x) {
    return sizeof(real) == sizeof(float) ? (real)expf((float)x) : (real)exp((double)x);
}

NN_INLINE real nn_sqrt(real x) {
    return sizeof(real) == sizeof(float) ? (real)sqrtf((float)x) : (real)sqrt((double)x);
}

NN_INLINE void nn_zero(real *dst, size_t n) { memset(dst, 0, n * sizeof(real)); }

#endif
