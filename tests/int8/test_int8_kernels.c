/* The INT8 kernels of runtime/nn/nn_int8_conv.h and nn_int8_ops.h against
 * naive references written here (int64 accumulators over explicitly padded
 * inputs, exact rounded means, TFLite's ADD/MUL formulas on ref_int8.h's
 * arithmetic, long double for the tables): bit for bit on random shapes,
 * zero points 0 and 255, extreme weights, multipliers (negative ones too,
 * where a folded norm's sign goes) and biases. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "check_run.h"
#include "nn_int8.h"
#include "ref_int8.h"

#define MAXV 65536
#define MAXC 48

static uint8_t x_buf[MAXV], u_buf[MAXV], y_buf[MAXV], r_buf[MAXV];
static int8_t w_buf[MAXV];
static int32_t bias_buf[MAXC], mult_buf[MAXC];
static int32_t shift_buf[MAXC], offset_buf[MAXC];

/* nn_i8_quantize_multiplier's shift is an int; the kernels read int32_t. */
static void quantize_into(double real, int32_t *mult, int32_t *shift) {
    int sh;
    nn_i8_quantize_multiplier(real, mult, &sh);
    *shift = sh;
}

static int32_t random_zp(uint64_t *s) {
    int64_t k = ref_int(s, 0, 3);
    return k == 0 ? 0 : k == 1 ? 255 : (int32_t)ref_int(s, 0, 255);
}

static void random_codes(uint8_t *x, size_t n, uint64_t *s) {
    for (size_t i = 0; i < n; i++)
        x[i] = (uint8_t)ref_int(s, 0, 255);
}

static void random_weights(int8_t *w, size_t n, uint64_t *s) {
    for (size_t i = 0; i < n; i++)
        w[i] =
            ref_next(s) % 10 == 0 ? (ref_next(s) % 2 ? 127 : -127) : (int8_t)ref_int(s, -127, 127);
}

/* A random grid's scale, over four decades (random_zp gives its zero point). */
static double random_scale(uint64_t *s) { return pow(10, ref_uniform(s, -3.5, 0.5)); }

/* Per-channel multipliers around 1 / (the accumulator's spread), plus
 * extremes (the smallest representable, near one, above one), a third of
 * them negative (a folded norm's negative scale); biases of either sign, a
 * few huge; offsets (a bias's fraction of an accumulator unit times the
 * multiplier, |offset| <= 2^30) or none. */
static NnI8Requant random_requant(int channels, double spread, int relu, uint64_t *s) {
    for (int c = 0; c < channels; c++) {
        double real = ref_uniform(s, 20, 400) / spread;
        int64_t k = ref_int(s, 0, 19);
        real = k == 0 ? ldexp(1, -31) : k == 1 ? 0.999999 : k == 2 ? 3.0 : real;
        quantize_into(real, &mult_buf[c], &shift_buf[c]);
        if (ref_next(s) % 3 == 0)
            mult_buf[c] = -mult_buf[c];
        bias_buf[c] = ref_next(s) % 16 == 0
                          ? (int32_t)ref_int(s, -(1 << 28), 1 << 28)
                          : (int32_t)ref_int(s, -(int64_t)spread, (int64_t)spread);
    }
    for (int c = 0; c < channels; c++)
        offset_buf[c] = (int32_t)ref_int(s, -(1 << 30), 1 << 30);
    int32_t zp = random_zp(s);
    NnI8Requant rq = {mult_buf, shift_buf, zp, relu ? zp : 0, 255, NULL};
    if (ref_next(s) % 4 != 0)
        rq.offset = offset_buf;
    return rq;
}

/* A conv over an explicitly padded input; with subbands > 1 (depthwise
 * convs with a folded SubSpectral Norm) the bias and multiplier of output
 * channel o and row a are those of group o * subbands + a / (fo / subbands). */
static void ref_conv(uint8_t *y, const uint8_t *x, int32_t zp, const int8_t *w, const int32_t *bias,
                     const NnI8ConvShape *s, const NnI8Requant *rq, int subbands) {
    int cin_g = s->cin / s->groups, cout_g = s->cout / s->groups;
    for (int o = 0; o < s->cout; o++)
        for (int n = 0; n < s->n; n++)
            for (int a = 0; a < s->fo; a++)
                for (int b = 0; b < s->to; b++) {
                    int g = o * subbands + a * subbands / s->fo;
                    int64_t acc = bias ? bias[g] : 0;
                    for (int ci = 0; ci < cin_g; ci++)
                        for (int i = 0; i < s->kf; i++)
                            for (int j = 0; j < s->kt; j++) {
                                int c = o / cout_g * cin_g + ci;
                                int fi = a * s->sf - s->pf + i * s->df;
                                int ti = b * s->st - s->pt + j * s->dt;
                                int inside = fi >= 0 && fi < s->f && ti >= 0 && ti < s->t;
                                int32_t v =
                                    inside ? x[((c * s->n + n) * s->f + fi) * s->t + ti] : zp;
                                acc += (int64_t)w[((o * cin_g + ci) * s->kf + i) * s->kt + j] *
                                       (v - zp);
                            }
                    y[((o * s->n + n) * s->fo + a) * s->to + b] = (uint8_t)ref_requantize_offset(
                        acc, rq->mult[g], rq->offset ? rq->offset[g] : 0, rq->shift[g],
                        rq->zero_point, rq->lo, rq->hi);
                }
}

static size_t conv_out_size(const NnI8ConvShape *s) {
    return (size_t)s->cout * s->n * s->fo * s->to;
}

static void finish_shape(NnI8ConvShape *s) {
    s->fo = (s->f + 2 * s->pf - s->df * (s->kf - 1) - 1) / s->sf + 1;
    s->to = (s->t + 2 * s->pt - s->dt * (s->kt - 1) - 1) / s->st + 1;
    ck_assert_int_eq(s->fo, nn_i8_conv_out(s->f, s->kf, s->sf, s->pf, s->df));
}

START_TEST(conv1x1_and_linear) {
    uint64_t s = 11;
    for (int rep = 0; rep < 300; rep++) {
        int cin = (int)ref_int(&s, 1, 40), cout = (int)ref_int(&s, 1, 24);
        size_t m = (size_t)ref_int(&s, 1, 300);
        if (rep % 25 == 0) { /* too many channels to pad a partial block or gather columns */
            cin = (int)ref_int(&s, 129, 1200);
            cout = (int)ref_int(&s, 1, 6);
            m = (size_t)ref_int(&s, 1, 30);
        }
        int32_t zx = random_zp(&s);
        random_codes(x_buf, (size_t)cin * m, &s);
        random_weights(w_buf, (size_t)cin * cout, &s);
        NnI8Requant rq = random_requant(cout, 60.0 * 127 * sqrt(cin), rep % 2, &s);
        NnI8ConvShape sh = {cin, cout, 1, 1, 1, (int)m, 1, 1, 1, 1, 0, 0, 1, 1, 1, (int)m};
        const int32_t *bias = rep % 7 ? bias_buf : NULL;
        ref_conv(r_buf, x_buf, zx, w_buf, bias, &sh, &rq, 1);
        if (rep % 3 == 0)
            nn_i8_linear(y_buf, x_buf, zx, w_buf, bias, cin, cout, (int)m, rq);
        else
            nn_i8_conv1x1(y_buf, x_buf, zx, w_buf, bias, cin, cout, m, rq);
        ck_assert_msg(!memcmp(y_buf, r_buf, (size_t)cout * m), "rep %d", rep);
    }
}
END_TEST

static void check_conv(NnI8ConvShape sh, int depthwise, uint64_t *s) {
    finish_shape(&sh);
    int32_t zx = random_zp(s);
    random_codes(x_buf, (size_t)sh.cin * sh.n * sh.f * sh.t, s);
    random_weights(w_buf, (size_t)sh.cout * sh.cin / sh.groups * sh.kf * sh.kt, s);
    NnI8Requant rq = random_requant(sh.cout, 60.0 * 127 * sqrt(sh.kf * sh.kt * sh.cin / sh.groups),
                                    (int)(ref_next(s) % 2), s);
    ref_conv(r_buf, x_buf, zx, w_buf, bias_buf, &sh, &rq, 1);
    if (depthwise)
        nn_i8_dwconv(y_buf, x_buf, zx, w_buf, bias_buf, &sh, rq);
    else
        nn_i8_conv(y_buf, x_buf, zx, w_buf, bias_buf, &sh, rq);
    ck_assert_msg(!memcmp(y_buf, r_buf, conv_out_size(&sh)), "%dx%d s%d,%d p%d,%d d%d,%d g%d",
                  sh.kf, sh.kt, sh.sf, sh.st, sh.pf, sh.pt, sh.df, sh.dt, sh.groups);
}

