/* Backward against central finite differences for every operator (a small model
 * each, every parameter and input element checked), at the precision this test is
 * built for: in double the error bound is 1e-6, in float 1e-2 (against finite
 * differences of the double build of the same model: differences taken in float
 * itself drown in float rounding). GC_MODELS_H lists the generated models. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "gradcheck.h"
#include "check_run.h"

#include GC_MODELS_H /* the models' headers */

static const GcModel models[] = {
#if GC_DOUBLE
#define GC_MODEL(m) {#m, &m##_info, m##_forward, m##_backward, m##_forward},
#else
#define GC_MODEL(m) {#m, &m##_info, m##_forward, m##_backward, m##_f64_forward},
#endif
#include GC_MODELS_H
#undef GC_MODEL
};

#define EPS GC_DOUBLE_EPS
#if GC_DOUBLE
#define TOLERANCE 1e-6
#else
#define TOLERANCE 1e-2
#endif

START_TEST(operator_gradients_match_finite_differences) {
    const GcModel *m = &models[_i];
    for (int n = 1; n <= 3; n += 2) {
        GcResult r = gradcheck(m, n, 0, EPS, 1234u + (unsigned)_i);
        printf("%-16s batch %d: %6d elements (%d at kinks passed over), worst relative error %.2e (%s)\n",
               m->name, n, r.checked, r.at_kinks, r.worst, r.worst_tensor);
        ck_assert_msg(r.worst <= TOLERANCE, "%s batch %d: error %.3e in %s", m->name, n, r.worst,
                      r.worst_tensor);
    }
}
END_TEST

int main(void) {
    Suite *s = suite_create(GC_DOUBLE ? "gradcheck double" : "gradcheck float");
    TCase *tc = tcase_create("operators");
    tcase_set_timeout(tc, 600);
    tcase_add_loop_test(tc, operator_gradients_match_finite_differences, 0,
                        (int)(sizeof models / sizeof models[0]));
    suite_add_tcase(s, tc);
    return check_run(s);
}
