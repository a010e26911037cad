/* ascc: the model compiler's driver. It reads as its pipeline:
 * read -> lex/parse -> resolve -> infer shapes and counts -> check budget -> report/emit. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "budget.h"
#include "emit_c.h"
#include "emit_standalone.h"
#include "frontend.h"
#include "lower.h"
#include "ops.h"
#include "report.h"

enum { EXIT_SPEC_ERROR = 1, EXIT_USAGE = 2 };
enum { DEFAULT_TRAIN_BATCH = 512 };

typedef struct Options {
    int report, json;
    const char *emit; /* NULL, "model", "standalone" or "dot" */
    const char *weights; /* --emit=standalone: the checkpoint */
    const char *out_dir;
    int precision_double;
    const char *name; /* overrides the model's name in generated code */
    int batch;
    const char *spec;
} Options;

static void usage(FILE *out) {
    fputs("usage: ascc [options] SPEC\n"
          "  --check        parse and check only (the default)\n"
          "  --report       print the per-layer table: shapes, parameters, MACs, memory\n"
          "  --json         print the same report as one JSON object\n"
          "  -o DIR         write the generated C there: DIR/<model>.h and DIR/<model>.c\n"
          "  --emit=model   forward, backward and descriptor in C (the default with -o)\n"
          "  --emit=standalone --weights CKPT\n"
          "                 the standalone INT8 classifier with a calibrated QAT checkpoint's\n"
          "                 constants: DIR/<model>_classifier.h and .c (strict C99 + libm)\n"
          "  --emit=dot     the layer graph in Graphviz dot (stdout, or DIR/<model>.dot)\n"
          "  --precision=P  float (default) or double, the type of the generated code\n"
          "  --name=NAME    name the generated model NAME (its files and symbols)\n"
          "  --batch N      training batch size for the memory figure (default 512)\n"
          "  --help         this text and the operator list\n"
          "exit status: 0 ok, 1 error in the spec (budget exceeded included), 2 usage error\n",
          out);
}

static void list_operators(FILE *out) {
    fputs("\noperators:\n", out);
    for (int i = 0; op_table[i]; i++) {
        fprintf(out, "  %-11s", op_table[i]->name);
        for (int k = 0; k < op_table[i]->nargs; k++)
            fprintf(out, "%s%s", k ? ", " : "(", op_table[i]->args[k].name);
        fprintf(out, "%s  %s\n", op_table[i]->nargs ? ")" : "", op_table[i]->summary);
    }
}

static int usage_error(const char *fmt, const char *arg) {
    fputs("ascc: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs(" (see ascc --help)\n", stderr);
    return EXIT_USAGE;
}

static int valid_identifier(const char *s) {
    if (!*s || strlen(s) > 48 || !(isalpha((unsigned char)*s) || *s == '_'))
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_')
            return 0;
    return 1;
}

/* Returns -1 when options are fine, else the exit status. */
static int parse_options(int argc, char **argv, Options *o) {
    static const struct option longopts[] = {
        {"check", no_argument, NULL, 'c'},    {"report", no_argument, NULL, 'r'},
        {"json", no_argument, NULL, 'j'},     {"emit", required_argument, NULL, 'e'},
        {"batch", required_argument, NULL, 'b'}, {"help", no_argument, NULL, 'h'},
        {"precision", required_argument, NULL, 'p'}, {"name", required_argument, NULL, 'n'},
        {"weights", required_argument, NULL, 'w'}, {NULL, 0, NULL, 0},
    };
    *o = (Options){.batch = DEFAULT_TRAIN_BATCH};
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, ":o:", longopts, NULL)) != -1) {
        switch (ch) {
        case 'c': break;
        case 'r': o->report = 1; break;
        case 'j': o->json = 1; break;
        case 'o': o->out_dir = optarg; break;
        case 'e':
            if (strcmp(optarg, "dot") != 0 && strcmp(optarg, "model") != 0 &&
                strcmp(optarg, "standalone") != 0)
                return usage_error("unknown --emit kind '%s' (expected model, standalone or dot)",
                                   optarg);
            o->emit = optarg;
            break;
        case 'p':
            if (strcmp(optarg, "double") != 0 && strcmp(optarg, "float") != 0)
                return usage_error("unknown --precision '%s' (expected float or double)", optarg);
            o->precision_double = strcmp(optarg, "double") == 0;
            break;
        case 'w': o->weights = optarg; break;
        case 'n':
            if (!valid_identifier(optarg))
                return usage_error("--name needs a C identifier, got '%s'", optarg);
            o->name = optarg;
            break;
        case 'b': {
            char *end;
            long n = strtol(optarg, &end, 10);
            if (*end || n < 1 || n > 65536)
                return usage_error("--batch needs a number from 1 to 65536, got '%s'", optarg);
            o->batch = (int)n;
            break;
        }
        case 'h': usage(stdout); list_operators(stdout); return 0;
        case ':': return usage_error("%s needs a value", argv[optind - 1]);
        default: return usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc - 1)
        return usage_error("%s", optind >= argc ? "no SPEC file given" : "more than one SPEC file given");
    if (o->out_dir && !o->emit)
        o->emit = "model";
    if (o->emit && strcmp(o->emit, "model") == 0 && !o->out_dir)
        return usage_error("%s", "--emit=model needs -o DIR");
    int standalone = o->emit && strcmp(o->emit, "standalone") == 0;
    if (standalone && (!o->out_dir || !o->weights))
        return usage_error("%s", "--emit=standalone needs -o DIR and --weights CKPT");
    if (!standalone && o->weights)
        return usage_error("%s", "--weights goes with --emit=standalone");
    if (standalone && o->precision_double)
        return usage_error("%s", "the standalone classifier is INT8: no --precision");
    o->spec = argv[optind];
    return -1;
}