START_TEST(conv_general) {
    uint64_t s = 12;
    /* the stem: 1 -> 8 channels, 5x5, stride 2, same padding, two clips */
    check_conv((NnI8ConvShape){1, 8, 1, 2, 32, 16, 5, 5, 2, 2, 2, 2, 1, 1, 0, 0}, 0, &s);
    for (int rep = 0; rep < 200; rep++) {
        int groups = (int)ref_int(&s, 1, 3);
        NnI8ConvShape sh = {groups * (int)ref_int(&s, 1, 3),
                            groups * (int)ref_int(&s, 1, 3),
                            groups,
                            (int)ref_int(&s, 1, 2),
                            (int)ref_int(&s, 1, 12),
                            (int)ref_int(&s, 1, 12),
                            (int)ref_int(&s, 1, 5),
                            (int)ref_int(&s, 1, 5),
                            (int)ref_int(&s, 1, 3),
                            (int)ref_int(&s, 1, 3),
                            (int)ref_int(&s, 0, 3),
                            (int)ref_int(&s, 0, 3),
                            (int)ref_int(&s, 1, 2),
                            (int)ref_int(&s, 1, 2),
                            0,
                            0};
        if (sh.f + 2 * sh.pf < sh.df * (sh.kf - 1) + 1 ||
            sh.t + 2 * sh.pt < sh.dt * (sh.kt - 1) + 1)
            continue; /* no output */
        check_conv(sh, 0, &s);
    }
}
END_TEST

START_TEST(dwconv) {
    uint64_t s = 13;
    /* the blocks' forms: 3x1 frequency, 1x3 time, 1x3 time dilated 2, MFA's 3x3 */
    static const int forms[][6] = {
        {3, 1, 1, 0, 1, 1}, {1, 3, 0, 1, 1, 1}, {1, 3, 0, 2, 1, 2}, {3, 3, 1, 1, 1, 1}};
    for (int rep = 0; rep < 200; rep++) {
        int c = (int)ref_int(&s, 1, 6);
        NnI8ConvShape sh = {c,
                            c,
                            c,
                            (int)ref_int(&s, 1, 2),
                            (int)ref_int(&s, 1, 20),
                            (int)ref_int(&s, 1, 20),
                            0,
                            0,
                            1,
                            1,
                            0,
                            0,
                            1,
                            1,
                            0,
                            0};
        if (rep < 100) {
            const int *fm = forms[rep % 4];
            sh.kf = fm[0], sh.kt = fm[1], sh.pf = fm[2], sh.pt = fm[3], sh.df = fm[4],
            sh.dt = fm[5];
        } else {
            sh.kf = (int)ref_int(&s, 1, 4), sh.kt = (int)ref_int(&s, 1, 4);
            sh.sf = (int)ref_int(&s, 1, 3), sh.st = (int)ref_int(&s, 1, 3);
            sh.pf = (int)ref_int(&s, 0, 3), sh.pt = (int)ref_int(&s, 0, 3);
            sh.df = (int)ref_int(&s, 1, 3), sh.dt = (int)ref_int(&s, 1, 3);
        }
        if (sh.f + 2 * sh.pf < sh.df * (sh.kf - 1) + 1 ||
            sh.t + 2 * sh.pt < sh.dt * (sh.kt - 1) + 1)
            continue;
        check_conv(sh, 1, &s);
    }
}
END_TEST

/* A random depthwise shape; f and t grow until the kernel fits, then f until
 * fo is a multiple of subbands. */
static void random_dw_shape(NnI8ConvShape *sh, int subbands, uint64_t *s) {
    int c = (int)ref_int(s, 1, 6);
    *sh = (NnI8ConvShape){c, c, c, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 0, 0};
    /* one statement each: the order of an initializer list's side effects is unspecified */
    sh->n = (int)ref_int(s, 1, 2);
    sh->f = (int)ref_int(s, 1, 24);
    sh->t = (int)ref_int(s, 1, 16);
    sh->kf = (int)ref_int(s, 1, 4);
    sh->kt = (int)ref_int(s, 1, 4);
    sh->sf = (int)ref_int(s, 1, 3);
    sh->st = (int)ref_int(s, 1, 3);
    sh->pf = (int)ref_int(s, 0, 3);
    sh->pt = (int)ref_int(s, 0, 3);
    sh->df = (int)ref_int(s, 1, 3);
    sh->dt = (int)ref_int(s, 1, 3);
    while (sh->t + 2 * sh->pt < sh->dt * (sh->kt - 1) + 1)
        sh->t++;
    while (sh->f + 2 * sh->pf < sh->df * (sh->kf - 1) + 1)
        sh->f++;
    finish_shape(sh);
    while (sh->fo % subbands) {
        sh->f++;
        finish_shape(sh);
    }
}

START_TEST(dwconv_ssn) {
    uint64_t s = 21;
    static const int subbands[] = {1, 2, 4, 5};
    for (int rep = 0; rep < 800; rep++) {
        int sub = subbands[rep % 4];
        NnI8ConvShape sh;
        random_dw_shape(&sh, sub, &s);
        int32_t zx = random_zp(&s);
        random_codes(x_buf, (size_t)sh.cin * sh.n * sh.f * sh.t, &s);
        random_weights(w_buf, (size_t)sh.cout * sh.kf * sh.kt, &s);
        NnI8Requant rq = random_requant(sh.cout * sub, 60.0 * 127 * sqrt(sh.kf * sh.kt),
                                        (int)(ref_next(&s) % 2), &s);
        const int32_t *bias = rep % 5 ? bias_buf : NULL;
        ref_conv(r_buf, x_buf, zx, w_buf, bias, &sh, &rq, sub);
        if (rep % 3 == 0) /* channel by channel, in reverse: each writes only its own */
            for (int ch = sh.cout - 1; ch >= 0; ch--)
                nn_i8_dwconv_ssn_channel(ch, y_buf, x_buf, zx, w_buf, bias, &sh, rq, sub);
        else if (sub == 1 && rep % 3 == 1)
            nn_i8_dwconv(y_buf, x_buf, zx, w_buf, bias, &sh, rq);
        else
            nn_i8_dwconv_ssn(y_buf, x_buf, zx, w_buf, bias, &sh, rq, sub);
        ck_assert_msg(!memcmp(y_buf, r_buf, conv_out_size(&sh)),
                      "rep %d: %dx%d s%d,%d p%d,%d d%d,%d fo %d subbands %d", rep, sh.kf, sh.kt,
                      sh.sf, sh.st, sh.pf, sh.pt, sh.df, sh.dt, sh.fo, sub);
    }
}
END_TEST

/* Long rows, so that a plane takes several blocks of output rows (a few rows
 * each) or none fits (rows past NN_I8_DW_ACC values: value by value), sub-band
 * boundaries inside and across blocks, strides 1 and 2. */
