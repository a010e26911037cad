/* Name resolution: `let` constants, the input, classes and budget clauses, and the
 * stages, whose chains expand (`x N`) into the model's flat layer list. Arguments
 * are bound to the operator's ArgSpecs here, so every later pass sees valid values. */
#include "resolve.h"

#include <math.h>
#include <string.h>

#include "ops.h"

/* The value of an expression: a number, a (frequency, time) pair, or a bare word
 * (a stage name or a choice such as `nearest`) for the argument binder to judge. */
typedef enum ValueKind { VAL_ERROR, VAL_NUMBER, VAL_PAIR, VAL_WORD } ValueKind;

typedef struct Value {
    ValueKind kind;
    double num[2];
    const char *word;
    int literal; /* written as a number, not computed */
} Value;

typedef struct LetValue {
    const Let *let;
    Value value;
    int done;
} LetValue;

typedef struct Resolver {
    const Spec *spec;
    Model *model;
    Arena *arena;
    Diag *diag;
    LetValue *lets;
    int nlets;
    int classes_known;
} Resolver;

static const LetValue *find_let(const Resolver *r, const char *name) {
    for (int i = 0; i < r->nlets; i++)
        if (strcmp(r->lets[i].let->name, name) == 0)
            return &r->lets[i];
    return NULL;
}

static int find_stage(const Resolver *r, const char *name) {
    int i = 0;
    for (const Stage *s = r->spec->stages; s; s = s->next, i++)
        if (strcmp(s->name, name) == 0)
            return i;
    return -1;
}

static Value error_value(void) { return (Value){.kind = VAL_ERROR}; }

static Value eval(Resolver *r, const Expr *e);

static Value eval_name(Resolver *r, const Expr *e) {
    const LetValue *lv = find_let(r, e->name);
    const Let *later = NULL;
    for (const Let *l = r->spec->lets; l && !lv && !later; l = l->next)
        if (strcmp(l->name, e->name) == 0)
            later = l;
    if (lv && (!lv->done || !loc_before(lv->let->loc, e->loc)))
        later = lv->let;
    if (later) {
        diag_error(r->diag, e->loc, "'%s' is used before its definition on line %d", e->name,
                   later->loc.line);
        return error_value();
    }
    if (!lv)
        return (Value){.kind = VAL_WORD, .word = e->name};
    Value v = lv->value;
    v.literal = 0;
    return v;
}

/* Arithmetic needs numbers on both sides; a bare word here is an unknown constant. */
static int want_number(Resolver *r, const Expr *e, Value v) {
    if (v.kind == VAL_NUMBER)
        return 1;
    if (v.kind == VAL_WORD)
        diag_error(r->diag, e->loc, "unknown constant '%s'", v.word);
    else if (v.kind == VAL_PAIR)
        diag_error(r->diag, e->loc, "arithmetic on a (frequency, time) pair");
    return 0;
}

static Value eval_arith(Resolver *r, const Expr *e) {
    Value a = eval(r, e->lhs);
    Value b = e->kind == EXPR_NEG ? (Value){.kind = VAL_NUMBER} : eval(r, e->rhs);
    if (a.kind == VAL_ERROR || b.kind == VAL_ERROR)
        return error_value();
    if (!want_number(r, e->lhs, a) || (e->kind != EXPR_NEG && !want_number(r, e->rhs, b)))
        return error_value();
    double x = a.num[0], y = b.num[0], z;
    switch (e->kind) {
    case EXPR_NEG: z = -x; break;
    case EXPR_ADD: z = x + y; break;
    case EXPR_SUB: z = x - y; break;
    case EXPR_MUL: z = x * y; break;
    default:
        if (y == 0) {
            diag_error(r->diag, e->loc, "division by zero");
            return error_value();
        }
        z = x / y;
        break;
    }
    if (!isfinite(z) || fabs(z) > 1e15) {
        diag_error(r->diag, e->loc, "value is too large");
        return error_value();
    }
    return (Value){.kind = VAL_NUMBER, .num = {z, z}};
}

