/* ascc: the model compiler's driver. It reads as its pipeline:
 * read -> lex/parse -> resolve -> infer shapes and counts -> check budget -> report/emit. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "budget.h"
#include "frontend.h"
#include "ops.h"
#include "report.h"

enum { EXIT_SPEC_ERROR = 1, EXIT_USAGE = 2 };
enum { DEFAULT_TRAIN_BATCH = 512 };

typedef struct Options {
    int report, json;
    const char *emit; /* NULL or "dot" */
    const char *out_dir;
    int batch;
    const char *spec;
} Options;

static void usage(FILE *out) {
    fputs("usage: ascc [options] SPEC\n"
          "  --check        parse and check only (the default)\n"
          "  --report       print the per-layer table: shapes, parameters, MACs, memory\n"
          "  --json         print the same report as one JSON object\n"
          "  --emit=dot     write the layer graph in Graphviz dot (stdout, or DIR with -o)\n"
          "  -o DIR         directory for emitted files\n"
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

/* Returns -1 when options are fine, else the exit status. */
static int parse_options(int argc, char **argv, Options *o) {
    static const struct option longopts[] = {
        {"check", no_argument, NULL, 'c'},    {"report", no_argument, NULL, 'r'},
        {"json", no_argument, NULL, 'j'},     {"emit", required_argument, NULL, 'e'},
        {"batch", required_argument, NULL, 'b'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
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
            if (strcmp(optarg, "dot") != 0)
                return usage_error("unknown --emit kind '%s' (this build emits: dot)", optarg);
            o->emit = optarg;
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
        return usage_error("%s", "-o needs --emit");
    o->spec = argv[optind];
    return -1;
}

/* Writes DIR/<model>.dot through a temporary file, so a failure leaves nothing half-written. */
static int write_dot_file(const Model *m, const char *dir) {
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "ascc: %s: cannot create directory: %s\n", dir, strerror(errno));
        return 0;
    }
    char path[4096], tmp[4200];
    snprintf(path, sizeof path, "%s/%s.dot", dir, m->name);
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) {
        fprintf(stderr, "ascc: %s: cannot write: %s\n", path, strerror(errno));
        return 0;
    }
    emit_dot(f, m);
    int ok = fflush(f) == 0 && fsync(fileno(f)) == 0;
    ok &= fclose(f) == 0;
    if (!ok || rename(tmp, path) != 0) {
        fprintf(stderr, "ascc: %s: cannot write: %s\n", path, strerror(errno));
        remove(tmp);
        return 0;
    }
    return 1;
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
    int fits = budget_check(model, &diag);
    if (!fits)
        report_table(stderr, model, opt.batch);
    if (opt.json)
        report_json(stdout, model, opt.batch);
    if (opt.report && !opt.json)
        report_table(stdout, model, opt.batch);
    int wrote = 1;
    if (opt.emit && fits)
        wrote = opt.out_dir ? write_dot_file(model, opt.out_dir) : (emit_dot(stdout, model), 1);
    arena_free(&arena);
    return fits && wrote ? 0 : EXIT_SPEC_ERROR;
}
