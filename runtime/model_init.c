/* Parameter initialisation; see model_init.h. */
#include "model_init.h"

#include <math.h>

#include "rng.h"

static void init_tensor(const AscTensorInfo *t, float *params, rng *r) {
    float *p = params + t->offset;
    double bound = t->fan_in > 0 ? 1 / sqrt((double)t->fan_in) : 0;
    for (int64_t k = 0; k < t->count; k++) {
        switch (t->kind) {
        case ASC_NORM_SCALE: p[k] = 1; break;
        case ASC_NORM_SHIFT: p[k] = 0; break;
        default: p[k] = (float)rng_range(r, -bound, bound); break;
        }
    }
}

void asc_init_params(const AscModelInfo *info, float *params, uint64_t seed) {
    for (int i = 0; i < info->ntensors; i++) {
        rng r;
        rng_seed(&r, seed, (uint64_t)i); /* one stream per tensor: stable under edits elsewhere */
        init_tensor(&info->tensors[i], params, &r);
    }
}

void asc_init_classifier(const AscModelInfo *info, float *params, uint64_t seed) {
    for (int i = 0; i < info->ntensors; i++) {
        if (!info->tensors[i].classifier)
            continue;
        rng r;
        rng_seed(&r, seed, (uint64_t)i);
        init_tensor(&info->tensors[i], params, &r);
    }
}

void asc_init_stats(const AscModelInfo *info, float *stats) {
    for (int i = 0; i < info->nnorms; i++) {
        const AscStatsInfo *n = &info->norms[i];
        for (int k = 0; k < n->groups; k++) {
            stats[n->offset + k] = 0;
            stats[n->offset + n->groups + k] = 1;
        }
    }
}