static Value eval(Resolver *r, const Expr *e) {
    switch (e->kind) {
    case EXPR_NUMBER:
        return (Value){.kind = VAL_NUMBER, .num = {e->number, e->number}, .literal = 1};
    case EXPR_NAME:
        return eval_name(r, e);
    case EXPR_CLASSES:
        if (!r->classes_known) {
            diag_error(r->diag, e->loc, "'classes' is used but not declared");
            return error_value();
        }
        return (Value){.kind = VAL_NUMBER, .num = {r->model->classes, r->model->classes}};
    case EXPR_PAIR: {
        Value a = eval(r, e->lhs), b = eval(r, e->rhs);
        if (a.kind == VAL_ERROR || b.kind == VAL_ERROR)
            return error_value();
        if (!want_number(r, e->lhs, a) || !want_number(r, e->rhs, b))
            return error_value();
        return (Value){.kind = VAL_PAIR, .num = {a.num[0], b.num[0]},
                       .literal = a.literal && b.literal};
    }
    default:
        return eval_arith(r, e);
    }
}

/* A whole number within [min, max]. Computed values round to the nearest integer
 * (1.5 * C channels); a literal with a fraction is a mistake and says so. */
static int to_int(Resolver *r, Loc loc, const char *what, double v, int literal, double min,
                  double max, int *out) {
    double rounded = floor(v + 0.5);
    if (literal && rounded != v) {
        diag_error(r->diag, loc, "%s must be a whole number, got %g", what, v);
        return 0;
    }
    if (rounded < min || rounded > max) {
        diag_error(r->diag, loc, "%s must be between %g and %g, got %g", what, min, max, v);
        return 0;
    }
    *out = (int)rounded;
    return 1;
}

static int choice_index(const char *const *choices, const char *word) {
    for (int i = 0; choices[i]; i++)
        if (strcmp(choices[i], word) == 0)
            return i;
    return -1;
}

static void list_choices(char *buf, size_t size, const char *const *choices) {
    buf[0] = '\0';
    for (int i = 0; choices[i]; i++) {
        size_t n = strlen(buf);
        snprintf(buf + n, size - n, "%s'%s'", i == 0 ? "" : (choices[i + 1] ? ", " : " or "),
                 choices[i]);
    }
}

/* Binds one non-stage argument value; `what` names it in errors. */
static int bind_value(Resolver *r, const ArgSpec *spec, const char *what, const Expr *e,
                      ArgValue *out) {
    Value v = eval(r, e);
    if (v.kind == VAL_ERROR)
        return 0;
    static const char *const bools[] = {"false", "true", NULL};
    static const char *const paddings[] = {"same", "valid", NULL};
    const char *const *words = spec->type == ARG_BOOL      ? bools
                               : spec->type == ARG_PADDING ? paddings
                               : spec->type == ARG_CHOICE  ? spec->choices
                                                           : NULL;
    if (v.kind == VAL_WORD) {
        int k = words ? choice_index(words, v.word) : -1;
        if (k < 0) {
            if (!words) {
                diag_error(r->diag, e->loc, "unknown constant '%s'", v.word);
                return 0;
            }
            char expected[160];
            list_choices(expected, sizeof expected, words);
            diag_error(r->diag, e->loc, "%s: unknown value '%s' (expected %s)", what, v.word,
                       expected);
            return 0;
        }
        out->i[0] = out->i[1] = spec->type == ARG_PADDING ? (k == 0 ? -1 : 0) : k;
        return 1;
    }
    if (spec->type == ARG_CHOICE || spec->type == ARG_BOOL) {
        char expected[160];
        list_choices(expected, sizeof expected, words);
        diag_error(r->diag, e->loc, "%s: expected %s", what, expected);
        return 0;
    }
    if (v.kind == VAL_PAIR && spec->type != ARG_PAIR && spec->type != ARG_PADDING) {
        diag_error(r->diag, e->loc, "%s: expected a single number, got a pair", what);
        return 0;
    }
    if (spec->type == ARG_REAL) {
        if (v.num[0] < spec->min || v.num[0] > spec->max) {
            diag_error(r->diag, e->loc, "%s must be between %g and %g, got %g", what, spec->min,
                       spec->max, v.num[0]);
            return 0;
        }
        out->real = v.num[0];
        return 1;
    }
    return to_int(r, e->loc, what, v.num[0], v.literal, spec->min, spec->max, &out->i[0]) &&
           to_int(r, e->loc, what, v.num[1], v.literal, spec->min, spec->max, &out->i[1]);
}

