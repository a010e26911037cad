/* Constructors for syntax-tree nodes; see ast.h. */
#include "ast.h"

Expr *ast_number(Arena *a, Loc loc, double value) {
    Expr *e = arena_alloc(a, sizeof *e);
    e->kind = EXPR_NUMBER;
    e->loc = loc;
    e->number = value;
    return e;
}

Expr *ast_name(Arena *a, Loc loc, const char *name) {
    Expr *e = arena_alloc(a, sizeof *e);
    e->kind = EXPR_NAME;
    e->loc = loc;
    e->name = name;
    return e;
}

Expr *ast_unary(Arena *a, Loc loc, ExprKind kind, Expr *operand) {
    Expr *e = arena_alloc(a, sizeof *e);
    e->kind = kind;
    e->loc = loc;
    e->lhs = operand;
    return e;
}

Expr *ast_binary(Arena *a, Loc loc, ExprKind kind, Expr *lhs, Expr *rhs) {
    Expr *e = arena_alloc(a, sizeof *e);
    e->kind = kind;
    e->loc = loc;
    e->lhs = lhs;
    e->rhs = rhs;
    return e;
}

Arg *ast_arg(Arena *a, Loc loc, const char *name, Expr *value) {
    Arg *arg = arena_alloc(a, sizeof *arg);
    arg->loc = loc;
    arg->name = name;
    arg->value = value;
    return arg;
}

Call *ast_call(Arena *a, Loc loc, const char *op, Arg *args) {
    Call *c = arena_alloc(a, sizeof *c);
    c->loc = loc;
    c->op = op;
    c->args = args;
    return c;
}
