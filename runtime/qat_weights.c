/* Per-channel symmetric int8 fake quantisation of weights; see qat_weights.h. */
#include "qat_weights.h"

#include <math.h>
#include <string.h>

static void quantize_channel(const float *w, float *q, int64_t n) {
    float top = 0;
    for (int64_t i = 0; i < n; i++)
        top = fabsf(w[i]) > top ? fabsf(w[i]) : top;
    if (top == 0) {
        memset(q, 0, sizeof *q * (size_t)n);
        return;
    }
    /* The scale in double: a float top / 127 times 127 misses top by an ulp
     * for about one channel in a hundred, where in double it rounds back to
     * top exactly, so the largest weight survives and every q is the float
     * nearest its grid point k * top / 127. */
    double scale = top / 127.0;
    for (int64_t i = 0; i < n; i++) {
        double v = nearbyint(w[i] / scale);
        v = v > 127 ? 127 : v < -127 ? -127 : v;
        q[i] = (float)(v * scale);
    }
}

void qat_quantize_weights(const AscModelInfo *info, const float *params, float *qparams) {
    memcpy(qparams, params, sizeof *params * (size_t)info->params);
    for (int t = 0; t < info->ntensors; t++) {
        const AscTensorInfo *ti = &info->tensors[t];
        if (ti->kind != ASC_WEIGHT)
            continue;
        int64_t channels = ti->shape[0] > 0 ? ti->shape[0] : 1, per = ti->count / channels;
        for (int64_t c = 0; c < channels; c++)
            quantize_channel(params + ti->offset + c * per, qparams + ti->offset + c * per, per);
    }
}