/* Positional stage names of fpm: each must name an earlier stage. */
static int bind_stage_ref(Resolver *r, Layer *layer, int current, const Arg *arg) {
    Value v = eval(r, arg->value);
    if (v.kind == VAL_ERROR)
        return 0;
    if (v.kind != VAL_WORD) {
        diag_error(r->diag, arg->loc, "%s: expected a stage name", layer->op->name);
        return 0;
    }
    int s = find_stage(r, v.word);
    if (s < 0) {
        diag_error(r->diag, arg->loc, "unknown stage '%s'", v.word);
        return 0;
    }
    if (s == current) {
        diag_error(r->diag, arg->loc, "stage '%s' cannot use its own output", v.word);
        return 0;
    }
    if (s > current) {
        diag_error(r->diag, arg->loc, "stage '%s' is defined later (line %d): only earlier stages can be used",
                   v.word, r->model->stages[s].loc.line);
        return 0;
    }
    if (layer->nrefs > 0 && s <= layer->refs[layer->nrefs - 1]) {
        diag_error(r->diag, arg->loc,
                   "%s: stages must be listed shallowest first, each once ('%s' comes before '%s')",
                   layer->op->name, v.word, r->model->stages[layer->refs[layer->nrefs - 1]].name);
        return 0;
    }
    if (layer->nrefs == MAX_STAGE_REFS) {
        diag_error(r->diag, arg->loc, "%s: at most %d stages", layer->op->name, MAX_STAGE_REFS);
        return 0;
    }
    layer->ref_locs[layer->nrefs] = arg->loc;
    layer->refs[layer->nrefs++] = s;
    return 1;
}

static int find_arg_spec(const OpDesc *op, const char *name) {
    for (int i = 0; i < op->nargs; i++)
        if (strcmp(op->args[i].name, name) == 0)
            return i;
    return -1;
}

static const char *suggest_arg(const OpDesc *op, const char *name) {
    for (int i = 0; i < op->nargs; i++)
        if (name_distance(name, op->args[i].name) <= 2)
            return op->args[i].name;
    return NULL;
}

/* Which ArgSpec an argument fills: by name, else by position. -1 after an error. */
static int arg_slot(Resolver *r, const OpDesc *op, const Arg *arg, int *positional) {
    if (arg->name) {
        int k = find_arg_spec(op, arg->name);
        if (k < 0 || op->args[k].type == ARG_STAGES) {
            const char *hint = suggest_arg(op, arg->name);
            if (hint)
                diag_error(r->diag, arg->loc, "%s has no argument '%s' (did you mean '%s'?)",
                           op->name, arg->name, hint);
            else
                diag_error(r->diag, arg->loc, "%s has no argument '%s'", op->name, arg->name);
            return -1;
        }
        return k;
    }
    if (*positional >= op->npositional) {
        if (op->npositional == 0)
            diag_error(r->diag, arg->loc, "%s takes only named arguments", op->name);
        else
            diag_error(r->diag, arg->loc, "%s takes at most %d unnamed argument%s", op->name,
                       op->npositional, op->npositional == 1 ? "" : "s");
        return -1;
    }
    return (*positional)++;
}

