/* Command-line flags; see cli_options.h. */
#include "cli_options.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const CliOption *find_option(const CliOption *options, int n, const char *name) {
    for (int i = 0; i < n; i++)
        if (strcmp(options[i].name, name) == 0)
            return &options[i];
    return NULL;
}

static int bad_value(const char *command, const CliOption *o, const char *value) {
    if (o->kind == CLI_CHOICE) {
        fprintf(stderr, "asc %s: %s must be one of", command, o->name);
        for (int i = 0; o->choices[i]; i++)
            fprintf(stderr, "%s %s", i ? "," : "", o->choices[i]);
        fprintf(stderr, ", got '%s'\n", value);
    } else if (o->kind == CLI_INT) {
        fprintf(stderr, "asc %s: %s needs a whole number from %.0f to %.0f, got '%s'\n", command,
                o->name, o->min, o->max, value);
    } else {
        fprintf(stderr, "asc %s: %s needs a number from %g to %g, got '%s'\n", command, o->name,
                o->min, o->max, value);
    }
    return 1;
}

static int set_value(const char *command, const CliOption *o, const char *value) {
    char *end;
    errno = 0;
    switch (o->kind) {
    case CLI_STRING:
        if (!*value) {
            fprintf(stderr, "asc %s: %s needs a non-empty value\n", command, o->name);
            return 1;
        }
        *(const char **)o->dest = value;
        return 0;
    case CLI_INT: {
        long v = strtol(value, &end, 10);
        if (end == value || *end || errno || v < o->min || v > o->max)
            return bad_value(command, o, value);
        *(int *)o->dest = (int)v;
        return 0;
    }
    case CLI_DOUBLE: {
        double v = strtod(value, &end);
        if (end == value || *end || errno || !isfinite(v) || v < o->min || v > o->max)
            return bad_value(command, o, value);
        *(double *)o->dest = v;
        return 0;
    }
    case CLI_CHOICE:
        for (int i = 0; o->choices[i]; i++)
            if (strcmp(o->choices[i], value) == 0) {
                *(int *)o->dest = i;
                return 0;
            }
        return bad_value(command, o, value);
    case CLI_FLAG:
        break;
    }
    return 1;
}

int cli_parse(const char *command, int argc, char **argv, const CliOption *options, int noptions,
              const char **positional, int max_positional, int *npositional) {
    int np = 0;
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        if (arg[0] != '-' || arg[1] == '\0') {
            if (np == max_positional) {
                fprintf(stderr, "asc %s: unexpected argument '%s'\n", command, arg);
                return 1;
            }
            positional[np++] = arg;
            continue;
        }
        const CliOption *o = find_option(options, noptions, arg);
        if (!o) {
            fprintf(stderr, "asc %s: unknown option '%s'\n", command, arg);
            return 1;
        }
        if (o->kind == CLI_FLAG) {
            *(int *)o->dest = 1;
            continue;
        }
        if (i + 1 == argc) {
            fprintf(stderr, "asc %s: %s needs a value\n", command, arg);
            return 1;
        }
        /* "--data --out RUN" lost the data directory: say so, instead of taking
         * "--out" for a path and then refusing RUN. Negative numbers have one dash. */
        if (strncmp(argv[i + 1], "--", 2) == 0) {
            fprintf(stderr, "asc %s: %s needs a value, got the option '%s'\n", command, arg,
                    argv[i + 1]);
            return 1;
        }
        if (set_value(command, o, argv[++i]))
            return 1;
    }
    if (npositional)
        *npositional = np;
    return 0;
}

int cli_require(const char *command, const char *flag, const char *value) {
    if (value)
        return 0;
    fprintf(stderr, "asc %s: %s is required\n", command, flag);
    return 1;
}

int cli_fail(const char *command, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "asc %s: ", command);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 1;
}
