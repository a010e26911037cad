/* The whole paper model (spec/bcres2net_mfa_fpm.asc) in double at batch 2: every
 * parameter tensor and the input, a few sampled elements each, against central
 * finite differences; maximum relative error at most 1e-6. Also checks that the
 * generated parameter layout holds exactly the counter's 126,590 parameters. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "bcres2net_mfa_fpm.h"
#include "gradcheck.h"
#include "check_run.h"

enum { SAMPLES_PER_TENSOR = 2 };

START_TEST(layout_matches_the_counter) {
    const AscModelInfo *info = &bcres2net_mfa_fpm_info;
    ck_assert_int_eq(info->params, 126590);
    int64_t next = 0;
    for (int i = 0; i < info->ntensors; i++) {
        ck_assert_int_eq(info->tensors[i].offset, next);
        next += info->tensors[i].count;
    }
    ck_assert_int_eq(next, info->params);
    ck_assert_str_eq(info->tensors[info->ntensors - 1].name, "head.linear.bias");
    ck_assert(info->tensors[info->ntensors - 1].classifier);
    ck_assert(!info->tensors[0].classifier);
}
END_TEST

START_TEST(paper_model_gradients_match_finite_differences) {
    GcModel m = {"bcres2net_mfa_fpm", &bcres2net_mfa_fpm_info, bcres2net_mfa_fpm_forward,
                 bcres2net_mfa_fpm_backward, bcres2net_mfa_fpm_forward};
    GcResult r = gradcheck(&m, 2, SAMPLES_PER_TENSOR, GC_DOUBLE_EPS, 2022u);
    printf("bcres2net_mfa_fpm batch 2: %d elements in %d tensors + input (%d at kinks replaced), "
           "worst relative error %.2e (%s)\n",
           r.checked, bcres2net_mfa_fpm_info.ntensors, r.at_kinks, r.worst, r.worst_tensor);
    ck_assert_msg(r.worst <= 1e-6, "error %.3e in %s", r.worst, r.worst_tensor);
}
END_TEST

int main(void) {
    Suite *s = suite_create("gradcheck paper model");
    TCase *tc = tcase_create("bcres2net_mfa_fpm");
    tcase_set_timeout(tc, 1200);
    tcase_add_test(tc, layout_matches_the_counter);
    tcase_add_test(tc, paper_model_gradients_match_finite_differences);
    suite_add_tcase(s, tc);
    return check_run(s);
}