typedef void (*Writer)(FILE *out, const void *what);

/* Writes DIR/NAME through a temporary file, fsync'd and renamed, so that a failure
 * leaves nothing half-written. */
static int write_file(const char *dir, const char *name, Writer write, const void *what) {
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "ascc: %s: cannot create directory: %s\n", dir, strerror(errno));
        return 0;
    }
    char path[4096], tmp[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) {
        fprintf(stderr, "ascc: %s: cannot write: %s\n", path, strerror(errno));
        return 0;
    }
    write(f, what);
    int ok = fflush(f) == 0 && fsync(fileno(f)) == 0;
    ok &= fclose(f) == 0;
    if (!ok || rename(tmp, path) != 0) {
        fprintf(stderr, "ascc: %s: cannot write: %s\n", path, strerror(errno));
        remove(tmp);
        return 0;
    }
    return 1;
}

typedef struct Emission {
    const Program *program;
    EmitOptions options;
} Emission;

static void write_dot(FILE *out, const void *model) { emit_dot(out, model); }

static void write_header(FILE *out, const void *e) {
    emit_c_header(out, ((const Emission *)e)->program, &((const Emission *)e)->options);
}

static void write_source(FILE *out, const void *e) {
    emit_c_source(out, ((const Emission *)e)->program, &((const Emission *)e)->options);
}

static void write_standalone_header(FILE *out, const void *s) { emit_standalone_header(out, s); }

static void write_standalone_source(FILE *out, const void *s) { emit_standalone_source(out, s); }

/* The standalone classifier: nothing is written unless the checkpoint gives every
 * constant. */
static int emit_standalone(const Options *opt, const Model *model, Arena *arena) {
    Standalone s;
    char why[600], name[300];
    if (!standalone_prepare(&s, lower_model(model, arena), opt->weights, why, sizeof why)) {
        fprintf(stderr, "ascc: %s\n", why);
        return 0;
    }
    snprintf(name, sizeof name, "%s_classifier.h", model->name);
    int ok = write_file(opt->out_dir, name, write_standalone_header, &s);
    snprintf(name, sizeof name, "%s_classifier.c", model->name);
    ok = ok && write_file(opt->out_dir, name, write_standalone_source, &s);
    standalone_free(&s);
    return ok;
}

/* The emit stage: C for the model, or its graph. */
static int emit(const Options *opt, const Model *model, const char *text, size_t len,
                Arena *arena) {
    char name[300];
    if (strcmp(opt->emit, "dot") == 0) {
        if (!opt->out_dir) {
            emit_dot(stdout, model);
            return 1;
        }
        snprintf(name, sizeof name, "%s.dot", model->name);
        return write_file(opt->out_dir, name, write_dot, model);
    }
    if (strcmp(opt->emit, "standalone") == 0)
        return emit_standalone(opt, model, arena);
    Emission e = {.program = lower_model(model, arena),
                  .options = {.precision_double = opt->precision_double, .spec_text = text,
                              .spec_len = len}};
    snprintf(name, sizeof name, "%s.h", model->name);
    if (!write_file(opt->out_dir, name, write_header, &e))
        return 0;
    snprintf(name, sizeof name, "%s.c", model->name);
    return write_file(opt->out_dir, name, write_source, &e);
}

int main(int argc, char **argv) {
    Options opt;
    int status = parse_options(argc, argv, &opt);
    if (status >= 0)
        return status;

    Arena arena;
    arena_init(&arena);
    Diag diag;
    diag_init(&diag, stderr, opt.spec, NULL, 0);
    size_t len = 0;
    char *text = frontend_read_file(opt.spec, &len, &arena, &diag);
    Model *model = NULL;
    if (text) {
        diag_init(&diag, stderr, opt.spec, text, len);
        model = frontend_compile(opt.spec, text, len, &arena, &diag);
    }
    if (!model) {
        arena_free(&arena);
        return EXIT_SPEC_ERROR;
    }
    if (opt.name)
        model->name = opt.name;
    int fits = budget_check(model, &diag);
    if (!fits)
        report_table(stderr, model, opt.batch);
    if (opt.json)
        report_json(stdout, model, opt.batch);
    if (opt.report && !opt.json)
        report_table(stdout, model, opt.batch);
    int wrote = opt.emit && fits ? emit(&opt, model, text, len, &arena) : 1;
    arena_free(&arena);
    return fits && wrote ? 0 : EXIT_SPEC_ERROR;
}