START_TEST(dwconv_blocks) {
    uint64_t s = 27;
    static const int widths[] = {300, 700, 1500, 2100};
    static const int subbands[] = {1, 2, 4, 5};
    for (int rep = 0; rep < 48; rep++) {
        int sub = subbands[rep % 4];
        NnI8ConvShape sh = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 0, 0};
        sh.t = widths[rep / 4 % 4] + (int)ref_int(&s, 0, 9);
        sh.cin = sh.cout = sh.groups = sh.t < 1000 ? (int)ref_int(&s, 1, 2) : 1;
        sh.f = 20000 / (sh.cin * (sh.t + 4));
        sh.kf = (int)ref_int(&s, 1, 4);
        sh.kt = (int)ref_int(&s, 1, 4);
        sh.pf = (int)ref_int(&s, 0, 2);
        sh.pt = (int)ref_int(&s, 0, 2);
        sh.df = (int)ref_int(&s, 1, 2);
        sh.dt = (int)ref_int(&s, 1, 2);
        sh.sf = sh.st = rep % 12 == 11 ? 2 : 1;
        while (sh.f + 2 * sh.pf < sh.df * (sh.kf - 1) + 1)
            sh.f++;
        finish_shape(&sh);
        while (sh.fo % sub) {
            sh.f++;
            finish_shape(&sh);
        }
        ck_assert(conv_out_size(&sh) <= MAXV && (size_t)sh.cin * sh.f * sh.t <= MAXV);
        int32_t zx = random_zp(&s);
        random_codes(x_buf, (size_t)sh.cin * sh.f * sh.t, &s);
        random_weights(w_buf, (size_t)sh.cout * sh.kf * sh.kt, &s);
        NnI8Requant rq = random_requant(sh.cout * sub, 60.0 * 127 * sqrt(sh.kf * sh.kt),
                                        (int)(ref_next(&s) % 2), &s);
        ref_conv(r_buf, x_buf, zx, w_buf, bias_buf, &sh, &rq, sub);
        nn_i8_dwconv_ssn(y_buf, x_buf, zx, w_buf, bias_buf, &sh, rq, sub);
        ck_assert_msg(!memcmp(y_buf, r_buf, conv_out_size(&sh)), "rep %d: %dx%d on %dx%d sub %d",
                      rep, sh.kf, sh.kt, sh.f, sh.t, sub);
    }
}
END_TEST

/* Convs with taps (cin / groups * kf * kt) around the im2col block's limit of
 * 128: 125 gathered, 150 value by value. */
START_TEST(conv_many_taps) {
    uint64_t s = 28;
    for (int rep = 0; rep < 40; rep++) {
        int cin = rep % 2 ? 6 : 5, groups = rep % 4 < 2 ? 1 : 2;
        /* 5x5, same padding; n, f, t and the strides drawn below */
        NnI8ConvShape sh = {cin * groups, 2 * groups, groups, 1, 0, 0, 5, 5,
                            1, 1, 2, 2, 1, 1, 0, 0};
        sh.n = (int)ref_int(&s, 1, 2);
        sh.f = (int)ref_int(&s, 5, 14);
        sh.t = (int)ref_int(&s, 5, 14);
        sh.sf = (int)ref_int(&s, 1, 2);
        sh.st = (int)ref_int(&s, 1, 2);
        check_conv(sh, 0, &s);
    }
}
END_TEST

/* round(sum / count), ties up, through double: a tie k + 1/2 is exact in
 * double and any other quotient is at least 1/count away from one. */
static uint8_t ref_mean(int64_t sum, int64_t count) {
    return (uint8_t)floor((double)sum / (double)count + 0.5);
}

START_TEST(pools) {
    uint64_t s = 14;
    for (int rep = 0; rep < 300; rep++) {
        int rows = (int)ref_int(&s, 1, 4), f = (int)ref_int(&s, 1, 17), t = (int)ref_int(&s, 1, 17);
        int kf = (int)ref_int(&s, 1, 4), kt = (int)ref_int(&s, 1, 4), ceil_mode = rep % 2;
        if (kf > f || kt > t)
            continue;
        int fo = ceil_mode ? (f + kf - 1) / kf : f / kf,
            to = ceil_mode ? (t + kt - 1) / kt : t / kt;
        random_codes(x_buf, (size_t)rows * f * t, &s);
        if (rep % 5 == 0)
            memset(x_buf, rep % 10 ? 255 : 0, (size_t)rows * f * t);
        for (int avg = 0; avg < 2; avg++) {
            for (int r = 0; r < rows; r++)
                for (int a = 0; a < fo; a++)
                    for (int b = 0; b < to; b++) {
                        int64_t best = -1, sum = 0, count = 0;
                        for (int i = 0; i < kf; i++)
                            for (int j = 0; j < kt; j++) {
                                int fi = a * kf + i, ti = b * kt + j;
                                if (fi >= f || ti >= t)
                                    continue;
                                int64_t v = x_buf[(r * f + fi) * t + ti];
                                best = v > best ? v : best;
                                sum += v;
                                count++;
                            }
                        r_buf[(r * fo + a) * to + b] = avg ? ref_mean(sum, count) : (uint8_t)best;
                    }
            if (avg)
                nn_i8_avgpool(y_buf, x_buf, rows, f, t, kf, kt, fo, to);
            else
                nn_i8_maxpool(y_buf, x_buf, rows, f, t, kf, kt, fo, to);
            ck_assert(!memcmp(y_buf, r_buf, (size_t)rows * fo * to));
        }
    }
}
END_TEST

START_TEST(means) {
    uint64_t s = 15;
    for (int rep = 0; rep < 300; rep++) {
        int rows = (int)ref_int(&s, 1, 5), f = (int)ref_int(&s, 1, 20), t = (int)ref_int(&s, 1, 20);
        random_codes(x_buf, (size_t)rows * f * t, &s);
        if (rep % 4 == 0) /* a row of two codes only: many ties */
            for (int i = 0; i < rows * f * t; i++)
                x_buf[i] = (uint8_t)(x_buf[i] % 2 ? 7 : 8);
        for (int r = 0; r < rows; r++) {
            int64_t all = 0;
            for (int i = 0; i < f; i++)
                for (int j = 0; j < t; j++)
                    all += x_buf[(r * f + i) * t + j];
            r_buf[r] = ref_mean(all, (int64_t)f * t);
        }
        nn_i8_global_avgpool(y_buf, x_buf, rows, f, t);
        ck_assert(!memcmp(y_buf, r_buf, (size_t)rows));
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < t; j++) {
                int64_t sum = 0;
                for (int i = 0; i < f; i++)
                    sum += x_buf[(r * f + i) * t + j];
                r_buf[r * t + j] = ref_mean(sum, f);
            }
        nn_i8_mean_f(y_buf, x_buf, rows, f, t);
        ck_assert(!memcmp(y_buf, r_buf, (size_t)rows * t));
        for (int r = 0; r < rows; r++)
            for (int i = 0; i < f; i++) {
                int64_t sum = 0;
                for (int j = 0; j < t; j++)
                    sum += x_buf[(r * f + i) * t + j];
                r_buf[r * f + i] = ref_mean(sum, t);
            }
        nn_i8_mean_t(y_buf, x_buf, rows, f, t);
        ck_assert(!memcmp(y_buf, r_buf, (size_t)rows * f));
    }
}
END_TEST

/* The sum of (q - zx) over the window of output (a, b) of row r of a mean
 * along axis (a = 0 for the frequency mean, b = 0 for the time mean), found
 * by testing every element of the row. */
static int64_t ref_window_sum(const uint8_t *x, int32_t zx, int f, int t, int axis, int r, int a,
                              int b) {
    int64_t acc = 0;
    for (int i = 0; i < f; i++)
        for (int j = 0; j < t; j++)
            if ((axis != NN_I8_MEAN_T || i == a) && (axis != NN_I8_MEAN_F || j == b))
                acc += x[((size_t)r * f + i) * t + j] - zx;
    return acc;
}

/* The requantising means from their definition; the output of row r is
 * fo x to: 1 x t, f x 1 or 1 x 1. */
static void ref_mean_rq(uint8_t *y, const uint8_t *x, int32_t zx, int rows, int f, int t, int axis,
                        int32_t mult, int32_t shift, int32_t zy) {
    int fo = axis == NN_I8_MEAN_T ? f : 1, to = axis == NN_I8_MEAN_F ? t : 1;
    for (int r = 0; r < rows; r++)
        for (int a = 0; a < fo; a++)
            for (int b = 0; b < to; b++)
                y[((size_t)r * fo + a) * to + b] = (uint8_t)ref_requantize(
                    ref_window_sum(x, zx, f, t, axis, r, a, b), mult, shift, zy, 0, 255);
}

static size_t mean_outputs(int rows, int f, int t, int axis) {
    return (size_t)rows * (axis == NN_I8_MEAN_F ? t : axis == NN_I8_MEAN_T ? f : 1);
}

static int mean_count(int f, int t, int axis) {
    return axis == NN_I8_MEAN_F ? f : axis == NN_I8_MEAN_T ? t : f * t;
}

