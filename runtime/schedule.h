/* The schedules of the paper's recipe: the pre-training learning rate (linear
 * warm-up, then cosine annealing to zero) and the fine-tuning drop rate of
 * device-A examples (a sigmoid rising from 0 to r_max over the epochs). */
#ifndef ASC_SCHEDULE_H
#define ASC_SCHEDULE_H

/* Learning rate at step (0-based) of total_steps: from 1e-8 rising linearly to
 * peak over warmup_steps, then peak * (1 + cos(pi * progress)) / 2 down to 0 at
 * the last step. warmup_steps may be 0. */
double schedule_lr(long step, long warmup_steps, long total_steps, double peak);

/* Drop probability in epoch e (0-based) of epochs: r_max * S(e) where S is the
 * logistic curve 1 / (1 + exp(-10 (e / (epochs - 1) - 0.5))) shifted and scaled
 * so that S(0) = 0 and S(epochs - 1) = 1. One epoch: r_max. */
double schedule_drop_rate(int epoch, int epochs, double r_max);

#endif
