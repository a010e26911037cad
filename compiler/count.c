/* The counting rules; see count.h. Sums saturate instead of wrapping, so an
 * absurd spec fails its budget rather than printing garbage. */
#include "count.h"

static int64_t add_sat(int64_t a, int64_t b) {
    int64_t r;
    return __builtin_add_overflow(a, b, &r) ? INT64_MAX : r;
}

static int64_t mul_sat(int64_t a, int64_t b) {
    int64_t r;
    return __builtin_mul_overflow(a, b, &r) ? INT64_MAX : r;
}

int64_t shape_elems(Shape s) { return mul_sat(mul_sat(s.c, s.f), s.t); }

void counts_add(Counts *sum, const Counts *part) {
    sum->params = add_sat(sum->params, part->params);
    sum->macs = add_sat(sum->macs, part->macs);
    sum->act_elems = add_sat(sum->act_elems, part->act_elems);
    sum->int8_bytes = add_sat(sum->int8_bytes, part->int8_bytes);
    sum->int32_bytes = add_sat(sum->int32_bytes, part->int32_bytes);
}

void count_conv(Counts *c, int cin, int cout, int kf, int kt, int groups, Shape out,
                int has_bias) {
    int64_t weights = mul_sat(mul_sat((int64_t)(cin / groups), cout), (int64_t)kf * kt);
    c->params = add_sat(c->params, weights + (has_bias ? cout : 0));
    c->macs = add_sat(c->macs, mul_sat(weights, (int64_t)out.f * out.t));
    c->int8_bytes = add_sat(c->int8_bytes, weights);
    c->int32_bytes = add_sat(c->int32_bytes, has_bias ? 4 * (int64_t)cout : 0);
}

void count_linear(Counts *c, int in, int out, int has_bias) {
    int64_t weights = (int64_t)in * out;
    c->params = add_sat(c->params, weights + (has_bias ? out : 0));
    c->macs = add_sat(c->macs, weights);
    c->int8_bytes = add_sat(c->int8_bytes, weights);
    c->int32_bytes = add_sat(c->int32_bytes, has_bias ? 4 * (int64_t)out : 0);
}

void count_norm(Counts *c, int channels, int subbands, int folded, int conv_had_bias) {
    int64_t groups = (int64_t)channels * subbands;
    c->params = add_sat(c->params, 2 * groups);
    if (folded) {
        c->int32_bytes = add_sat(c->int32_bytes, 4 * (groups - (conv_had_bias ? channels : 0)));
    } else {
        c->int8_bytes = add_sat(c->int8_bytes, groups);
        c->int32_bytes = add_sat(c->int32_bytes, 4 * groups);
    }
}
