/* relu, swish and sigmoid: element-wise, no parameters, no MACs. In INT8 relu is a
 * clamp; swish and sigmoid are 256-entry lookup tables. */
#include "ops.h"

const OpDesc op_relu = {
    .name = "relu",
    .summary = "max(x, 0)",
    .infer = op_same_shape,
    .count = op_count_output,
};

const OpDesc op_swish = {
    .name = "swish",
    .summary = "x * sigmoid(x)",
    .infer = op_same_shape,
    .count = op_count_output,
};

const OpDesc op_sigmoid = {
    .name = "sigmoid",
    .summary = "1 / (1 + exp(-x))",
    .infer = op_same_shape,
    .count = op_count_output,
};
