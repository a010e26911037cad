/* Random numbers (see rng.h).  Normal by Box-Muller, gamma by Marsaglia and
 * Tsang (with the shape < 1 boost), beta as a ratio of gammas. */
#include "rng.h"

#include <math.h>

#define PI 3.14159265358979323846

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void rng_seed(rng *r, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed ^ (stream * 0xd1342543de82ef95ULL + 0x2545f4914f6cdd1dULL);
    splitmix64(&x);
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t rng_next(rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double rng_uniform(rng *r)
{
    return (double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

double rng_range(rng *r, double lo, double hi)
{
    return lo + (hi - lo) * rng_uniform(r);
}

long rng_below(rng *r, long n)
{
    return (long)(rng_uniform(r) * (double)n);
}

double rng_normal(rng *r)
{
    double u = 1.0 - rng_uniform(r); /* (0, 1]: log is finite */
    double v = rng_uniform(r);
    return sqrt(-2.0 * log(u)) * cos(2.0 * PI * v);
}

float rng_noise(rng *r)
{
    uint64_t x = rng_next(r);
    long sum = (long)(x & 0xffff) + (long)((x >> 16) & 0xffff) +
               (long)((x >> 32) & 0xffff) + (long)(x >> 48);
    /* Four uniforms on 0..65535: mean 131070, variance 4 * (65536^2-1)/12. */
    return (float)((sum - 131070) * (1.0 / 37837.2));
}

double rng_gamma(rng *r, double shape)
{
    if (shape < 1.0) {
        double u = 1.0 - rng_uniform(r);
        return rng_gamma(r, shape + 1.0) * pow(u, 1.0 / shape);
    }
    double d = shape - 1.0 / 3.0, c = 1.0 / sqrt(9.0 * d);
    for (;;) {
        double x = rng_normal(r), v = 1.0 + c * x;
        if (v <= 0.0)
            continue;
        v = v * v * v;
        double u = 1.0 - rng_uniform(r);
        if (log(u) < 0.5 * x * x + d - d * v + d * log(v))
            return d * v;
    }
}

double rng_beta(rng *r, double a, double b)
{
    double x = rng_gamma(r, a), y = rng_gamma(r, b);
    return x + y > 0.0 ? x / (x + y) : 0.5;
}