/* Bit for bit on random shapes (time rows past one block of columns, a plane
 * of 38,400 values), the model's shapes (windows of 4 to 64 codes: the VNNI
 * byte sums and the folded column sums, with partial blocks), constant inputs
 * at 0 and 255, multipliers of x_scale / (count * y_scale) and the extremes. */
START_TEST(mean_rq) {
    static const int model_shapes[][3] = {{20, 128, 16}, {10, 128, 16}, {15, 64, 8}, {100, 32, 4},
                                          {3, 5, 64},    {5, 7, 32},    {7, 3, 16},  {9, 9, 8},
                                          {2, 6, 2},     {4, 40, 1}};
    uint64_t s = 23;
    for (int rep = 0; rep < 600; rep++) {
        int axis = rep % 3, rows = (int)ref_int(&s, 1, 4);
        int f = (int)ref_int(&s, 1, 40), t = (int)ref_int(&s, 1, 150);
        if (rep % 60 == 0)
            rows = 1, f = 128, t = 300;
        if (rep % 4 == 1) {
            const int *shape = model_shapes[(rep / 4) % 10];
            rows = shape[0], f = shape[1], t = shape[2];
        }
        int32_t zx = random_zp(&s), zy = random_zp(&s), mult, shift;
        size_t n = (size_t)rows * f * t;
        random_codes(x_buf, n, &s);
        if (rep % 7 == 0)
            memset(x_buf, rep % 14 ? 255 : 0, n);
        double real = random_scale(&s) / (mean_count(f, t, axis) * random_scale(&s));
        int64_t k = ref_int(&s, 0, 9);
        real = k == 0 ? ldexp(1, -31) : k == 1 ? 0.999999 : k == 2 ? 3.0 : real;
        quantize_into(real, &mult, &shift);
        ref_mean_rq(r_buf, x_buf, zx, rows, f, t, axis, mult, shift, zy);
        nn_i8_mean_rq(y_buf, x_buf, zx, rows, f, t, axis, mult, shift, zy);
        ck_assert_msg(!memcmp(y_buf, r_buf, mean_outputs(rows, f, t, axis)), "rep %d axis %d", rep,
                      axis);
    }
}
END_TEST

/* With the multiplier the emitter makes, every output is within one code of
 * the exact real mean on the output grid (clamped). Closer: the high multiply
 * rounds to 2^shift output codes and the shift rounds to a code, so the error
 * is at most 1/2 + 2^(shift - 1) (plus the multiplier's 2^-31): half a code
 * and a bit for the long windows whose multipliers are small, up to one code
 * for multipliers near one. */
START_TEST(mean_rq_exact) {
    uint64_t s = 24;
    long inside = 0;
    for (int rep = 0; rep < 600; rep++) {
        int axis = rep % 3, rows = (int)ref_int(&s, 1, 4);
        int f = (int)ref_int(&s, 1, 40), t = (int)ref_int(&s, 1, 100),
            count = mean_count(f, t, axis);
        double sx = random_scale(&s), sy = sx * ref_uniform(&s, 0.02, 1.5);
        int32_t zx = random_zp(&s), mult, shift;
        /* the output grid centred on the mean of uniform codes, 127.5 */
        double centre = nearbyint(128 - (127.5 - zx) * sx / sy);
        int32_t zy = centre < 0 ? 0 : centre > 255 ? 255 : (int32_t)centre;
        random_codes(x_buf, (size_t)rows * f * t, &s);
        quantize_into(sx / (count * sy), &mult, &shift);
        nn_i8_mean_rq(y_buf, x_buf, zx, rows, f, t, axis, mult, shift, zy);
        long double bound = 0.5L + (shift > 0 ? 0 : ldexpl(1, shift - 1)) + 1e-6L;
        int fo = axis == NN_I8_MEAN_T ? f : 1, to = axis == NN_I8_MEAN_F ? t : 1;
        for (int r = 0; r < rows; r++)
            for (int a = 0; a < fo; a++)
                for (int b = 0; b < to; b++) {
                    long double sum = (long double)ref_window_sum(x_buf, zx, f, t, axis, r, a, b);
                    long double exact = zy + (long double)sx * sum / count / sy;
                    long double clamped = exact < 0 ? 0 : exact > 255 ? 255 : exact;
                    int got = y_buf[((size_t)r * fo + a) * to + b];
                    ck_assert_msg(fabsl(got - clamped) <= 1 && fabsl(got - clamped) <= bound,
                                  "rep %d: %d vs %Lf, shift %d", rep, got, exact, shift);
                    inside += exact > 0 && exact < 255;
                }
    }
    ck_assert(inside > 10000); /* most outputs are not clamped */
}
END_TEST

/* ADD from its definition (docs/int8.md): both ratios s / s_y on the
 * largest common shift up to 23 that keeps the multipliers below 2^22, the
 * exact integer sum rounded once, ties up. Returns the code; *shift and the
 * multipliers are what nn_i8_add_params must have made. A ratio too large
 * for 2^22 at shift 1 saturates its multiplier. */
static uint8_t ref_add(int32_t qa, int32_t qb, double sa, int32_t za, double sb, int32_t zb,
                       double sy, int32_t zy, int32_t lo, int *shift, int32_t *ma, int32_t *mb) {
    long double ra = (long double)sa / sy, rb = (long double)sb / sy;
    long double top = ra > rb ? ra : rb;
    int k = 23;
    while (k > 1 && floorl(ldexpl(top, k) + 0.5L) >= 4194304.0L)
        k--;
    *shift = k;
    long double limit = 4194303.0L; /* a larger ratio saturates */
    *ma = (int32_t)fminl(floorl(ldexpl(ra, k) + 0.5L), limit);
    *mb = (int32_t)fminl(floorl(ldexpl(rb, k) + 0.5L), limit);
    __int128 sum = (__int128)(qa - za) * *ma + (__int128)(qb - zb) * *mb;
    __int128 v = zy + ref_round_half_up(sum, k);
    return (uint8_t)(v < lo ? lo : v > 255 ? 255 : v);
}

static size_t bcast_at(int axis, int r, int i, int j, int f, int t) {
    return axis == NN_I8_BCAST_F   ? (size_t)r * t + j
           : axis == NN_I8_BCAST_T ? (size_t)r * f + i
                                   : ((size_t)r * f + i) * t + j;
}

START_TEST(add) {
    uint64_t s = 16;
    long ties = 0, total = 0;
    for (int rep = 0; rep < 600; rep++) {
        double sa = random_scale(&s), sb = rep % 5 == 0 ? sa : random_scale(&s);
        double sy = (sa + sb) * ref_uniform(&s, 0.6, 2);
        if (rep % 50 == 7)
            sy = sa * 1e-7; /* a ratio past 2^21: the multiplier saturates */
        int32_t za = random_zp(&s), zb = random_zp(&s), zy = random_zp(&s), lo = rep % 2 ? zy : 0;
        int rows = (int)ref_int(&s, 1, 3), f = (int)ref_int(&s, 1, 9), t = (int)ref_int(&s, 1, 9);
        int axis = rep % 3;
        size_t n = (size_t)rows * f * t;
        random_codes(x_buf, n, &s);
        random_codes(u_buf, n, &s);
        NnI8Add p;
        nn_i8_add_params(&p, sa, za, sb, zb, sy, zy, lo, 255);
        for (int r = 0; r < rows; r++)
            for (int i = 0; i < f; i++)
                for (int j = 0; j < t; j++) {
                    size_t o = ((size_t)r * f + i) * t + j;
                    int32_t qb = u_buf[bcast_at(axis, r, i, j, f, t)], ma, mb;
                    int shift;
                    r_buf[o] = ref_add(x_buf[o], qb, sa, za, sb, zb, sy, zy, lo, &shift, &ma, &mb);
                    ck_assert(p.shift == shift && p.a_mult == ma && p.b_mult == mb);
                    /* one rounding of a near-exact sum: the nearest code but
                     * within 10^-3 of a tie */
                    double exact = zy + (sa * (x_buf[o] - za) + sb * (qb - zb)) / sy;
                    double nearest = fmin(fmax(floor(exact + 0.5), lo), 255);
                    if (sy > sa * 1e-3) {
                        total++;
                        if (fabs(exact - floor(exact) - 0.5) < 1e-3)
                            ties++;
                        else
                            ck_assert_msg(r_buf[o] == nearest, "%d vs %g", r_buf[o], exact);
                    }
                }
        if (axis == NN_I8_BCAST_NONE && rep % 2)
            nn_i8_add(y_buf, x_buf, u_buf, n, &p);
        else
            nn_i8_add_bcast(y_buf, x_buf, u_buf, rows, f, t, axis, &p);
        ck_assert_msg(!memcmp(y_buf, r_buf, n), "rep %d", rep);
    }
    ck_assert(ties < total / 100);
}
END_TEST