/* Binds a call's arguments to layer->args, then fills defaults. Returns 0 on error. */
static int bind_args(Resolver *r, const OpDesc *op, const Call *call, Layer *layer, int stage) {
    int ok = 1, positional = 0;
    int stages_slot = op->nargs > 0 && op->args[0].type == ARG_STAGES;
    for (const Arg *arg = call->args; arg; arg = arg->next) {
        if (stages_slot && !arg->name) {
            ok &= bind_stage_ref(r, layer, stage, arg);
            layer->args[0].given = 1;
            continue;
        }
        int k = arg_slot(r, op, arg, &positional);
        if (k < 0) {
            ok = 0;
            continue;
        }
        const ArgSpec *spec = &op->args[k];
        if (layer->args[k].given) {
            diag_error(r->diag, arg->loc, "%s: argument '%s' is given twice", op->name, spec->name);
            ok = 0;
            continue;
        }
        char what[96];
        snprintf(what, sizeof what, "%s: '%s'", op->name, spec->name);
        ok &= bind_value(r, spec, what, arg->value, &layer->args[k]);
        layer->args[k].given = 1;
    }
    for (int k = 0; k < op->nargs; k++) {
        const ArgSpec *spec = &op->args[k];
        if (layer->args[k].given)
            continue;
        if (spec->required) {
            if (spec->type == ARG_STAGES)
                diag_error(r->diag, call->loc, "%s needs the names of the stages it combines",
                           op->name);
            else
                diag_error(r->diag, call->loc, "%s needs the argument '%s'", op->name, spec->name);
            ok = 0;
        }
        layer->args[k].i[0] = layer->args[k].i[1] = (int)spec->def;
        layer->args[k].real = spec->def;
    }
    return ok;
}

/* `let NAME = expr;`: evaluated in source order, so each may use the ones before. */
static void resolve_lets(Resolver *r) {
    int n = 0;
    for (const Let *l = r->spec->lets; l; l = l->next)
        n++;
    r->lets = arena_alloc(r->arena, sizeof *r->lets * (size_t)(n + 1));
    for (const Let *l = r->spec->lets; l; l = l->next) {
        const LetValue *prior = find_let(r, l->name);
        if (prior) {
            diag_error(r->diag, l->loc, "'%s' is already defined on line %d", l->name,
                       prior->let->loc.line);
            continue;
        }
        if (find_stage(r, l->name) >= 0) {
            diag_error(r->diag, l->loc, "'%s' is also the name of a stage", l->name);
            continue;
        }
        LetValue *lv = &r->lets[r->nlets++];
        lv->let = l;
        lv->value = eval(r, l->value);
        if (lv->value.kind == VAL_WORD) {
            diag_error(r->diag, l->value->loc, "unknown constant '%s'", lv->value.word);
            lv->value.kind = VAL_ERROR;
        }
        lv->done = 1;
    }
}

/* `input logmel(freq = F, time = T);` gives a 1 x F x T input. */
static void resolve_input(Resolver *r) {
    const Call *in = r->spec->input;
    if (!in) {
        diag_error(r->diag, r->spec->loc, "model '%s' has no 'input' declaration", r->model->name);
        return;
    }
    if (strcmp(in->op, op_input_logmel.name) != 0) {
        diag_error(r->diag, in->loc, "unknown input '%s' (expected 'logmel')", in->op);
        return;
    }
    Layer tmp = {.op = &op_input_logmel, .loc = in->loc};
    if (bind_args(r, &op_input_logmel, in, &tmp, -1))
        r->model->input = (Shape){1, tmp.args[0].i[0], tmp.args[1].i[0]};
}

static void resolve_classes(Resolver *r) {
    const Expr *e = r->spec->classes;
    if (!e) {
        diag_error(r->diag, r->spec->loc, "model '%s' has no 'classes' declaration", r->model->name);
        return;
    }
    Value v = eval(r, e);
    if (v.kind == VAL_ERROR)
        return;
    if (v.kind != VAL_NUMBER) {
        diag_error(r->diag, e->loc, "classes must be a number");
        return;
    }
    if (to_int(r, e->loc, "classes", v.num[0], v.literal, 2, MODEL_MAX_CLASSES,
               &r->model->classes))
        r->classes_known = 1;
}

