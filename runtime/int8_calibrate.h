/* Calibration of the internal INT8 grids of a quantisation-aware model.
 *
 * QAT trains a range for every layer output; INT8 inference also stores tensors
 * inside the blocks (chunk sums, paths, attention means and gates, ...) and the
 * input features, each on a grid of its own (AscModelInfo.ngrids). Their ranges are
 * set here, after training: the fake-quantised model runs in inference mode over
 * calibration clips, batch at a time, with the weights and the layer points
 * rounded as in QAT and the internal tensors in float, and each internal range
 * becomes the mean over batches of the batch's minimum and maximum (what the layer
 * points' moving average converges to, without its lag). */
#ifndef ASC_INT8_CALIBRATE_H
#define ASC_INT8_CALIBRATE_H

#include "model_state.h"

/* Calibrates s (which must be quantisation-aware) on the given clips of a feature
 * array (clip c at features + c * clip_size) and sets s->int8_grids. Returns 0
 * when out of memory. *unobserved receives the first internal grid that no
 * clip's forward pass wrote, a bug in the generated model that would leave
 * INT8 inference without that range (s->int8_grids stays 0), or -1. */
int int8_calibrate(model_state *s, const float *features, long clip_size, const long *clips,
                   long n, int batch, int *unobserved);

#endif
