/* Compiled alone with -std=c99 -pedantic by the int8_c99 test: the INT8
 * headers must stay strict C99, since the standalone classifier pastes them.
 * Every kernel is referenced so that its body is checked, not only declared. */
#include "nn_int8.h"

int main(void) {
    static uint8_t x[64], y[64], lut[256];
    static const int8_t w[64];
    static const int32_t mult[4] = {1 << 30, 1 << 30, 1 << 30, 1 << 30}, k[4], b[4];
    static const int32_t shift[4];
    NnI8Requant rq = {mult, shift, 0, 0, 255, NULL};
    NnI8ConvShape cs = {1, 1, 1, 1, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1, 8, 8};
    NnI8Add add;
    NnI8Mul mul;
    NnI8ResNorm rn;
    int32_t m;
    int sh;
    nn_i8_quantize_multiplier(0.5, &m, &sh);
    static int32_t acc[64];
    nn_i8_requantize_run(y, acc, 64, m, 0, sh, 3, 0, 255);
    y[0] = (uint8_t)nn_i8_mul_by_multiplier64_right(y[1], m, 20);
    nn_i8_conv1x1(y, x, 0, w, NULL, 1, 1, 64, rq);
    nn_i8_linear(y, x, 0, w, NULL, 8, 1, 1, rq);
    nn_i8_conv(y, x, 0, w, NULL, &cs, rq);
    nn_i8_dwconv(y, x, 0, w, NULL, &cs, rq);
    nn_i8_dwconv_channel(0, y, x, 0, w, NULL, &cs, rq);
    nn_i8_dwconv_ssn(y, x, 0, w, k, &cs, rq, 4);
    nn_i8_dwconv_ssn_channel(0, y, x, 0, w, k, &cs, rq, 2);
    nn_i8_maxpool(y, x, 1, 8, 8, 2, 2, 4, 4);
    nn_i8_avgpool(y, x, 1, 8, 8, 2, 2, 4, 4);
    nn_i8_global_avgpool(y, x, 1, 8, 8);
    nn_i8_mean_f(y, x, 1, 8, 8);
    nn_i8_mean_t(y, x, 1, 8, 8);
    nn_i8_mean_rq(y, x, 3, 1, 8, 8, NN_I8_MEAN_F, 1 << 30, -3, 7);
    nn_i8_mean_rq(y, x, 3, 1, 8, 8, NN_I8_MEAN_T, 1 << 30, -3, 7);
    nn_i8_mean_rq(y, x, 3, 1, 8, 8, NN_I8_MEAN_FT, 1 << 30, -6, 7);
    nn_i8_requant_copy(y, x, 64, 3, 1 << 30, 1, 7, 0, 255);
    nn_i8_add_params(&add, 0.1, 0, 0.2, 0, 0.3, 0, 0, 255);
    nn_i8_add(y, x, x, 64, &add);
    nn_i8_add_bcast(y, x, x, 1, 8, 8, NN_I8_BCAST_F, &add);
    nn_i8_mul_params(&mul, 0.1, 0, 0.2, 0, 0.3, 0, 0, 255);
    nn_i8_mul(y, x, x, 64, &mul);
    nn_i8_mul_bcast(y, x, x, 1, 8, 8, NN_I8_BCAST_T, &mul);
    nn_i8_lut_build(lut, nn_i8_sigmoid, 0.1, 128, 1.0 / 255, 0, 0, 255);
    nn_i8_lut_build(lut, nn_i8_swish, 0.1, 128, 0.05, 20, 0, 255);
    nn_i8_lut_apply(y, x, 64, lut);
    nn_i8_clamp_inplace(y, 64, 3, 255);
    nn_i8_affine(y, x, 0, k, b, rq, 1, 1, 8, 8, 4);
    nn_i8_resnorm_params(&rn, 0.1, 1e-8, 8, 0.1, 0, 0.1, 128);
    nn_i8_resnorm(y, x, 1, 1, 8, 8, &rn);
    static const double ratios[2] = {-0.25, 0.5};
    int64_t sum_bias[1];
    int32_t tm[2], ts[1];
    nn_i8_sum_channel_params(ratios, 2, 3.5, tm, 1, ts, sum_bias);
    NnI8SumTerm terms[2] = {{x, NN_I8_BCAST_NONE, 3, tm}, {x, NN_I8_BCAST_F, 3, tm + 1}};
    nn_i8_sum_affine(y, terms, 2, ts, sum_bias, 0, 0, 255, 1, 1, 8, 8);
    static float feat[64], logits[4];
    nn_i8_quantize(x, feat, 64, 0.1f, 3);
    nn_i8_pixel_shuffle2(y, x, 1, 1, 2, 2);
    nn_i8_upsample_nearest2(y, x, 1, 4, 4);
    nn_i8_flatten(y, x, 4, 1, 4, 4);
    nn_i8_dequantize_logits(logits, x, 4, 1, 0.1f, 3);
    return y[0] + (int)logits[0];
}
