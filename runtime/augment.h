/* Training-time augmentation of feature batches (paper section 2.2):
 * time roll with wrap-around, SpecAugment masks and mixup with soft labels.
 * Batches are N x 1 x F x T floats (band-major per sample, as logmel.h
 * writes them); every random choice comes from the rng passed in. */
#ifndef ASC_AUGMENT_H
#define ASC_AUGMENT_H

#include "rng.h"

typedef struct {
    int roll_max;                  /* frames either way (16 = 0.5 s) */
    int freq_masks, freq_max;      /* masks of 0..freq_max bands */
    int time_masks, time_max;      /* masks of 0..time_max frames */
    double mask_p;                 /* each mask applied with this probability */
    float mask_value;
    double mixup_alpha;            /* lambda ~ Beta(alpha, alpha); 0: off */
} augment_config;

/* The paper's settings: roll 16, 2 x 40 bands, 2 x 4 frames, p 0.8, mask
 * value 0, mixup alpha 0.3. */
augment_config augment_defaults(void);

/* One mask: with probability p a width uniform in 0..max and a start
 * uniform over the positions where it fits; otherwise width 0. */
void augment_draw_mask(rng *r, int max, int size, double p, int *start,
                       int *width);

/* Rolls each sample along time by its own shift, uniform in
 * -max_shift..max_shift; frames pushed out re-enter on the other side.
 * shifts (n ints) receives the shifts if non-NULL. */
void augment_roll(float *x, int n, int bands, int frames, int max_shift,
                  rng *r, int *shifts);

void augment_specaugment(float *x, int n, int bands, int frames,
                         const augment_config *c, rng *r);

/* Mixes each sample i with sample perm(i) of a random permutation:
 * x_i = l_i x_i + (1 - l_i) x_perm(i), y likewise (y: n x classes, soft
 * labels, so each row still sums to 1), l_i ~ Beta(alpha, alpha).
 * scratch: n * (size + classes) floats.  lambdas (n) and partners (n) are
 * filled if non-NULL. */
void augment_mixup(float *x, float *y, int n, int size, int classes,
                   double alpha, rng *r, float *scratch, float *lambdas,
                   int *partners);

/* All of the above in the paper's order: roll, SpecAugment, mixup. */
void augment_batch(float *x, float *y, int n, int bands, int frames,
                   int classes, const augment_config *c, rng *r,
                   float *scratch);

#endif
