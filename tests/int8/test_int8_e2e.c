/* End to end: a float conv + BN + ReLU on random data (on the uint8 grid of
 * its range, as the quantisation point before a layer leaves it in QAT), and
 * the same layer run the way INT8 inference will run it: BN folded into the
 * conv, weights int8 per output channel, int32 bias, requantised with the ReLU
 * as the clamp. The codes match the float result within one output quantum on
 * at least 99 % of the elements, and folding a negative BN scale into the
 * multiplier gives the same codes as folding it into the weights. Then an MFA
 * attention (time mean, two 1x1 convs, ReLU, sigmoid table, broadcast
 * product) the same way. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "check_run.h"
#include "nn_int8.h"
#include "ref_int8.h"

#define CIN 3
#define COUT 8
#define F 24
#define T 16
#define MAXK 5

static double x[CIN * F * T], y[COUT * F * T], w[COUT * CIN * MAXK * MAXK];
static uint8_t qx[CIN * F * T], qy[COUT * F * T], qy_signed[COUT * F * T];
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

/* nn_i8_quantize_multiplier's shift is an int; the kernels read int32_t. */
static void quantize_into(double real, int32_t *mult, int32_t *shift) {
    int sh;
    nn_i8_quantize_multiplier(real, mult, &sh);
    *shift = sh;
}

/* The layer as INT8 inference runs it, BN (fold[o], folded bias[o]) folded
 * into the conv: with sign_in_mult, a negative fold's sign goes into the
 * multiplier (weight codes and bias of |fold|), as the emitter does it;
 * otherwise into the weight codes and bias. */
static void int8_layer(uint8_t *out, const double *fold, const double *bias, int k, int st, int fo,
                       int to, double sx, int32_t zx, double sy, int32_t zy, int sign_in_mult) {
    int kk = CIN * k * k;
    int32_t bq[COUT], mult[COUT], shift[COUT];
    for (int o = 0; o < COUT; o++) {
        double top = 0, sign = sign_in_mult && fold[o] < 0 ? -1 : 1, f = fold[o] * sign;
        for (int i = 0; i < kk; i++)
            top = fmax(top, fabs(w[o * kk + i] * f));
        double sw = top / 127.0;
        for (int i = 0; i < kk; i++)
            qw[o * kk + i] = (int8_t)nearbyint(w[o * kk + i] * f / sw);
        bq[o] = (int32_t)nearbyint(bias[o] * sign / (sx * sw));
        quantize_into(sx * sw / sy, &mult[o], &shift[o]);
        mult[o] = (int32_t)sign * mult[o];
    }
    NnI8Requant rq = {mult, shift, zy, zy, 255, NULL};
    NnI8ConvShape sh = {CIN, COUT, 1, 1, F, T, k, k, st, st, k / 2, k / 2, 1, 1, fo, to};
    if (k == 1)
        nn_i8_conv1x1(out, qx, zx, qw, bq, CIN, COUT, (size_t)F * T, rq);
    else
        nn_i8_conv(out, qx, zx, qw, bq, &sh, rq);
}

/* One layer of kernel k, stride st, padding k / 2: the share of outputs
 * within one quantum of the float result. */
