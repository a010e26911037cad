/* The runtime's own deterministic random numbers (xoshiro256**, seeded
 * through splitmix64), passed explicitly so results depend only on seeds,
 * never on thread scheduling or the C library. */
#ifndef ASC_RNG_H
#define ASC_RNG_H

#include <stdint.h>

typedef struct {
    uint64_t s[4];
} rng;

/* Seeds from one number; distinct (seed, stream) pairs give independent
 * generators, e.g. one per clip. */
void rng_seed(rng *r, uint64_t seed, uint64_t stream);

uint64_t rng_next(rng *r);
double rng_uniform(rng *r);            /* [0, 1) */
double rng_range(rng *r, double lo, double hi);
long rng_below(rng *r, long n);        /* 0 .. n-1 */
double rng_normal(rng *r);             /* standard normal */

/* Zero mean, unit variance, near-normal (sum of four 16-bit uniforms): for
 * noise signals, where rng_normal's log and cos per sample cost too much. */
float rng_noise(rng *r);
double rng_gamma(rng *r, double shape);
double rng_beta(rng *r, double a, double b);

#endif
