/* End to end: a float conv + BN + ReLU on random data (on the uint8 grid of
 * its range, as the quantisation point before a layer leaves it in QAT), and
 * the same layer run the way INT8 inference will run it: BN folded into the
 * conv, weights int8 per output channel, int32 bias, requantised with the ReLU
 * as the clamp. The codes match the float result within one output quantum on
 * at least 99 % of the elements. */
#include <check.h>
#include <math.h>
#include <stdint.h>

#include "check_run.h"
#include "nn_int8.h"
#include "ref_int8.h"

#define CIN 3
#define COUT 8
#define F 24
#define T 16
#define MAXK 5

static double x[CIN * F * T], y[COUT * F * T], w[COUT * CIN * MAXK * MAXK];
static uint8_t qx[CIN * F * T], qy[COUT * F * T];
static int8_t qw[COUT * CIN * MAXK * MAXK];

/* The uint8 grid of a range, as nn_quant.h builds it in QAT. */
static void grid(double lo, double hi, double *scale, int32_t *zp) {
    lo = lo < 0 ? lo : 0;
    hi = hi > 0 ? hi : 0;
    *scale = (hi - lo) / 255;
    double z = nearbyint(-lo / *scale);
    *zp = (int32_t)(z < 0 ? 0 : z > 255 ? 255 : z);
}

/* What runtime/qat_weights.c hands the float model: each output channel's
 * weights on the symmetric grid max|w| / 127. Folding BN scales a channel by
 * one factor, so the folded weights land on the folded grid again (up to
 * double rounding) and the int8 weights carry no further error. */
static void qat_round(double *wc, int n) {
    double top = 0;
    for (int i = 0; i < n; i++)
        top = fmax(top, fabs(wc[i]));
    for (int i = 0; i < n; i++)
        wc[i] = nearbyint(wc[i] / (top / 127)) * (top / 127);
}

/* One layer of kernel k, stride st, padding k / 2: the share of outputs
 * within one quantum of the float result. */
static double run_layer(int k, int st, uint64_t *s) {
    int fo = (F + 2 * (k / 2) - k) / st + 1, to = (T + 2 * (k / 2) - k) / st + 1, kk = CIN * k * k;
    double gamma[COUT], beta[COUT], mean[COUT], var[COUT], bias[COUT];
    double sx, sy;
    int32_t zx, zy, bq[COUT], mult[COUT];
    int shift[COUT];
    grid(-1.5, 2.5, &sx, &zx);
    for (int i = 0; i < CIN * F * T; i++) { /* on its grid, as QAT's previous point leaves it */
        qx[i] = (uint8_t)ref_int(s, 0, 255);
        x[i] = (qx[i] - zx) * sx;
    }
    for (int i = 0; i < COUT * kk; i++)
        w[i] = ref_uniform(s, -1, 1) / sqrt(kk);
    for (int o = 0; o < COUT; o++) /* QAT's weights: rounded per output channel */
        qat_round(w + o * kk, kk);
    for (int o = 0; o < COUT; o++) {
        gamma[o] = ref_uniform(s, 0.5, 1.5) * (o == 3 ? -1 : 1);
        beta[o] = ref_uniform(s, -0.3, 0.3);
        mean[o] = ref_uniform(s, -0.2, 0.2);
        var[o] = ref_uniform(s, 0.3, 1.5);
        bias[o] = beta[o] - mean[o] * gamma[o] / sqrt(var[o] + 1e-5);
    }
    /* float: conv, BN (running statistics), ReLU */
    double hi = 0;
    for (int o = 0; o < COUT; o++)
        for (int a = 0; a < fo; a++)
            for (int b = 0; b < to; b++) {
                double acc = 0;
                for (int c = 0; c < CIN; c++)
                    for (int i = 0; i < k; i++)
                        for (int j = 0; j < k; j++) {
                            int fi = a * st + i - k / 2, ti = b * st + j - k / 2;
                            if (fi >= 0 && fi < F && ti >= 0 && ti < T)
                                acc +=
                                    w[((o * CIN + c) * k + i) * k + j] * x[(c * F + fi) * T + ti];
                        }
                double v = (acc - mean[o]) / sqrt(var[o] + 1e-5) * gamma[o] + beta[o];
                y[(o * fo + a) * to + b] = v > 0 ? v : 0;
                hi = fmax(hi, y[(o * fo + a) * to + b]);
            }
    /* int8: grids from the observed ranges, BN folded, per-channel weights */
    grid(0, hi, &sy, &zy);
    for (int o = 0; o < COUT; o++) {
        double fold = gamma[o] / sqrt(var[o] + 1e-5), top = 0;
        for (int i = 0; i < kk; i++)
            top = fmax(top, fabs(w[o * kk + i] * fold));
        double sw = top / 127.0;
        for (int i = 0; i < kk; i++)
            qw[o * kk + i] = (int8_t)nearbyint(w[o * kk + i] * fold / sw);
        bq[o] = (int32_t)nearbyint(bias[o] / (sx * sw));
        nn_i8_quantize_multiplier(sx * sw / sy, &mult[o], &shift[o]);
    }
    NnI8Requant rq = {mult, shift, zy, zy, 255};
    NnI8ConvShape sh = {CIN, COUT, 1, 1, F, T, k, k, st, st, k / 2, k / 2, 1, 1, fo, to};
    if (k == 1)
        nn_i8_conv1x1(qy, qx, zx, qw, bq, CIN, COUT, (size_t)F * T, rq);
    else
        nn_i8_conv(qy, qx, zx, qw, bq, &sh, rq);
    int within = 0, n = COUT * fo * to;
    for (int i = 0; i < n; i++)
        within += fabs((qy[i] - zy) * sy - y[i]) <= sy;
    return (double)within / n;
}

START_TEST(conv_bn_relu) {
    uint64_t s = 31;
    for (int rep = 0; rep < 20; rep++) {
        double stem = run_layer(5, 2, &s), dense = run_layer(3, 1, &s), point = run_layer(1, 1, &s);
        ck_assert_msg(stem >= 0.99 && dense >= 0.99 && point >= 0.99, "%.4f %.4f %.4f", stem, dense,
                      point);
    }
}
END_TEST

int main(void) {
    Suite *suite = suite_create("int8_e2e");
    TCase *tc = tcase_create("e2e");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, conv_bn_relu);
    suite_add_tcase(suite, tc);
    return check_run(suite);
}