START_TEST(mul) {
    uint64_t s = 17;
    for (int rep = 0; rep < 600; rep++) {
        double sa = random_scale(&s), sb = random_scale(&s);
        double sy = sa * sb * ref_uniform(&s, 20, 200);
        if (rep % 10 == 0)
            sy = sa * sb * 1e-3; /* a multiplier far above one: saturation */
        int32_t za = random_zp(&s), zb = random_zp(&s), zy = random_zp(&s), lo = rep % 2 ? zy : 0;
        int rows = (int)ref_int(&s, 1, 3), f = (int)ref_int(&s, 1, 9), t = (int)ref_int(&s, 1, 9);
        int axis = rep % 3;
        size_t n = (size_t)rows * f * t;
        random_codes(x_buf, n, &s);
        random_codes(u_buf, n, &s);
        NnI8Mul p;
        nn_i8_mul_params(&p, sa, za, sb, zb, sy, zy, lo, 255);
        int32_t m;
        int sh;
        nn_i8_quantize_multiplier(sa * sb / sy, &m, &sh);
        for (int r = 0; r < rows; r++)
            for (int i = 0; i < f; i++)
                for (int j = 0; j < t; j++) {
                    size_t o = ((size_t)r * f + i) * t + j;
                    int32_t qb = u_buf[bcast_at(axis, r, i, j, f, t)];
                    int64_t prod = (int64_t)(x_buf[o] - za) * (qb - zb);
                    r_buf[o] = (uint8_t)ref_requantize(prod, m, sh, zy, lo, 255);
                }
        if (axis == NN_I8_BCAST_NONE && rep % 2)
            nn_i8_mul(y_buf, x_buf, u_buf, n, &p);
        else
            nn_i8_mul_bcast(y_buf, x_buf, u_buf, rows, f, t, axis, &p);
        ck_assert_msg(!memcmp(y_buf, r_buf, n), "rep %d", rep);
    }
}
END_TEST

static long double ref_sigmoid(long double x) { return 1 / (1 + expl(-x)); }

static long double ref_swish(long double x) { return x * ref_sigmoid(x); }

/* Every entry is the nearest output code to the function in long double
 * (ties away from zero), except where the value lies within 1e-9 of a tie,
 * where double and long double may honestly differ. */
static void check_lut(double (*fn)(double), long double (*ref)(long double), uint64_t *s) {
    double sx = random_scale(s) * 20, sy = ref_uniform(s, 0.002, 0.05);
    int32_t zx = random_zp(s), zy = random_zp(s), lo = ref_next(s) % 2 ? zy : 0;
    uint8_t lut[256], x[256], y[256];
    nn_i8_lut_build(lut, fn, sx, zx, sy, zy, lo, 255);
    for (int q = 0; q < 256; q++) {
        long double v = ref((long double)sx * (q - zx)) / sy;
        long double want = roundl(v) + zy;
        want = want < lo ? lo : want > 255 ? 255 : want;
        if (fabsl(fabsl(v - truncl(v)) - 0.5L) > 1e-9L)
            ck_assert_msg(lut[q] == (int)want, "q %d: %d vs %d", q, lut[q], (int)want);
        x[q] = (uint8_t)(255 - q);
    }
    nn_i8_lut_apply(y, x, 256, lut);
    for (int q = 0; q < 256; q++)
        ck_assert_int_eq(y[q], lut[255 - q]);
}

START_TEST(lut) {
    uint64_t s = 18;
    for (int rep = 0; rep < 500; rep++) {
        check_lut(nn_i8_sigmoid, ref_sigmoid, &s);
        check_lut(nn_i8_swish, ref_swish, &s);
    }
}
END_TEST

START_TEST(affine) {
    uint64_t s = 19;
    long within_half = 0, total = 0;
    for (int rep = 0; rep < 300; rep++) {
        int c = (int)ref_int(&s, 1, 5), n = (int)ref_int(&s, 1, 2), sub = rep % 2 ? 4 : 1;
        int f = sub * (int)ref_int(&s, 1, 4), t = (int)ref_int(&s, 1, 9), groups = c * sub;
        double sx = random_scale(&s), sy = random_scale(&s);
        int32_t zx = random_zp(&s), zy = random_zp(&s), lo = rep % 3 ? 0 : zy;
        double a[MAXC], cc[MAXC];
        int32_t k[MAXC], b[MAXC];
        for (int g = 0; g < groups; g++) {
            a[g] = ref_uniform(&s, -2, 2) * sy / sx;
            cc[g] = ref_uniform(&s, -100, 100) * sy;
            if (g == 0 && rep % 10 == 0)
                a[g] = 0; /* gamma 0 */
            int sh;
            nn_i8_affine_params(a[g], cc[g], sx, sy, &k[g], &b[g], &mult_buf[g], &sh);
            shift_buf[g] = sh;
        }
        size_t total_n = (size_t)c * n * f * t;
        random_codes(x_buf, total_n, &s);
        NnI8Requant rq = {mult_buf, shift_buf, zy, lo, 255, NULL};
        for (size_t o = 0; o < total_n; o++) {
            int ch = (int)(o / ((size_t)n * f * t)), i = (int)(o / t % f);
            int g = ch * sub + i / (f / sub);
            r_buf[o] = (uint8_t)ref_requantize((int64_t)k[g] * (x_buf[o] - zx) + b[g], mult_buf[g],
                                               shift_buf[g], zy, lo, 255);
            double exact = zy + (a[g] * sx * (x_buf[o] - zx) + cc[g]) / sy;
            if (exact > lo + 1 && exact < 254) {
                total++;
                within_half += fabs(r_buf[o] - exact) <= 0.5 + 1e-3;
                ck_assert(fabs(r_buf[o] - exact) <= 1);
            }
        }
        nn_i8_affine(y_buf, x_buf, zx, k, b, rq, c, n, f, t, sub);
        ck_assert_msg(!memcmp(y_buf, r_buf, total_n), "rep %d", rep);
    }
    ck_assert(total > 1000 && within_half > total * 0.99);
}
END_TEST

/* nn_i8_affine with any k, b in range and multipliers of either sign,
 * against the reference; and negating k, b and the multiplier together
 * gives the same codes (the negative multiplier negates the accumulator). */
START_TEST(affine_negative_mult) {
    uint64_t s = 25;
    static uint8_t neg_buf[MAXV];
    for (int rep = 0; rep < 300; rep++) {
        int c = (int)ref_int(&s, 1, 5), n = (int)ref_int(&s, 1, 2), sub = 1 << (rep % 3);
        int f = sub * (int)ref_int(&s, 1, 4), t = (int)ref_int(&s, 1, 9), groups = c * sub;
        int32_t zx = random_zp(&s), k[MAXC], nk[MAXC], nb[MAXC], nm[MAXC];
        /* |k (q - zx) + b| <= 2^16 * 255 + 2^28 < 2^31: in range, as the params keep it */
        NnI8Requant rq = random_requant(groups, 65536.0 * 255, rep % 2, &s);
        for (int g = 0; g < groups; g++) {
            k[g] = (int32_t)ref_int(&s, -65536, 65536);
            nk[g] = -k[g];
            nb[g] = -bias_buf[g];
            nm[g] = -mult_buf[g];
        }
        size_t total_n = (size_t)c * n * f * t;
        random_codes(x_buf, total_n, &s);
        for (size_t o = 0; o < total_n; o++) {
            int ch = (int)(o / ((size_t)n * f * t)), i = (int)(o / t % f);
            int g = ch * sub + i / (f / sub);
            r_buf[o] = (uint8_t)ref_requantize_offset(
                (int64_t)k[g] * (x_buf[o] - zx) + bias_buf[g], mult_buf[g],
                rq.offset ? offset_buf[g] : 0, shift_buf[g], rq.zero_point, rq.lo, 255);
        }
        nn_i8_affine(y_buf, x_buf, zx, k, bias_buf, rq, c, n, f, t, sub);
        ck_assert_msg(!memcmp(y_buf, r_buf, total_n), "rep %d", rep);
        /* the offset is the bias's fraction times mult: both change sign, it stays */
        NnI8Requant neg = {nm, shift_buf, rq.zero_point, rq.lo, rq.hi, rq.offset};
        nn_i8_affine(neg_buf, x_buf, zx, nk, nb, neg, c, n, f, t, sub);
        ck_assert_msg(!memcmp(neg_buf, y_buf, total_n), "rep %d negated", rep);
    }
}
END_TEST

