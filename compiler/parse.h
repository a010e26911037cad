/* The bridge between the flex scanner, the bison parser and the rest of the
 * compiler: parse_spec() turns spec text into a Spec, reporting every lexical and
 * syntax error it can recover from. */
#ifndef ASCC_PARSE_H
#define ASCC_PARSE_H

#include "ast.h"

/* State shared by scanner and parser actions. */
typedef struct ParseCtx {
    Arena *arena;
    Diag *diag;
    Spec *spec;
    Let **let_tail;
    Stage **stage_tail;
    BudgetItem **budget_tail;
    /* Set while the lookahead is a character the language does not use, so that
     * the parser reports it as such instead of as a syntax error. */
    char bad_token[64];
} ParseCtx;

/* Deep nesting is refused with an error long before the C stack is at risk. */
enum { PARSE_MAX_DEPTH = 400, NAME_MAX_LEN = 48 };

/* Returns the tree, or NULL when the text is not a spec at all (errors reported).
 * A tree may come back alongside errors: later passes still report what they can. */
Spec *parse_spec(const char *text, size_t len, Arena *arena, Diag *diag);

#endif