/* `budget params <= N, macs <= N, weights int8;` */
static void resolve_budget_item(Resolver *r, const BudgetItem *item) {
    Budget *b = &r->model->budget;
    int is_params = strcmp(item->key, "params") == 0, is_macs = strcmp(item->key, "macs") == 0;
    if (strcmp(item->key, "weights") == 0) {
        if (!item->word || (strcmp(item->word, "int8") != 0 && strcmp(item->word, "fp32") != 0))
            diag_error(r->diag, item->loc, "budget: weights must be 'int8' or 'fp32'");
        else if (b->weights)
            diag_error(r->diag, item->loc, "budget: 'weights' is given twice");
        else
            b->weights = item->word;
        return;
    }
    if (!is_params && !is_macs) {
        diag_error(r->diag, item->loc,
                   "budget: unknown item '%s' (expected 'params', 'macs' or 'weights')", item->key);
        return;
    }
    if (!item->limit) {
        diag_error(r->diag, item->loc, "budget: expected '%s <= LIMIT'", item->key);
        return;
    }
    if ((is_params && b->has_params) || (is_macs && b->has_macs)) {
        diag_error(r->diag, item->loc, "budget: '%s' is given twice", item->key);
        return;
    }
    Value v = eval(r, item->limit);
    if (v.kind == VAL_ERROR)
        return;
    if (v.kind != VAL_NUMBER || v.num[0] < 1 || v.num[0] != floor(v.num[0])) {
        diag_error(r->diag, item->limit->loc, "budget: '%s' needs a positive whole number", item->key);
        return;
    }
    if (is_params) {
        b->has_params = 1, b->params = (int64_t)v.num[0], b->params_loc = item->loc;
    } else {
        b->has_macs = 1, b->macs = (int64_t)v.num[0], b->macs_loc = item->loc;
    }
}

static int repeat_count(Resolver *r, const Call *call) {
    if (!call->repeat)
        return 1;
    Value v = eval(r, call->repeat);
    int n = 0;
    if (v.kind == VAL_ERROR)
        return 0;
    if (v.kind != VAL_NUMBER) {
        diag_error(r->diag, call->repeat->loc, "a repeat count must be a number");
        return 0;
    }
    return to_int(r, call->repeat->loc, "a repeat count", v.num[0], v.literal, 1,
                  MODEL_MAX_REPEAT, &n) ? n : 0;
}

/* Stage names are unique and known up front, so errors can say "defined later". */
static void collect_stages(Resolver *r) {
    int n = 0;
    for (const Stage *s = r->spec->stages; s; s = s->next)
        n++;
    Model *m = r->model;
    m->stages = arena_alloc(r->arena, sizeof *m->stages * (size_t)(n + 1));
    for (const Stage *s = r->spec->stages; s; s = s->next) {
        for (int i = 0; i < m->nstages; i++)
            if (strcmp(m->stages[i].name, s->name) == 0)
                diag_error(r->diag, s->loc, "stage '%s' is already defined on line %d", s->name,
                           m->stages[i].loc.line);
        m->stages[m->nstages++] = (StageInfo){.name = s->name, .loc = s->loc};
    }
    if (n == 0)
        diag_error(r->diag, r->spec->loc, "model '%s' has no stages", m->name);
}

static const OpDesc *lookup_op(Resolver *r, const Call *call) {
    const OpDesc *op = op_find(call->op);
    if (op)
        return op;
    const char *hint = op_suggest(call->op);
    if (hint)
        diag_error(r->diag, call->loc, "unknown operator '%s' (did you mean '%s'?)", call->op, hint);
    else
        diag_error(r->diag, call->loc, "unknown operator '%s'", call->op);
    return NULL;
}

/* "stage1.bcres2net2": the copy number appears only when the operator occurs more
 * than once in the stage. */