/* A channel's constants of the fused sum from the definition (docs/int8.md):
 * ratios and bias on the largest shift up to 30 with |B| + 255 sum |M| +
 * 2^(shift - 1) < 2^31, rounded half up; shift 1 with capped values where
 * none is. */
static void ref_sum_channel(const double *ratio, int nterms, double bias, int32_t *m, int *shift,
                            int64_t *b) {
    int k = 30;
    for (; k > 1; k--) {
        long double total = fabsl(floorl(ldexpl(bias, k) + 0.5L)) + ldexpl(1, k - 1);
        for (int j = 0; j < nterms; j++)
            total += 255 * fabsl(floorl(ldexpl(ratio[j], k) + 0.5L));
        if (total < 2147483648.0L)
            break;
    }
    *shift = k;
    for (int j = 0; j < nterms; j++)
        m[j] = (int32_t)fmaxl(fminl(floorl(ldexpl(ratio[j], k) + 0.5L), INT32_MAX), -INT32_MAX);
    *b = (int64_t)fmaxl(fminl(floorl(ldexpl(bias, k) + 0.5L), 0x1p60L), -0x1p60L);
}

/* x + g + broadcast(u), BN and ReLU from the definition: the exact integer
 * sum B + sum d_k M_k rounded once on the channel's shift, ties up. */
static uint8_t ref_sum_affine(const int32_t *d, int nterms, int32_t (*m)[MAXC], const int32_t *sh,
                              int ch, const int64_t *bias, int32_t zy, int32_t lo) {
    __int128 acc = bias[ch];
    for (int k = 0; k < nterms; k++)
        acc += (__int128)d[k] * m[k][ch];
    __int128 v = zy + ref_round_half_up(acc, sh[ch]);
    return (uint8_t)(v < lo ? lo : v > 255 ? 255 : v);
}

/* The codes' offsets from their zero points at value o of row r. */
static void sum_terms_at(int32_t *d, uint8_t **bufs, const int32_t *zk, int nterms, int axis, int r,
                         int i, int j, int f, int t) {
    size_t o = ((size_t)r * f + i) * t + j;
    for (int k = 0; k < nterms; k++)
        d[k] = bufs[k][k == 2 ? bcast_at(axis, r, i, j, f, t) : o] - zk[k];
}

START_TEST(sum_affine) {
    uint64_t s = 20;
    long ties = 0, total = 0;
    static uint8_t g_buf[MAXV];
    for (int rep = 0; rep < 400; rep++) {
        int c = (int)ref_int(&s, 1, 4), n = (int)ref_int(&s, 1, 2), f = (int)ref_int(&s, 1, 8);
        int t = (int)ref_int(&s, 1, 8), nterms = (int)ref_int(&s, 1, 3);
        int axis = rep % 2 ? NN_I8_BCAST_F : NN_I8_BCAST_T;
        double sk[3], a[MAXC], cc[MAXC], amax = 0, ssum = 0;
        int32_t zk[3], m[3][MAXC], zy = random_zp(&s), lo = rep % 3 ? zy : 0;
        int32_t sh[MAXC];
        int64_t bias[MAXC];
        for (int k = 0; k < nterms; k++) {
            sk[k] = random_scale(&s);
            zk[k] = random_zp(&s);
            ssum += sk[k];
        }
        for (int ch = 0; ch < c; ch++) {
            a[ch] = ref_uniform(&s, -2, 2);
            amax = fmax(amax, fabs(a[ch]));
        }
        double sy = fmax(amax, 0.1) * ssum * ref_uniform(&s, 0.3, 1.5);
        NnI8SumTerm terms[3];
        uint8_t *bufs[3] = {x_buf, g_buf, u_buf};
        for (int k = 0; k < nterms; k++) {
            random_codes(bufs[k], (size_t)c * n * f * t, &s);
            terms[k] = (NnI8SumTerm){bufs[k], k == 2 ? axis : NN_I8_BCAST_NONE, zk[k], m[k]};
        }
        for (int ch = 0; ch < c; ch++) {
            double ratio[3];
            int32_t want_m[3];
            int want_shift;
            int64_t want_bias;
            cc[ch] = ref_uniform(&s, -60, 60) * sy;
            for (int k = 0; k < nterms; k++)
                ratio[k] = a[ch] * sk[k] / sy;
            nn_i8_sum_channel_params(ratio, nterms, cc[ch] / sy, &m[0][ch], MAXC, &sh[ch],
                                     &bias[ch]);
            ref_sum_channel(ratio, nterms, cc[ch] / sy, want_m, &want_shift, &want_bias);
            ck_assert(sh[ch] == want_shift && bias[ch] == want_bias);
            for (int k = 0; k < nterms; k++)
                ck_assert(m[k][ch] == want_m[k]);
        }
        nn_i8_sum_affine(y_buf, terms, nterms, sh, bias, zy, lo, 255, c, n, f, t);
        for (int r = 0; r < c * n; r++)
            for (int i = 0; i < f; i++)
                for (int j = 0; j < t; j++) {
                    int ch = r / n, d[3];
                    size_t o = ((size_t)r * f + i) * t + j;
                    sum_terms_at(d, bufs, zk, nterms, axis, r, i, j, f, t);
                    double exact = zy + cc[ch] / sy;
                    for (int k = 0; k < nterms; k++)
                        exact += a[ch] * sk[k] * d[k] / sy;
                    ck_assert_int_eq(y_buf[o], ref_sum_affine(d, nterms, m, sh, ch, bias, zy, lo));
                    /* one rounding of a near-exact sum: the nearest code but
                     * within 10^-3 of a tie */
                    total++;
                    if (fabs(exact - floor(exact) - 0.5) < 1e-3)
                        ties++;
                    else
                        ck_assert_msg(y_buf[o] == fmin(fmax(floor(exact + 0.5), lo), 255),
                                      "%d vs %g", y_buf[o], exact);
                }
    }
    ck_assert(total > 1000 && ties < total / 100);
}
END_TEST

/* ADD with parameters nn_i8_add_params does not make (negative or large
 * multipliers, shifts past 23, bounds off the uint8 grid) goes value by
 * value; the long vectorised runs (with tails) use the largest multipliers
 * and the extreme zero points and shifts it does make. Both the same formula. */
START_TEST(add_any_params) {
    uint64_t s = 29;
    for (int rep = 0; rep < 300; rep++) {
        NnI8Add p;
        int fast = rep % 2;
        p.a_zp = rep % 7 == 0 ? 255 : random_zp(&s), p.b_zp = rep % 11 == 0 ? 0 : random_zp(&s);
        p.out_zp = random_zp(&s);
        int32_t top = fast ? (1 << 22) - 1 : INT32_MAX;
        p.a_mult = (int32_t)ref_int(&s, fast ? 0 : -top, top);
        p.b_mult = rep % 3 == 0 ? top : (int32_t)ref_int(&s, fast ? 0 : -top, top);
        p.shift = fast ? (int)ref_int(&s, 1, 23) : (int)ref_int(&s, 24, 62);
        p.lo = fast || rep % 3 ? p.out_zp : -(int32_t)ref_int(&s, 0, 50);
        p.hi = fast || rep % 5 ? 255 : 255 + (int32_t)ref_int(&s, 0, 50);
        size_t n = (size_t)ref_int(&s, 1, 3000);
        random_codes(x_buf, n, &s);
        random_codes(u_buf, n, &s);
        for (size_t i = 0; i < n; i++) {
            __int128 sum = (__int128)(x_buf[i] - p.a_zp) * p.a_mult +
                           (__int128)(u_buf[i] - p.b_zp) * p.b_mult;
            __int128 v = p.out_zp + ref_round_half_up(sum, p.shift);
            r_buf[i] = (uint8_t)(v < p.lo ? p.lo : v > p.hi ? p.hi : v);
        }
        nn_i8_add(y_buf, x_buf, u_buf, n, &p);
        ck_assert_msg(!memcmp(y_buf, r_buf, n), "rep %d", rep);
    }
}
END_TEST

