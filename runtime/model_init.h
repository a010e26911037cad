/* Fresh parameters and statistics for a generated model, the way PyTorch
 * initialises the same layers: conv and linear weights and biases uniform in
 * +-1/sqrt(fan_in), norm scales 1 and shifts 0, running means 0 and variances 1. */
#ifndef ASC_MODEL_INIT_H
#define ASC_MODEL_INIT_H

#include <stdint.h>

#include "asc_model.h"

void asc_init_params(const AscModelInfo *info, float *params, uint64_t seed);
void asc_init_stats(const AscModelInfo *info, float *stats);

/* Re-initialises only the classifier's tensors (fine-tuning starts from a fresh one). */
void asc_init_classifier(const AscModelInfo *info, float *params, uint64_t seed);

#endif
