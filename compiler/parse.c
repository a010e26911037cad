/* Runs the flex scanner and the bison parser over one spec's text; see parse.h. */
#include "parse.h"

#include "parser.h"

#define YYSTYPE SPEC_YYSTYPE
#define YYLTYPE SPEC_YYLTYPE
#include "lexer.h"

Spec *parse_spec(const char *text, size_t len, Arena *arena, Diag *diag) {
    Spec *spec = arena_alloc(arena, sizeof *spec);
    ParseCtx ctx = {
        .arena = arena,
        .diag = diag,
        .spec = spec,
        .let_tail = &spec->lets,
        .stage_tail = &spec->stages,
        .budget_tail = &spec->budget,
    };
    yyscan_t scanner;
    if (spec_yylex_init_extra(&ctx, &scanner) != 0) {
        diag_error(diag, (Loc){0, 0}, "cannot start the scanner");
        return NULL;
    }
    YY_BUFFER_STATE buffer = spec_yy_scan_bytes(text, (int)len, scanner);
    int status = spec_yyparse(scanner, &ctx);
    spec_yy_delete_buffer(buffer, scanner);
    spec_yylex_destroy(scanner);
    return status == 0 ? spec : NULL;
}
