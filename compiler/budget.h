/* The budget check: the DCASE limits (or a spec's own) on parameters and MACs. */
#ifndef ASCC_BUDGET_H
#define ASCC_BUDGET_H

#include "model.h"

/* Reports an error at the budget clause for every exceeded limit; returns 1 if
 * the model fits. */
int budget_check(const Model *model, Diag *diag);

/* 1 if the model fits its budget, without reporting. */
int budget_ok(const Model *model);

#endif