/* MUL over more values than one requantised run holds, rows split across
 * runs, every broadcast. */
START_TEST(mul_runs) {
    uint64_t s = 30;
    for (int rep = 0; rep < 60; rep++) {
        int rows = (int)ref_int(&s, 1, 3), f = (int)ref_int(&s, 10, 40);
        int t = (int)ref_int(&s, 20, 90);
        if (rep % 10 == 9) /* rows longer than a run */
            rows = 1, f = 2, t = (int)ref_int(&s, 1025, 2000);
        int axis = rep % 3;
        double sa = random_scale(&s), sb = random_scale(&s);
        double sy = sa * sb * ref_uniform(&s, 20, 200);
        int32_t za = random_zp(&s), zb = random_zp(&s), zy = random_zp(&s), lo = rep % 2 ? zy : 0;
        size_t n = (size_t)rows * f * t;
        random_codes(x_buf, n, &s);
        random_codes(u_buf, n, &s);
        NnI8Mul p;
        nn_i8_mul_params(&p, sa, za, sb, zb, sy, zy, lo, 255);
        for (int r = 0; r < rows; r++)
            for (int i = 0; i < f; i++)
                for (int j = 0; j < t; j++) {
                    size_t o = ((size_t)r * f + i) * t + j;
                    int64_t prod =
                        (int64_t)(x_buf[o] - za) * (u_buf[bcast_at(axis, r, i, j, f, t)] - zb);
                    r_buf[o] = (uint8_t)ref_requantize(prod, p.mult, p.shift, zy, lo, 255);
                }
        if (axis == NN_I8_BCAST_NONE && rep % 2)
            nn_i8_mul(y_buf, x_buf, u_buf, n, &p);
        else
            nn_i8_mul_bcast(y_buf, x_buf, u_buf, rows, f, t, axis, &p);
        ck_assert_msg(!memcmp(y_buf, r_buf, n), "rep %d", rep);
    }
}
END_TEST

/* The fused sum on planes of several runs, broadcast terms cut across runs,
 * and channels whose ratios or bias reach 2^21 codes and more (no shift keeps
 * them in 32 bits: value by value in 64). */
START_TEST(sum_affine_runs) {
    uint64_t s = 31;
    static uint8_t g_buf[MAXV];
    int slow = 0;
    for (int rep = 0; rep < 60; rep++) {
        int c = (int)ref_int(&s, 1, 2), n = (int)ref_int(&s, 1, 2), f = (int)ref_int(&s, 20, 50);
        int t = (int)ref_int(&s, 20, 60), nterms = (int)ref_int(&s, 1, 3);
        int axis = rep % 2 ? NN_I8_BCAST_F : NN_I8_BCAST_T;
        int32_t zk[3], m[3][MAXC], sh[MAXC], zy = random_zp(&s), lo = rep % 3 ? zy : 0;
        int64_t bias[MAXC];
        NnI8SumTerm terms[3];
        uint8_t *bufs[3] = {x_buf, g_buf, u_buf};
        for (int k = 0; k < nterms; k++) {
            zk[k] = random_zp(&s);
            random_codes(bufs[k], (size_t)c * n * f * t, &s);
            terms[k] = (NnI8SumTerm){bufs[k], k == 2 ? axis : NN_I8_BCAST_NONE, zk[k], m[k]};
        }
        for (int ch = 0; ch < c; ch++) {
            double ratio[3], b = ref_uniform(&s, -300, 300);
            for (int k = 0; k < nterms; k++) {
                double real = rep % 10 == 0 && ch == 0   ? ref_uniform(&s, 1e4, 1e6)
                              : rep % 10 == 5 && ch == 0 ? ref_uniform(&s, 1e7, 1e12)
                                                         : ref_uniform(&s, 0.001, 2);
                ratio[k] = ref_next(&s) % 2 ? real : -real;
            }
            if (rep % 10 == 7 && ch == 0)
                b = 1e15;
            nn_i8_sum_channel_params(ratio, nterms, b, &m[0][ch], MAXC, &sh[ch], &bias[ch]);
            slow += !nn_i8_sum_fits32(terms, nterms, ch, sh[ch], bias[ch], zy, lo, 255);
        }
        nn_i8_sum_affine(y_buf, terms, nterms, sh, bias, zy, lo, 255, c, n, f, t);
        for (int r = 0; r < c * n; r++)
            for (int i = 0; i < f; i++)
                for (int j = 0; j < t; j++) {
                    size_t o = ((size_t)r * f + i) * t + j;
                    int32_t d[3];
                    sum_terms_at(d, bufs, zk, nterms, axis, r, i, j, f, t);
                    uint8_t want = ref_sum_affine(d, nterms, m, sh, r / n, bias, zy, lo);
                    ck_assert_msg(y_buf[o] == want, "rep %d at %zu", rep, o);
                }
    }
    ck_assert(slow >= 6); /* the 64-bit path ran */
}
END_TEST

/* Any mix of terms, in any order: up to five, each full-size or broadcast
 * over frequency or time (two broadcasts over frequency, three or more
 * full-size terms, a broadcast first), on runs and partial runs, against the
 * sum's definition in 64 bits: bias + sum (q - zp) m, rounded ties up. */
START_TEST(sum_affine_term_mixes) {
    uint64_t s = 35;
    static uint8_t bufs[5][MAXV];
    int fast = 0;
    for (int rep = 0; rep < 200; rep++) {
        int c = (int)ref_int(&s, 1, 3), n = (int)ref_int(&s, 1, 2), f = (int)ref_int(&s, 1, 40);
        int t = (int)ref_int(&s, 1, 40), nterms = (int)ref_int(&s, 1, 5);
        int32_t zy = random_zp(&s), lo = rep % 3 ? zy : 0, m[5][MAXC], sh[MAXC], zk[5];
        int64_t bias[MAXC];
        NnI8SumTerm terms[5];
        for (int k = 0; k < nterms; k++) {
            int axis = (int)ref_int(&s, 0, 2);
            zk[k] = random_zp(&s);
            random_codes(bufs[k], (size_t)c * n * f * t, &s);
            terms[k] = (NnI8SumTerm){bufs[k], axis, zk[k], m[k]};
        }
        for (int ch = 0; ch < c; ch++) {
            sh[ch] = (int32_t)ref_int(&s, 12, 20);
            bias[ch] = ref_int(&s, -(INT64_C(1) << 20), INT64_C(1) << 20);
            for (int k = 0; k < nterms; k++)
                m[k][ch] = (int32_t)ref_int(&s, -(1 << 16), 1 << 16);
            fast += nn_i8_sum_fits32(terms, nterms, ch, sh[ch], bias[ch], zy, lo, 255);
        }
        nn_i8_sum_affine(y_buf, terms, nterms, sh, bias, zy, lo, 255, c, n, f, t);
        for (int r = 0; r < c * n; r++)
            for (int i = 0; i < f; i++)
                for (int j = 0; j < t; j++) {
                    int ch = r / n;
                    int64_t acc = bias[ch];
                    for (int k = 0; k < nterms; k++) {
                        size_t at = bcast_at(terms[k].axis, r, i, j, f, t);
                        acc += (int64_t)(bufs[k][at] - zk[k]) * m[k][ch];
                    }
                    int64_t v = (int64_t)ref_round_half_up(acc, sh[ch]) + zy;
                    int want = v < lo ? lo : v > 255 ? 255 : (int)v;
                    ck_assert_msg(y_buf[((size_t)r * f + i) * t + j] == want,
                                  "rep %d: %d terms at %d,%d,%d", rep, nterms, r, i, j);
                }
    }
    ck_assert(fast > 300); /* the 32-bit runs ran */
}
END_TEST

/* The 32-bit lanes at their limits and on ties: multipliers with few
 * significant bits and a bias on a half unit put sums exactly on ties
 * whenever the terms cancel; zero points 0 and 255; multipliers as large as
 * the 2^31 bound allows, every shift 1..30. */
