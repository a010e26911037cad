/* The counter's formulas, operator by operator, on small cases computed by hand
 * (the arithmetic is in the comments), then the published figures the rules must
 * reproduce: the DCASE 2022 baseline and the paper's model. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile_helper.h"
#include "check_run.h"

/* A 1 x 32 x 8 input, 4 classes, and the given stages. */
static Compiled compile_stages(const char *stages) {
    char text[4096];
    snprintf(text, sizeof text,
             "model t {\n input logmel(freq = 32, time = 8);\n classes 4;\n%s\n}\n", stages);
    Compiled c;
    compile_text(&c, "t.asc", text, strlen(text));
    if (!c.model)
        fprintf(stderr, "unexpected errors:\n%s", c.diagnostics);
    return c;
}

static void check_layer(const Model *m, const char *name, long params, long macs, long int8_bytes,
                        long int32_bytes) {
    const Layer *l = find_layer(m, name);
    ck_assert_msg(l != NULL, "no layer %s", name);
    ck_assert_int_eq(l->counts.params, params);
    ck_assert_int_eq(l->counts.macs, macs);
    ck_assert_int_eq(l->counts.int8_bytes, int8_bytes);
    ck_assert_int_eq(l->counts.int32_bytes, int32_bytes);
}

START_TEST(conv_counts) {
    Compiled c = compile_stages(
        "a: conv(out = 8, kernel = 3) -> conv(out = 8, kernel = (3, 5), stride = 2, padding = valid)"
        " -> conv(out = 12, kernel = 3, groups = 4) -> conv(out = 4, kernel = 1, bias = true)"
        " -> globalpool;");
    ck_assert_ptr_nonnull(c.model);
    /* 1 -> 8, 3x3, same padding on 32 x 8: 72 weights, 72 * 256 MACs. */
    check_layer(c.model, "a.conv1", 72, 72 * 256, 72, 0);
    /* 8 -> 8, 3x5, stride 2, no padding: (32-3)/2+1 = 15 by (8-5)/2+1 = 2; 8*8*15 = 960 weights. */
    const Layer *l = find_layer(c.model, "a.conv2");
    ck_assert_int_eq(l->out.f, 15);
    ck_assert_int_eq(l->out.t, 2);
    check_layer(c.model, "a.conv2", 960, 960 * 30, 960, 0);
    /* 8 -> 12 in 4 groups: (8/4) * 12 * 9 = 216 weights on 15 x 2. */
    check_layer(c.model, "a.conv3", 216, 216 * 30, 216, 0);
    /* 12 -> 4 with bias: 48 + 4 parameters, the bias as 4 int32. */
    check_layer(c.model, "a.conv4", 52, 48 * 30, 48, 16);
    compile_free(&c);
}
END_TEST

START_TEST(norm_counts_and_folding) {
    Compiled c = compile_stages(
        "a: conv(out = 8) -> bn -> relu -> bn -> conv(out = 8, kernel = 1, bias = true) -> bn"
        " -> conv(out = 8) -> ssn(4) -> globalpool -> linear(classes);");
    ck_assert_ptr_nonnull(c.model);
    /* Folded into the conv before it: only the 8 int32 biases remain. */
    check_layer(c.model, "a.bn1", 16, 0, 0, 32);
    /* After a relu it cannot fold: an int8 scale and an int32 shift per channel. */
    check_layer(c.model, "a.bn2", 16, 0, 8, 32);
    /* The conv's own bias is replaced by the folded one: nothing extra. */
    check_layer(c.model, "a.bn3", 16, 0, 0, 0);
    /* SSN with 4 sub-bands: 2 * 8 * 4 parameters, 32 folded int32 biases. */
    check_layer(c.model, "a.ssn", 64, 0, 0, 128);
    compile_free(&c);
}
END_TEST

