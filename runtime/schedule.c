/* Learning-rate and drop-rate schedules; see schedule.h. */
#include "schedule.h"

#include <math.h>

#define WARMUP_START_LR 1e-8
#define PI 3.14159265358979323846
#define DROP_STEEPNESS 10.0

double schedule_lr(long step, long warmup_steps, long total_steps, double peak) {
    if (step < warmup_steps)
        return WARMUP_START_LR + (peak - WARMUP_START_LR) * (double)step / (double)warmup_steps;
    long decay_steps = total_steps - warmup_steps;
    if (decay_steps <= 1)
        return peak;
    double progress = (double)(step - warmup_steps) / (double)(decay_steps - 1);
    if (progress > 1)
        progress = 1;
    return peak * 0.5 * (1 + cos(PI * progress));
}

static double logistic(double x) {
    return 1 / (1 + exp(-DROP_STEEPNESS * (x - 0.5)));
}

double schedule_drop_rate(int epoch, int epochs, double r_max) {
    if (epochs <= 1)
        return r_max;
    double x = (double)epoch / (double)(epochs - 1);
    double lo = logistic(0), hi = logistic(1);
    return r_max * (logistic(x) - lo) / (hi - lo);
}
