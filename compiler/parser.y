/* The grammar of the spec language. Actions only build the syntax tree; meaning
 * (names, arguments, shapes) is given by resolve.c. Errors recover at the next ';'
 * so that one run reports every broken statement of a file. */
%define api.pure full
%define api.prefix {spec_yy}
%define parse.error detailed
%locations
%param {void *scanner}
%parse-param {ParseCtx *ctx}

%code requires {
#include "parse.h"
}

%code provides {
int spec_yylex(SPEC_YYSTYPE *lval, SPEC_YYLTYPE *lloc, void *scanner);
void spec_yyerror(SPEC_YYLTYPE *lloc, void *scanner, ParseCtx *ctx, const char *msg);
}

%code {
#include <string.h>

#define YYMAXDEPTH PARSE_MAX_DEPTH
#define YYINITDEPTH 64

static Loc at(SPEC_YYLTYPE l) { return (Loc){l.first_line, l.first_column}; }

/* `input`, `classes` and `budget` may each appear once. */
static void once(ParseCtx *ctx, int already, SPEC_YYLTYPE where, const char *what) {
    if (already)
        diag_error(ctx->diag, at(where), "'%s' is declared more than once", what);
}
}

%union {
    double number;
    const char *name;
    Expr *expr;
    struct { Arg *head, *tail; } args;
    struct { Call *head, *tail; } chain;
    Call *call;
    BudgetItem *budget;
}

%token MODEL "model" INPUT "input" CLASSES "classes" BUDGET "budget" LET "let"
%token REPEAT "x" ARROW "->" LE "<="
%token BAD "invalid character"
%token <name> IDENT "identifier"
%token <number> NUMBER "number"

%type <expr> expr
%type <args> args args_opt
%type <chain> chain
%type <call> link call
%type <budget> budget_item

%left '+' '-'
%left '*' '/'
%precedence NEG

%%

/* spec = "model" NAME "{" item* "}" */
spec
    : MODEL IDENT '{' items '}' { ctx->spec->name = $2; ctx->spec->loc = at(@2); }
    ;

items
    : %empty
    | items item
    ;

/* item = input | classes | budget | let | stage, each ended by ";" */
item
    : INPUT IDENT '(' args_opt ')' ';' {
          once(ctx, ctx->spec->input != NULL, @1, "input");
          ctx->spec->input = ast_call(ctx->arena, at(@2), $2, $4.head);
      }
    | CLASSES expr ';' {
          once(ctx, ctx->spec->classes != NULL, @1, "classes");
          ctx->spec->classes = $2;
      }
    | BUDGET budget_items ';' {
          once(ctx, ctx->spec->budget_loc.line != 0, @1, "budget");
          ctx->spec->budget_loc = at(@1);
      }
    | LET IDENT '=' expr ';' {
          Let *let = arena_alloc(ctx->arena, sizeof *let);
          let->loc = at(@2);
          let->name = $2;
          let->value = $4;
          *ctx->let_tail = let;
          ctx->let_tail = &let->next;
      }
    | IDENT ':' chain ';' {
          Stage *stage = arena_alloc(ctx->arena, sizeof *stage);
          stage->loc = at(@1);
          stage->name = $1;
          stage->chain = $3.head;
          *ctx->stage_tail = stage;
          ctx->stage_tail = &stage->next;
      }
    | error ';' { yyerrok; }
    ;

/* budget = "budget" item ("," item)*;  item = NAME "<=" expr | NAME NAME */
budget_items
    : budget_item                  { *ctx->budget_tail = $1; ctx->budget_tail = &$1->next; }
    | budget_items ',' budget_item { *ctx->budget_tail = $3; ctx->budget_tail = &$3->next; }
    ;

budget_item
    : IDENT LE expr {
          $$ = arena_alloc(ctx->arena, sizeof *$$);
          $$->loc = at(@1); $$->key = $1; $$->limit = $3;
      }
    | IDENT IDENT {
          $$ = arena_alloc(ctx->arena, sizeof *$$);
          $$->loc = at(@1); $$->key = $1; $$->word = $2;
      }
    ;

/* chain = link ("->" link)* */
chain
    : link             { $$.head = $$.tail = $1; }
    | chain ARROW link { $1.tail->next = $3; $$.head = $1.head; $$.tail = $3; }
    ;

/* link = call ("x" expr)? */
link
    : call             { $$ = $1; }
    | call REPEAT expr { $$ = $1; $$->repeat = $3; }
    ;

/* call = NAME ("(" args? ")")? */
call
    : IDENT                  { $$ = ast_call(ctx->arena, at(@1), $1, NULL); }
    | IDENT '(' args_opt ')' { $$ = ast_call(ctx->arena, at(@1), $1, $3.head); }
    ;

args_opt
    : %empty { $$.head = $$.tail = NULL; }
    | args   { $$ = $1; }
    ;

/* args = arg ("," arg)*;  arg = expr | NAME "=" expr */
args
    : expr                   { $$.head = $$.tail = ast_arg(ctx->arena, at(@1), NULL, $1); }
    | IDENT '=' expr         { $$.head = $$.tail = ast_arg(ctx->arena, at(@1), $1, $3); }
    | args ',' expr {
          Arg *a = ast_arg(ctx->arena, at(@3), NULL, $3);
          $1.tail->next = a; $$.head = $1.head; $$.tail = a;
      }
    | args ',' IDENT '=' expr {
          Arg *a = ast_arg(ctx->arena, at(@3), $3, $5);
          $1.tail->next = a; $$.head = $1.head; $$.tail = a;
      }
    ;

/* expr = expr ("+"|"-"|"*"|"/") expr | "-" expr | "(" expr ")" | "(" expr "," expr ")"
 *      | NUMBER | NAME | "classes" */
expr
    : expr '+' expr          { $$ = ast_binary(ctx->arena, at(@2), EXPR_ADD, $1, $3); }
    | expr '-' expr          { $$ = ast_binary(ctx->arena, at(@2), EXPR_SUB, $1, $3); }
    | expr '*' expr          { $$ = ast_binary(ctx->arena, at(@2), EXPR_MUL, $1, $3); }
    | expr '/' expr          { $$ = ast_binary(ctx->arena, at(@2), EXPR_DIV, $1, $3); }
    | '-' expr %prec NEG     { $$ = ast_unary(ctx->arena, at(@1), EXPR_NEG, $2); }
    | '(' expr ')'           { $$ = $2; }
    | '(' expr ',' expr ')'  { $$ = ast_binary(ctx->arena, at(@1), EXPR_PAIR, $2, $4); }
    | NUMBER                 { $$ = ast_number(ctx->arena, at(@1), $1); }
    | IDENT                  { $$ = ast_name(ctx->arena, at(@1), $1); }
    | CLASSES                { $$ = ast_unary(ctx->arena, at(@1), EXPR_CLASSES, NULL); }
    ;

%%

void spec_yyerror(SPEC_YYLTYPE *lloc, void *scanner, ParseCtx *ctx, const char *msg) {
    (void)scanner;
    Loc loc = {lloc->first_line, lloc->first_column};
    if (ctx->bad_token[0])
        diag_error(ctx->diag, loc, "%s", ctx->bad_token);
    else if (strcmp(msg, "memory exhausted") == 0)
        diag_error(ctx->diag, loc, "nesting is too deep (more than %d levels)",
                   PARSE_MAX_DEPTH);
    else
        diag_error(ctx->diag, loc, "%s", msg);
}
