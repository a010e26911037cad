/* The random generator of dropout (and of initialisation in the runtime):
 * splitmix64, small, fast and identical on every platform. */
#ifndef NN_RNG_H
#define NN_RNG_H

#include <stdint.h>

typedef struct NnRng {
    uint64_t state;
} NnRng;

static inline uint64_t nn_rng_next(NnRng *r) {
    uint64_t z = (r->state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Uniform in [0, 1), 53 bits. */
static inline double nn_rng_uniform(NnRng *r) { return (double)(nn_rng_next(r) >> 11) * 0x1.0p-53; }

#endif