static double run_layer(int k, int st, uint64_t *s) {
    int fo = (F + 2 * (k / 2) - k) / st + 1, to = (T + 2 * (k / 2) - k) / st + 1, kk = CIN * k * k;
    double gamma[COUT], beta[COUT], mean[COUT], var[COUT], bias[COUT], fold[COUT];
    double sx, sy;
    int32_t zx, zy;
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
    for (int o = 0; o < COUT; o++)
        fold[o] = gamma[o] / sqrt(var[o] + 1e-5);
    int8_layer(qy, fold, bias, k, st, fo, to, sx, zx, sy, zy, 0);
    /* nearbyint is odd, so the codes and bias of |fold| are those of fold negated */
    int8_layer(qy_signed, fold, bias, k, st, fo, to, sx, zx, sy, zy, 1);
    int within = 0, n = COUT * fo * to;
    ck_assert(!memcmp(qy, qy_signed, (size_t)n));
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

/* x on a grid, as QAT's fake quantisation leaves it. */
static double fake_quant(double v, double scale, int32_t zp) {
    double q = nearbyint(v / scale) + zp;
    return ((q < 0 ? 0 : q > 255 ? 255 : q) - zp) * scale;
}

#define CC 10 /* an MFA chunk's channels */
#define HID 6 /* its attention's hidden width */

/* One MFA attention, y * sigmoid(W2 relu(W1 mean_t(y) + b1) + b2) broadcast
 * over time, in float with a quantisation point after every step (pass 1
 * observes the ranges, pass 2 rounds to them, as QAT would), and on codes:
 * the share of outputs within one output quantum. */
static double run_attention(uint64_t *s) {
    static double yv[CC * F * T], out[CC * F * T];
    double w1[HID * CC], w2[CC * HID], b1[HID], b2[CC], sv[CC * F], h[HID * F], z[CC * F];
    double a[CC * F], sy, sh = 0, sz = 0, so = 0;
    int32_t zy, zh = 0, zz = 0, zo = 0;
    static uint8_t qyv[CC * F * T], qs[CC * F], qh[HID * F], qz[CC * F], qa[CC * F], qo[CC * F * T];
    grid(-1, 3, &sy, &zy);
    for (int i = 0; i < CC * F * T; i++) {
        qyv[i] = (uint8_t)ref_int(s, 0, 255);
        yv[i] = (qyv[i] - zy) * sy;
    }
    for (int i = 0; i < HID * CC; i++) {
        w1[i] = ref_uniform(s, -1, 1) / sqrt(CC);
        w2[i] = ref_uniform(s, -2, 2) / sqrt(HID);
    }
    for (int o = 0; o < HID; o++) {
        qat_round(w1 + o * CC, CC);
        b1[o] = ref_uniform(s, -0.3, 0.3);
    }
    for (int c = 0; c < CC; c++) {
        qat_round(w2 + c * HID, HID);
        b2[c] = ref_uniform(s, -0.5, 0.5);
    }
    for (int pass = 0; pass < 2; pass++) {
        double hlo = 0, hhi = 0, zlo = 0, zhi = 0, olo = 0, ohi = 0;
        for (int c = 0; c < CC; c++)
            for (int f = 0; f < F; f++) {
                double sum = 0;
                for (int t = 0; t < T; t++)
                    sum += yv[(c * F + f) * T + t];
                sv[c * F + f] = fake_quant(sum / T, sy, zy); /* the mean keeps y's grid */
            }
        for (int o = 0; o < HID; o++)
            for (int f = 0; f < F; f++) {
                double v = b1[o];
                for (int c = 0; c < CC; c++)
                    v += w1[o * CC + c] * sv[c * F + f];
                v = v > 0 ? v : 0;
                hhi = fmax(hhi, v);
                h[o * F + f] = pass ? fake_quant(v, sh, zh) : v;
            }
        for (int c = 0; c < CC; c++)
            for (int f = 0; f < F; f++) {
                double v = b2[c];
                for (int o = 0; o < HID; o++)
                    v += w2[c * HID + o] * h[o * F + f];
                zlo = fmin(zlo, v);
                zhi = fmax(zhi, v);
                z[c * F + f] = pass ? fake_quant(v, sz, zz) : v;
                a[c * F + f] = pass ? fake_quant(1 / (1 + exp(-z[c * F + f])), 1.0 / 255, 0)
                                    : 1 / (1 + exp(-v));
                for (int t = 0; t < T; t++) {
                    double ov = yv[(c * F + f) * T + t] * a[c * F + f];
                    olo = fmin(olo, ov);
                    ohi = fmax(ohi, ov);
                    out[(c * F + f) * T + t] = pass ? fake_quant(ov, so, zo) : ov;
                }
            }
        if (!pass) {
            grid(hlo, hhi, &sh, &zh);
            grid(zlo, zhi, &sz, &zz);
            grid(olo, ohi, &so, &zo);
        }
    }
    /* int8 */
    int8_t q1[HID * CC], q2[CC * HID];
    int32_t bq1[HID], bq2[CC], m1[HID], m2[CC], sh1[HID], sh2[CC];
    for (int o = 0; o < HID; o++) {
        double top = 0;
        for (int c = 0; c < CC; c++)
            top = fmax(top, fabs(w1[o * CC + c]));
        for (int c = 0; c < CC; c++)
            q1[o * CC + c] = (int8_t)nearbyint(w1[o * CC + c] / (top / 127));
        bq1[o] = (int32_t)nearbyint(b1[o] / (sy * top / 127));
        quantize_into(sy * top / 127 / sh, &m1[o], &sh1[o]);
    }
    for (int c = 0; c < CC; c++) {
        double top = 0;
        for (int o = 0; o < HID; o++)
            top = fmax(top, fabs(w2[c * HID + o]));
        for (int o = 0; o < HID; o++)
            q2[c * HID + o] = (int8_t)nearbyint(w2[c * HID + o] / (top / 127));
        bq2[c] = (int32_t)nearbyint(b2[c] / (sh * top / 127));
        quantize_into(sh * top / 127 / sz, &m2[c], &sh2[c]);
    }
    uint8_t lut[256];
    NnI8Mul mul;
    nn_i8_mean_t(qs, qyv, CC, F, T);
    nn_i8_conv1x1(qh, qs, zy, q1, bq1, CC, HID, F, (NnI8Requant){m1, sh1, zh, zh, 255, NULL});
    nn_i8_conv1x1(qz, qh, zh, q2, bq2, HID, CC, F, (NnI8Requant){m2, sh2, zz, 0, 255, NULL});
    nn_i8_lut_build(lut, nn_i8_sigmoid, sz, zz, 1.0 / 255, 0, 0, 255);
    nn_i8_lut_apply(qa, qz, CC * F, lut);
    nn_i8_mul_params(&mul, sy, zy, 1.0 / 255, 0, so, zo, 0, 255);
    nn_i8_mul_bcast(qo, qyv, qa, CC, F, T, NN_I8_BCAST_T, &mul);
    int within = 0;
    for (int i = 0; i < CC * F * T; i++)
        within += fabs((qo[i] - zo) * so - out[i]) <= so * (1 + 1e-9);
    return (double)within / (CC * F * T);
}

START_TEST(mfa_attention) {
    uint64_t s = 32;
    for (int rep = 0; rep < 20; rep++) {
        double share = run_attention(&s);
        ck_assert_msg(share >= 0.99, "%.4f", share);
    }
}
END_TEST

int main(void) {
    Suite *suite = suite_create("int8_e2e");
    TCase *tc = tcase_create("e2e");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, conv_bn_relu);
    tcase_add_test(tc, mfa_attention);
    suite_add_tcase(suite, tc);
    return check_run(suite);
}
