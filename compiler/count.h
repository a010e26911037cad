/* The counting rules of DESIGN.md section 2, as small functions that the operator
 * descriptors compose. Every composite block counts itself through these, so a
 * rule changes in one place. */
#ifndef ASCC_COUNT_H
#define ASCC_COUNT_H

#include "model.h"

int64_t shape_elems(Shape s);
void counts_add(Counts *sum, const Counts *part);

/* A convolution, MACs by the NeSsi rule: (cin/groups) x cout x kf x kt per output
 * position. has_bias: the conv's own bias, stored as int32. */
void count_conv(Counts *c, int cin, int cout, int kf, int kt, int groups, Shape out,
                int has_bias);

/* A fully connected layer on a flat input of `in` values. */
void count_linear(Counts *c, int in, int out, int has_bias);

/* BN (subbands = 1) or SSN: scale and shift per channel and sub-band. Folded into
 * the preceding conv it leaves only int32 biases (minus the conv's own bias, which
 * it replaces); otherwise it stays an int8 scale with an int32 shift. */
void count_norm(Counts *c, int channels, int subbands, int folded, int conv_had_bias);

#endif
