/* An independent, naive reference of the float forward pass (inference) written from
 * DESIGN.md section 3: one hand-written function per test model restates its spec;
 * parameters are found by NAME in the model's tensor table, never by offset. */
#ifndef REFERENCE_FORWARD_H
#define REFERENCE_FORWARD_H

#include "asc_model.h"

/* An activation tensor, batch x channels x frequency x time, row-major. */
typedef struct RefTensor {
    int n, c, f, t;
    double *v;
} RefTensor;

/* Where parameters and running statistics come from. */
typedef struct RefModel {
    const AscModelInfo *info;
    const float *params;
    const float *stats;
} RefModel;

/* Computes logits[batch][classes] from input[batch][1][F][T] for one model. */
typedef void (*RefForwardFn)(const RefModel *m, int batch, const float *input,
                             double *logits);

/* One per test model; each restates its spec (tests/codegen/specs/op_*.asc and
 * spec/bcres2net_mfa_fpm.asc) as a sequence of reference operators. */
void ref_op_activation(const RefModel *m, int batch, const float *input, double *logits);
void ref_op_bcres(const RefModel *m, int batch, const float *input, double *logits);
void ref_op_bcres2net(const RefModel *m, int batch, const float *input, double *logits);
void ref_op_conv(const RefModel *m, int batch, const float *input, double *logits);
void ref_op_fpm(const RefModel *m, int batch, const float *input, double *logits);
void ref_op_fpm_nearest(const RefModel *m, int batch, const float *input, double *logits);
void ref_op_mfa(const RefModel *m, int batch, const float *input, double *logits);
void ref_op_norm(const RefModel *m, int batch, const float *input, double *logits);
void ref_op_pool(const RefModel *m, int batch, const float *input, double *logits);
void ref_op_resnorm(const RefModel *m, int batch, const float *input, double *logits);
void ref_paper(const RefModel *m, int batch, const float *input, double *logits);

#endif