static const char *layer_name(Resolver *r, const char *stage, const char *op, int index,
                              int total) {
    char buf[160];
    if (total > 1)
        snprintf(buf, sizeof buf, "%s.%s%d", stage, op, index + 1);
    else
        snprintf(buf, sizeof buf, "%s.%s", stage, op);
    return arena_strdup(r->arena, buf);
}

static int op_slot(const OpDesc *op) {
    int k = 0;
    while (op_table[k] != op)
        k++;
    return k;
}

/* Room for n more layers; the list doubles, and the arena keeps the old copy. */
static int reserve_layers(Resolver *r, int n, int *capacity) {
    Model *m = r->model;
    if (m->nlayers + n > MODEL_MAX_LAYERS) {
        diag_error(r->diag, r->spec->loc, "model '%s' has more than %d layers", m->name,
                   MODEL_MAX_LAYERS);
        return 0;
    }
    if (m->nlayers + n <= *capacity)
        return 1;
    int cap = *capacity ? *capacity : 32;
    while (cap < m->nlayers + n)
        cap *= 2;
    Layer *grown = arena_alloc(r->arena, sizeof *grown * (size_t)cap);
    for (int i = 0; i < m->nlayers; i++)
        grown[i] = m->layers[i];
    m->layers = grown;
    *capacity = cap;
    return 1;
}

/* Names the stage's layers once all are known: the copy number appears only when
 * an operator occurs more than once in the stage. */
static void name_stage_layers(Resolver *r, const StageInfo *st) {
    enum { NOPS = 64 };
    int total[NOPS] = {0}, seen[NOPS] = {0};
    if (st->count == 0)
        return;
    Layer *layers = r->model->layers + st->first;
    for (int i = 0; i < st->count; i++)
        total[op_slot(layers[i].op)]++;
    for (int i = 0; i < st->count; i++) {
        int k = op_slot(layers[i].op);
        layers[i].name = layer_name(r, st->name, layers[i].op->name, seen[k]++, total[k]);
    }
}

/* Expands one stage's chain into layers appended to the model. */
static int resolve_stage(Resolver *r, const Stage *s, int index, int *capacity) {
    Model *m = r->model;
    StageInfo *st = &m->stages[index];
    st->first = m->nlayers;
    for (const Call *c = s->chain; c; c = c->next) {
        const OpDesc *op = lookup_op(r, c);
        int repeat = repeat_count(r, c);
        if (!op || repeat == 0)
            continue;
        if (op->nargs > 0 && op->args[0].type == ARG_STAGES && c != s->chain)
            diag_error(r->diag, c->loc,
                       "%s takes its inputs from the stages it names, so it must begin its stage",
                       op->name);
        Layer proto = {.op = op, .loc = c->loc, .stage = index};
        if (!bind_args(r, op, c, &proto, index))
            continue;
        if (!reserve_layers(r, repeat, capacity))
            return 0;
        for (int i = 0; i < repeat; i++) {
            m->layers[m->nlayers] = proto;
            m->layers[m->nlayers++].repeat_index = i;
        }
    }
    st->count = m->nlayers - st->first;
    name_stage_layers(r, st);
    return 1;
}

Model *resolve_spec(const Spec *spec, const char *file, Arena *arena, Diag *diag) {
    Model *m = arena_alloc(arena, sizeof *m);
    m->name = spec->name;
    m->file = file;
    m->loc = spec->loc;
    Resolver r = {.spec = spec, .model = m, .arena = arena, .diag = diag};
    int errors_before = diag->nerrors;

    collect_stages(&r);
    resolve_lets(&r);
    resolve_input(&r);
    resolve_classes(&r);
    for (const BudgetItem *b = spec->budget; b; b = b->next)
        resolve_budget_item(&r, b);

    int capacity = 0, index = 0;
    for (const Stage *s = spec->stages; s; s = s->next, index++)
        if (!resolve_stage(&r, s, index, &capacity))
            return NULL;
    return diag->nerrors == errors_before ? m : NULL;
}