START_TEST(pool_shapes) {
    Compiled c = compile_stages(
        "a: conv(out = 8) -> maxpool(3) -> avgpool((2, 1), ceil = true) -> globalpool"
        " -> linear(classes);");
    ck_assert_ptr_nonnull(c.model);
    const Layer *mp = find_layer(c.model, "a.maxpool");
    ck_assert_int_eq(mp->out.f, 10); /* floor(32 / 3) */
    ck_assert_int_eq(mp->out.t, 2);  /* floor(8 / 3) */
    const Layer *ap = find_layer(c.model, "a.avgpool");
    ck_assert_int_eq(ap->out.f, 5); /* ceil(10 / 2) */
    ck_assert_int_eq(ap->out.t, 2);
    check_layer(c.model, "a.maxpool", 0, 0, 0, 0);
    compile_free(&c);
}
END_TEST

START_TEST(ceil_mode_pool) {
    Compiled c = compile_stages(
        "a: conv(out = 8) -> maxpool(3, ceil = true) -> globalpool -> linear(classes);");
    ck_assert_ptr_nonnull(c.model);
    const Layer *mp = find_layer(c.model, "a.maxpool");
    ck_assert_int_eq(mp->out.f, 11); /* ceil(32 / 3) */
    ck_assert_int_eq(mp->out.t, 3);  /* ceil(8 / 3) */
    compile_free(&c);
}
END_TEST

START_TEST(linear_counts) {
    Compiled c = compile_stages(
        "a: conv(out = 8) -> maxpool((16, 4)) -> flatten -> linear(5, bias = false)"
        " -> linear(classes);");
    ck_assert_ptr_nonnull(c.model);
    /* flatten: 8 x 2 x 2 = 32 values; 32 * 5 weights, no bias. */
    check_layer(c.model, "a.linear1", 160, 160, 160, 0);
    /* 5 -> 4 with bias. */
    check_layer(c.model, "a.linear2", 24, 20, 20, 16);
    compile_free(&c);
}
END_TEST

START_TEST(mfa_counts) {
    Compiled c = compile_stages("a: conv(out = 8) -> mfa -> globalpool -> linear(classes);");
    ck_assert_ptr_nonnull(c.model);
    /* 4 chunks of 2 channels. Chunks 2..4: dw 3x3 (18) + folded bn (4) = 22 each, 66.
     * Attention width: floor(2/2) = 1, odd, so 2. Each of 4 chunks: W1 2x2 + W2 2x2 = 8,
     * 32 in all. 98 parameters. MACs on 32 x 8: dw 18 * 256 * 3 = 13,824; attention
     * (4 + 4) * 32 bins * 4 chunks = 1,024. int8: 54 + 32 = 86; int32: 3 * 2 * 4 = 24. */
    check_layer(c.model, "a.mfa", 98, 14848, 86, 24);
    compile_free(&c);
}
END_TEST

START_TEST(mfa_attention_width_rule) {
    /* The rule the paper's parameter count depends on. */
    Compiled c = compile_stages("a: conv(out = 60) -> mfa -> globalpool -> linear(classes);");
    ck_assert_ptr_nonnull(c.model);
    /* cc = 15, q = 8: chunks 2..4: 135 + 30 each = 495; attention 4 * (15*8*2) = 960. */
    check_layer(c.model, "a.mfa", 1455, 15 * 9 * 256 * 3 + 4 * 2 * 15 * 8 * 32, 405 + 960, 3 * 15 * 4);
    compile_free(&c);
}
END_TEST

START_TEST(bcres2net_counts) {
    Compiled c = compile_stages(
        "a: conv(out = 8) -> bcres2net(out = 16) x 2 -> globalpool -> linear(classes);");
    ck_assert_ptr_nonnull(c.model);
    const Layer *t = find_layer(c.model, "a.bcres2net1");
    ck_assert_int_eq(t->transition, 1);
    ck_assert_int_eq(find_layer(c.model, "a.bcres2net2")->transition, 0);
    /* Transition 8 -> 16 on 32 x 8: conv1x1 128 + bn 32; F2 on chunks of 4: 3 x (dw 12 +
     * ssn 32) = 132; F1: 3 x 12 = 36; conv1x1 256; final bn 32. 616 parameters.
     * MACs: 128 * 256 + 12 * 256 * 3 + 12 * 8 * 3 + 256 * 8 = 44,320. */
    check_layer(c.model, "a.bcres2net1", 616, 44320, 128 + 36 + 36 + 256 + 16,
                64 + 3 * 64 + 64);
    /* Normal 16: 132 + 36 + 256 + 32 = 456; MACs 9,216 + 288 + 2,048. */
    check_layer(c.model, "a.bcres2net2", 456, 11552, 36 + 36 + 256 + 16, 3 * 64 + 64);
    compile_free(&c);
}
END_TEST

