/* Table-driven command-line flags for the asc commands that take many of them
 * (train, finetune, eval, predict, classify). A command lists its flags once,
 * with where each value goes and what range it may take; a bad flag or value is
 * one line on stderr naming the flag and what it expects. */
#ifndef ASC_CLI_OPTIONS_H
#define ASC_CLI_OPTIONS_H

typedef enum CliKind {
    CLI_STRING, /* const char ** */
    CLI_INT,    /* int *, within [min, max] */
    CLI_DOUBLE, /* double *, within [min, max] */
    CLI_FLAG,   /* int *, set to 1; takes no value */
    CLI_CHOICE, /* int *, index into choices (NULL-terminated) */
} CliKind;

typedef struct CliOption {
    const char *name; /* "--epochs" */
    CliKind kind;
    void *dest;
    double min, max;
    const char *const *choices;
} CliOption;

/* Parses argv against options. Arguments that are not flags go to positional
 * (at most max_positional, count in *npositional; pass NULL/0 to allow none).
 * Returns 0, or 1 after printing "asc COMMAND: ..." to stderr. */
int cli_parse(const char *command, int argc, char **argv, const CliOption *options, int noptions,
              const char **positional, int max_positional, int *npositional);

/* Checks that a required string flag was given; prints the error otherwise. */
int cli_require(const char *command, const char *flag, const char *value);

/* "asc COMMAND: message" on stderr; returns 1 (the status of bad input). */
int cli_fail(const char *command, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
