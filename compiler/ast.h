/* The syntax tree of one spec, exactly as written: the parser builds it and does
 * nothing else; resolve.c gives it meaning. All nodes live in the compile's arena. */
#ifndef ASCC_AST_H
#define ASCC_AST_H

#include "arena.h"
#include "diag.h"

typedef enum ExprKind {
    EXPR_NUMBER,  /* 40, 0.1, 128K */
    EXPR_NAME,    /* a `let` constant, a stage, or a word such as `nearest` */
    EXPR_CLASSES, /* the `classes` keyword used as a value */
    EXPR_NEG,
    EXPR_ADD,
    EXPR_SUB,
    EXPR_MUL,
    EXPR_DIV,
    EXPR_PAIR /* (4, 10): a frequency x time size */
} ExprKind;

typedef struct Expr Expr;
struct Expr {
    ExprKind kind;
    Loc loc;
    double number;
    const char *name;
    Expr *lhs, *rhs;
};

/* name = value, or a positional value when name is NULL. */
typedef struct Arg Arg;
struct Arg {
    Loc loc;
    const char *name;
    Expr *value;
    Arg *next;
};

/* One link of a stage's chain: `op(args) x repeat`. */
typedef struct Call Call;
struct Call {
    Loc loc;
    const char *op;
    Arg *args;
    Expr *repeat; /* NULL: once */
    Call *next;
};

typedef struct Stage Stage;
struct Stage {
    Loc loc;
    const char *name;
    Call *chain;
    Stage *next;
};

typedef struct Let Let;
struct Let {
    Loc loc;
    const char *name;
    Expr *value;
    Let *next;
};

/* `params <= 128K` (limit set) or `weights int8` (word set). */
typedef struct BudgetItem BudgetItem;
struct BudgetItem {
    Loc loc;
    const char *key;
    Expr *limit;
    const char *word;
    BudgetItem *next;
};

typedef struct Spec {
    Loc loc;
    const char *name;
    Call *input;
    Expr *classes;
    BudgetItem *budget;
    Loc budget_loc;
    Let *lets;
    Stage *stages;
} Spec;

Expr *ast_number(Arena *a, Loc loc, double value);
Expr *ast_name(Arena *a, Loc loc, const char *name);
Expr *ast_unary(Arena *a, Loc loc, ExprKind kind, Expr *operand);
Expr *ast_binary(Arena *a, Loc loc, ExprKind kind, Expr *lhs, Expr *rhs);
Arg *ast_arg(Arena *a, Loc loc, const char *name, Expr *value);
Call *ast_call(Arena *a, Loc loc, const char *op, Arg *args);

#endif