START_TEST(bcres_counts) {
    Compiled c = compile_stages(
        "a: conv(out = 16) -> bcres(out = 16) -> globalpool -> linear(classes);");
    ck_assert_ptr_nonnull(c.model);
    /* One dw 3x1 over 16 channels (48) + ssn (128); dw 1x3 (48); conv1x1 256; bn 32.
     * MACs: 48 * 256 + 48 * 8 + 256 * 8 = 14,720. */
    check_layer(c.model, "a.bcres", 512, 14720, 48 + 48 + 256 + 16, 256 + 64);
    compile_free(&c);
}
END_TEST

START_TEST(fpm_counts) {
    Compiled c = compile_stages(
        "a: conv(out = 8);\n b: maxpool(2);\n head: fpm(a, b, width = 8) -> linear(classes);");
    ck_assert_ptr_nonnull(c.model);
    const Layer *f = find_layer(c.model, "head.fpm");
    ck_assert_int_eq(f->out.c, 16);
    /* Laterals 8*8 twice = 128; upsampling conv 8 -> 32 = 256; two smoothing blocks of
     * 164 (F2 66, F1 18, conv 64, bn 16). 712 parameters. MACs: laterals 64*256 + 64*64;
     * upsampling 256 * (16*4); smoothing 1,480 at 16 x 4 and 5,264 at 32 x 8. */
    ck_assert_int_eq(f->counts.params, 712);
    ck_assert_int_eq(f->counts.macs, 16384 + 4096 + 16384 + 1480 + 5264);
    compile_free(&c);
}
END_TEST

START_TEST(fpm_nearest_has_no_upsampling_conv) {
    Compiled c = compile_stages(
        "a: conv(out = 8);\n b: maxpool(2);\n"
        " head: fpm(a, b, width = 8, upsample = nearest) -> linear(classes);");
    ck_assert_ptr_nonnull(c.model);
    ck_assert_int_eq(find_layer(c.model, "head.fpm")->counts.params, 712 - 256);
    compile_free(&c);
}
END_TEST

START_TEST(let_arithmetic_rounds_channels) {
    Compiled c = compile_stages(
        "let C = 41;\n let K = (3, 1);\n a: conv(out = 1.5 * C, kernel = K) -> conv(out = (C + 1) / 2 - -1)"
        " -> globalpool -> linear(classes);");
    ck_assert_ptr_nonnull(c.model);
    ck_assert_int_eq(find_layer(c.model, "a.conv1")->out.c, 62); /* 61.5 rounds up */
    ck_assert_int_eq(find_layer(c.model, "a.conv1")->counts.params, 62 * 3);
    ck_assert_int_eq(find_layer(c.model, "a.conv2")->out.c, 22);
    compile_free(&c);
}
END_TEST

static Compiled compile_file(const char *path) {
    char *text = read_text_file(path);
    Compiled c;
    compile_text(&c, path, text, strlen(text));
    free(text);
    return c;
}

START_TEST(dcase2022_baseline_published_figures) {
    Compiled c = compile_file(SPEC_DIR "/dcase2022_baseline.asc");
    ck_assert_ptr_nonnull(c.model);
    ck_assert_int_eq(find_layer(c.model, "block1.conv")->counts.macs, 1599360);
    ck_assert_int_eq(find_layer(c.model, "block2.conv")->counts.macs, 25589760);
    ck_assert_int_eq(find_layer(c.model, "block3.conv")->counts.macs, 2007040);
    ck_assert_int_eq(c.model->total.int8_bytes + c.model->total.int32_bytes, 46512);
    compile_free(&c);
}
END_TEST