START_TEST(sum_affine_ties) {
    uint64_t s = 33;
    static uint8_t g_buf[MAXV];
    for (int rep = 0; rep < 400; rep++) {
        int c = (int)ref_int(&s, 1, 3), f = (int)ref_int(&s, 1, 12), t = (int)ref_int(&s, 1, 12);
        int nterms = (int)ref_int(&s, 1, 3), axis = rep % 2 ? NN_I8_BCAST_F : NN_I8_BCAST_T;
        int32_t zk[3], m[3][MAXC], sh[MAXC], zy = random_zp(&s), lo = rep % 3 ? zy : 0;
        int64_t bias[MAXC];
        int extreme = rep % 4 == 3;
        NnI8SumTerm terms[3];
        uint8_t *bufs[3] = {x_buf, g_buf, u_buf};
        for (int k = 0; k < nterms; k++) {
            zk[k] = extreme ? (k % 2 ? 255 : 0) : (int32_t)ref_int(&s, 100, 150);
            for (int i = 0; i < c * f * t; i++) /* near the zero point: terms cancel */
                bufs[k][i] = extreme ? (uint8_t)ref_int(&s, 0, 255)
                                     : (uint8_t)(zk[k] + ref_int(&s, -6, 6));
            terms[k] = (NnI8SumTerm){bufs[k], k == 2 ? axis : NN_I8_BCAST_NONE, zk[k], m[k]};
        }
        for (int ch = 0; ch < c; ch++) {
            int shift = (int)ref_int(&s, 1, 30);
            int64_t room = ((int64_t)1 << 31) - ((int64_t)1 << (shift - 1)) - 1;
            bias[ch] = extreme ? 0 : (2 * ref_int(&s, -200, 200) + 1) * ((int64_t)1 << (shift - 1));
            if (!extreme && llabs(bias[ch]) > room / 2)
                bias[ch] = (bias[ch] < 0 ? -1 : 1) * ((int64_t)1 << (shift - 1));
            room -= llabs(bias[ch]);
            for (int k = 0; k < nterms; k++) {
                int64_t most = room / (255 * nterms);
                int64_t v = extreme ? most : (int64_t)ref_int(&s, 1, 7) << ref_int(&s, 0, 20);
                v = v > most ? most : v;
                m[k][ch] = (int32_t)(ref_next(&s) % 2 ? -v : v);
            }
            sh[ch] = shift;
            ck_assert(nn_i8_sum_fits32(terms, nterms, ch, sh[ch], bias[ch], zy, lo, 255));
        }
        nn_i8_sum_affine(y_buf, terms, nterms, sh, bias, zy, lo, 255, c, 1, f, t);
        for (int r = 0; r < c; r++)
            for (int i = 0; i < f; i++)
                for (int j = 0; j < t; j++) {
                    size_t o = ((size_t)r * f + i) * t + j;
                    int32_t d[3];
                    sum_terms_at(d, bufs, zk, nterms, axis, r, i, j, f, t);
                    uint8_t want = ref_sum_affine(d, nterms, m, sh, r, bias, zy, lo);
                    ck_assert_msg(y_buf[o] == want, "rep %d at %zu", rep, o);
                }
    }
}
END_TEST

/* nn_i8_affine on rows longer than one requantised run. */
START_TEST(affine_long_rows) {
    uint64_t s = 32;
    for (int rep = 0; rep < 40; rep++) {
        int sub = rep % 2 ? 2 : 1, f = 2 * sub, t = (int)ref_int(&s, 1000, 4000);
        int32_t zx = random_zp(&s), k[MAXC];
        NnI8Requant rq = random_requant(sub, 65536.0 * 255, rep % 3 == 0, &s);
        for (int g = 0; g < sub; g++)
            k[g] = (int32_t)ref_int(&s, -65536, 65536);
        size_t total_n = (size_t)f * t;
        random_codes(x_buf, total_n, &s);
        for (size_t o = 0; o < total_n; o++) {
            int g = (int)(o / t) / (f / sub);
            r_buf[o] = (uint8_t)ref_requantize_offset(
                (int64_t)k[g] * (x_buf[o] - zx) + bias_buf[g], mult_buf[g],
                rq.offset ? offset_buf[g] : 0, shift_buf[g], rq.zero_point, rq.lo, 255);
        }
        nn_i8_affine(y_buf, x_buf, zx, k, bias_buf, rq, 1, 1, f, t, sub);
        ck_assert_msg(!memcmp(y_buf, r_buf, total_n), "rep %d", rep);
    }
}
END_TEST

START_TEST(clamp) {
    uint8_t v[256];
    for (int i = 0; i < 256; i++)
        v[i] = (uint8_t)i;
    nn_i8_clamp_inplace(v, 256, 37, 200);
    for (int i = 0; i < 256; i++)
        ck_assert_int_eq(v[i], i < 37 ? 37 : i > 200 ? 200 : i);
}
END_TEST

/* Codes onto another grid, against the reference: multipliers from the
 * ratio of two scales and the extremes, fused ReLU and arbitrary clamps, in
 * place too; a grid onto itself is the identity, and every output is within
 * one code of the exact value. */
START_TEST(requant_copy) {
    uint64_t s = 26;
    for (int rep = 0; rep < 600; rep++) {
        size_t n = (size_t)ref_int(&s, 1, 3000);
        int32_t zx = random_zp(&s), zy = random_zp(&s), lo = 0, hi = 255, mult, shift;
        if (rep % 3 == 1)
            lo = zy;
        else if (rep % 3 == 2) {
            lo = (int32_t)ref_int(&s, 0, 255);
            hi = (int32_t)ref_int(&s, lo, 255);
        }
        double real = random_scale(&s) / random_scale(&s);
        int64_t k = ref_int(&s, 0, 9), exact_real = k > 3;
        real = k == 0 ? ldexp(1, -31) : k == 1 ? 0.999999 : k == 2 ? 300.0 : k == 3 ? 1 : real;
        if (k == 3)
            zy = zx; /* the same grid */
        quantize_into(real, &mult, &shift);
        random_codes(x_buf, n, &s);
        for (size_t i = 0; i < n; i++) {
            r_buf[i] = (uint8_t)ref_requantize(x_buf[i] - zx, mult, shift, zy, lo, hi);
            double exact = fmin(fmax(zy + (x_buf[i] - zx) * real, lo), hi);
            if (exact_real)
                ck_assert(fabs(r_buf[i] - exact) <= 1);
            if (k == 3)
                ck_assert_int_eq(r_buf[i], nn_i8_clamp(x_buf[i], lo, hi));
        }
        if (rep % 4 == 0) { /* in place */
            memcpy(y_buf, x_buf, n);
            nn_i8_requant_copy(y_buf, y_buf, n, zx, mult, shift, zy, lo, hi);
        } else
            nn_i8_requant_copy(y_buf, x_buf, n, zx, mult, shift, zy, lo, hi);
        ck_assert_msg(!memcmp(y_buf, r_buf, n), "rep %d", rep);
    }
}
END_TEST

int main(void) {
    Suite *suite = suite_create("int8_kernels");
    TCase *tc = tcase_create("kernels");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, conv1x1_and_linear);
    tcase_add_test(tc, conv_general);
    tcase_add_test(tc, dwconv);
    tcase_add_test(tc, dwconv_ssn);
    tcase_add_test(tc, dwconv_blocks);
    tcase_add_test(tc, conv_many_taps);
    tcase_add_test(tc, pools);
    tcase_add_test(tc, means);
    tcase_add_test(tc, mean_rq);
    tcase_add_test(tc, mean_rq_exact);
    tcase_add_test(tc, add);
    tcase_add_test(tc, mul);
    tcase_add_test(tc, lut);
    tcase_add_test(tc, affine);
    tcase_add_test(tc, affine_negative_mult);
    tcase_add_test(tc, sum_affine);
    tcase_add_test(tc, add_any_params);
    tcase_add_test(tc, mul_runs);
    tcase_add_test(tc, sum_affine_runs);
    tcase_add_test(tc, sum_affine_term_mixes);
    tcase_add_test(tc, sum_affine_ties);
    tcase_add_test(tc, affine_long_rows);
    tcase_add_test(tc, clamp);
    tcase_add_test(tc, requant_copy);
    suite_add_tcase(suite, tc);
    return check_run(suite);
}
