/* Data movement and the float boundary of runtime/nn/nn_int8_layout.h: the
 * upsamplings and flatten against references that walk the source instead of
 * the destination, the input quantisation against round-half-even done by
 * hand, the logits against direct dequantisation. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "check_run.h"
#include "nn_int8.h"
#include "ref_int8.h"

#define MAXV 20000

static uint8_t x_buf[MAXV], y_buf[MAXV], r_buf[MAXV];

START_TEST(pixel_shuffle_and_upsample) {
    uint64_t s = 41;
    for (int rep = 0; rep < 200; rep++) {
        int c = (int)ref_int(&s, 1, 4), n = (int)ref_int(&s, 1, 2), f = (int)ref_int(&s, 1, 9);
        int t = (int)ref_int(&s, 1, 9);
        if (rep % 50 == 1) /* the shuffle's rows in several staged blocks, and rows too long */
            c = 1, n = 2, f = rep == 1 ? 300 : rep == 51 ? 2 : 130, t = rep == 51 ? 1100 : 8;
        for (int i = 0; i < 4 * c * n * f * t; i++)
            x_buf[i] = (uint8_t)ref_int(&s, 0, 255);
        /* every source value to its place */
        for (int src = 0; src < 4 * c; src++)
            for (int k = 0; k < n; k++)
                for (int a = 0; a < f; a++)
                    for (int b = 0; b < t; b++) {
                        int ch = src / 4, i = src % 4 / 2, j = src % 2;
                        r_buf[((ch * n + k) * 2 * f + 2 * a + i) * 2 * t + 2 * b + j] =
                            x_buf[((src * n + k) * f + a) * t + b];
                    }
        nn_i8_pixel_shuffle2(y_buf, x_buf, c, n, f, t);
        ck_assert(!memcmp(y_buf, r_buf, (size_t)c * n * 4 * f * t));
        int rows = c * n;
        for (int r = 0; r < rows; r++)
            for (int a = 0; a < f; a++)
                for (int b = 0; b < t; b++)
                    for (int q = 0; q < 4; q++)
                        r_buf[(r * 2 * f + 2 * a + q / 2) * 2 * t + 2 * b + q % 2] =
                            x_buf[(r * f + a) * t + b];
        nn_i8_upsample_nearest2(y_buf, x_buf, rows, f, t);
        ck_assert(!memcmp(y_buf, r_buf, (size_t)rows * 4 * f * t));
        for (int ch = 0; ch < c; ch++)
            for (int k = 0; k < n; k++)
                for (int a = 0; a < f; a++)
                    for (int b = 0; b < t; b++)
                        r_buf[((ch * f + a) * t + b) * n + k] =
                            x_buf[((ch * n + k) * f + a) * t + b];
        nn_i8_flatten(y_buf, x_buf, c, n, f, t);
        ck_assert(!memcmp(y_buf, r_buf, (size_t)c * n * f * t));
    }
}
END_TEST

/* round half to even of v, by hand */
static double ref_round_even(double v) {
    double fl = floor(v), frac = v - fl;
    if (frac > 0.5 || (frac == 0.5 && fmod(fl, 2) != 0))
        return fl + 1;
    return fl;
}

START_TEST(quantize_and_logits) {
    uint64_t s = 42;
    for (int rep = 0; rep < 200; rep++) {
        float scale = (float)ref_uniform(&s, 0.001, 0.2);
        int32_t zp = rep % 3 == 0 ? 0 : rep % 3 == 1 ? 255 : (int32_t)ref_int(&s, 0, 255);
        float x[512];
        for (int i = 0; i < 512; i++) {
            x[i] = (float)ref_uniform(&s, -300 * scale, 300 * scale);
            if (i % 8 == 0) /* exact ties of x / scale */
                x[i] = ((float)ref_int(&s, -300, 300) + 0.5f) * scale;
        }
        nn_i8_quantize(y_buf, x, 512, scale, zp);
        for (int i = 0; i < 512; i++) {
            double v = ref_round_even((double)(x[i] / scale)) + zp;
            ck_assert_int_eq(y_buf[i], (int)(v < 0 ? 0 : v > 255 ? 255 : v));
        }
        int classes = (int)ref_int(&s, 1, 12), n = (int)ref_int(&s, 1, 4);
        float logits[64];
        nn_i8_dequantize_logits(logits, y_buf, classes, n, scale, zp);
        for (int k = 0; k < classes; k++)
            for (int j = 0; j < n; j++)
                ck_assert(logits[j * classes + k] == (float)(y_buf[k * n + j] - zp) * scale);
    }
}
END_TEST

int main(void) {
    Suite *suite = suite_create("int8_layout");
    TCase *tc = tcase_create("layout");
    tcase_add_test(tc, pixel_shuffle_and_upsample);
    tcase_add_test(tc, quantize_and_logits);
    suite_add_tcase(suite, tc);
    return check_run(suite);
}
