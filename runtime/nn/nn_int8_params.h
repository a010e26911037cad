/* The INT8 kernels' parameter structs stored in, and read back from, the int32
 * (and int64) constant arrays of a prepared model (nn_int8_prepare.h writes them;
 * the generated INT8 forward reads them). Field by field, so the arrays hold plain
 * integers whatever the structs' layout. Strict C99, header-only. */
#ifndef NN_INT8_PARAMS_H
#define NN_INT8_PARAMS_H

#include <stdint.h>

#include "nn_int8_conv.h"
#include "nn_int8_ops.h"
#include "nn_int8_stats.h"
#include "nn_int8_steps.h"

/* Per-group multipliers and shifts at mult[0 .. G) and mult[G .. 2G); offset
 * per group (a conv's bias below one accumulator unit, nn_i8_out) or NULL. */
static inline NnI8Requant nn_i8_rq(const int32_t *mult, int groups, int32_t zero_point, int relu,
                                   const int32_t *offset) {
    NnI8Requant rq;
    rq.mult = mult;
    rq.shift = mult + groups;
    rq.zero_point = zero_point;
    rq.lo = relu ? zero_point : 0;
    rq.hi = 255;
    rq.offset = offset;
    return rq;
}

static inline void nn_i8_add_store(int32_t *v, const NnI8Add *p) {
    v[0] = p->a_zp, v[1] = p->b_zp, v[2] = p->a_mult, v[3] = p->b_mult, v[4] = p->shift;
    v[5] = p->out_zp, v[6] = p->lo, v[7] = p->hi;
}

static inline NnI8Add nn_i8_add_load(const int32_t *v) {
    NnI8Add p;
    p.a_zp = v[0], p.b_zp = v[1], p.a_mult = v[2], p.b_mult = v[3], p.shift = v[4];
    p.out_zp = v[5], p.lo = v[6], p.hi = v[7];
    return p;
}

static inline void nn_i8_mul_store(int32_t *v, const NnI8Mul *p) {
    v[0] = p->a_zp, v[1] = p->b_zp, v[2] = p->mult, v[3] = p->out_zp, v[4] = p->lo;
    v[5] = p->hi, v[6] = p->shift;
}

static inline NnI8Mul nn_i8_mul_load(const int32_t *v) {
    NnI8Mul p;
    p.a_zp = v[0], p.b_zp = v[1], p.mult = v[2], p.out_zp = v[3], p.lo = v[4];
    p.hi = v[5], p.shift = v[6];
    return p;
}

/* The int32 fields in v, E (eps_q) in e[0]. */
static inline void nn_i8_resnorm_store(int32_t *v, int64_t *e, const NnI8ResNorm *p) {
    v[0] = p->x_zp, v[1] = p->y_zp, v[2] = p->lambda_mult, v[3] = p->inv_mult;
    v[4] = p->lambda_shift, v[5] = p->inv_shift;
    e[0] = p->eps_q;
}

static inline NnI8ResNorm nn_i8_resnorm_load(const int32_t *v, const int64_t *e) {
    NnI8ResNorm p;
    p.x_zp = v[0], p.y_zp = v[1], p.lambda_mult = v[2], p.inv_mult = v[3];
    p.lambda_shift = v[4], p.inv_shift = v[5];
    p.eps_q = e[0];
    return p;
}

#endif
