/* Name resolution and argument binding: turns the syntax tree into a Model whose
 * layers carry bound, range-checked arguments (shapes come later, in infer.c).
 * Reports every name and argument error of the file. */
#ifndef ASCC_RESOLVE_H
#define ASCC_RESOLVE_H

#include "ast.h"
#include "model.h"

/* Returns NULL when the spec has errors that leave no model to check further. */
Model *resolve_spec(const Spec *spec, const char *file, Arena *arena, Diag *diag);

#endif
