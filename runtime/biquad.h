/* Second-order IIR filters (the RBJ audio-EQ cookbook shapes), used by the
 * synthetic data set for scene colouring and device frequency responses. */
#ifndef ASC_BIQUAD_H
#define ASC_BIQUAD_H

typedef struct {
    double b0, b1, b2, a1, a2; /* normalised so a0 = 1 */
    double z1, z2;             /* transposed direct form II state */
} biquad;

typedef enum {
    BIQUAD_LOWPASS,
    BIQUAD_HIGHPASS,
    BIQUAD_BANDPASS,  /* 0 dB at the centre */
    BIQUAD_PEAK,
    BIQUAD_LOWSHELF,  /* shelf slope 1 */
    BIQUAD_HIGHSHELF
} biquad_kind;

/* fc in Hz at sample rate fs; gain_db only for PEAK and the shelves. */
void biquad_init(biquad *f, biquad_kind kind, double fs, double fc, double q,
                 double gain_db);

/* Filters x in place. */
void biquad_run(biquad *f, float *x, long n);

/* Magnitude response in dB at frequency hz. */
double biquad_response_db(const biquad *f, double fs, double hz);

#endif