START_TEST(paper_model_figures) {
    Compiled c = compile_file(SPEC_DIR "/bcres2net_mfa_fpm.asc");
    ck_assert_ptr_nonnull(c.model);
    ck_assert_int_eq(c.model->total.params, 126590);
    double ratio = (double)c.model->total.macs / 27.76e6;
    ck_assert_msg(ratio > 0.95 && ratio < 1.05, "MACs %lld", (long long)c.model->total.macs);
    ck_assert_int_le(c.model->total.macs, 30000000);
    ck_assert(c.budget_ok);
    /* The DCASE rule: at most 128,000 bytes of int8 parameters. */
    ck_assert_int_le(c.model->total.int8_bytes, 128000);
    compile_free(&c);
}
END_TEST

START_TEST(paper_model_at_c48_exceeds_budget) {
    char *buf = read_text_file(SPEC_DIR "/bcres2net_mfa_fpm.asc");
    char *let = strstr(buf, "let C = 40;");
    ck_assert_ptr_nonnull(let);
    memcpy(let, "let C = 48;", 11);
    Compiled c;
    compile_text(&c, "c48.asc", buf, strlen(buf));
    free(buf);
    ck_assert_ptr_nonnull(c.model);
    ck_assert(!c.budget_ok);
    ck_assert_ptr_nonnull(strstr(c.diagnostics, "c48.asc:6:10: error: parameter budget exceeded"));
    ck_assert_ptr_nonnull(strstr(c.diagnostics, "c48.asc:6:26: error: MAC budget exceeded"));
    compile_free(&c);
}
END_TEST

START_TEST(spec_hash_ignores_comments) {
    const char *a = "model h { input logmel(freq = 8, time = 8); classes 2;\n"
                    " s: conv(out = 4) -> globalpool -> linear(classes); }";
    const char *b = "# a comment\nmodel h {\n  input logmel(freq = 8, time = 8);\n  classes 2;\n"
                    "  s: conv(out = 4) -> globalpool -> linear(classes);   # more\n}\n";
    const char *d = "model h { input logmel(freq = 8, time = 8); classes 2;\n"
                    " s: conv(out = 5) -> globalpool -> linear(classes); }";
    Compiled ca, cb, cd;
    compile_text(&ca, "a", a, strlen(a));
    compile_text(&cb, "b", b, strlen(b));
    compile_text(&cd, "d", d, strlen(d));
    ck_assert(ca.model && cb.model && cd.model);
    ck_assert(ca.model->hash == cb.model->hash);
    ck_assert(ca.model->hash != cd.model->hash);
    compile_free(&ca);
    compile_free(&cb);
    compile_free(&cd);
}
END_TEST

int main(void) {
    Suite *s = suite_create("counts");
    TCase *ops = tcase_create("operators");
    tcase_add_test(ops, conv_counts);
    tcase_add_test(ops, norm_counts_and_folding);
    tcase_add_test(ops, pool_shapes);
    tcase_add_test(ops, ceil_mode_pool);
    tcase_add_test(ops, linear_counts);
    tcase_add_test(ops, mfa_counts);
    tcase_add_test(ops, mfa_attention_width_rule);
    tcase_add_test(ops, bcres2net_counts);
    tcase_add_test(ops, bcres_counts);
    tcase_add_test(ops, fpm_counts);
    tcase_add_test(ops, fpm_nearest_has_no_upsampling_conv);
    tcase_add_test(ops, let_arithmetic_rounds_channels);
    suite_add_tcase(s, ops);
    TCase *models = tcase_create("published figures");
    tcase_add_test(models, dcase2022_baseline_published_figures);
    tcase_add_test(models, paper_model_figures);
    tcase_add_test(models, paper_model_at_c48_exceeds_budget);
    tcase_add_test(models, spec_hash_ignores_comments);
    suite_add_tcase(s, models);
    return check_run(s);
}
