/* Error reporting with the quoted source line; see diag.h. */
#include "diag.h"

#include <stdarg.h>

void diag_init(Diag *diag, FILE *out, const char *file, const char *src, size_t len) {
    diag->out = out;
    diag->file = file;
    diag->src = src;
    diag->len = len;
    diag->nerrors = 0;
    diag->max_errors = DIAG_MAX_ERRORS;
}

int diag_full(const Diag *diag) { return diag->nerrors >= diag->max_errors; }

int loc_before(Loc a, Loc b) { return a.line < b.line || (a.line == b.line && a.col < b.col); }

/* Prints the source line of loc with a caret under its column. Control bytes are
 * shown as '?' so that a binary file cannot garble the terminal. */
static void quote_line(const Diag *diag, Loc loc) {
    if (!diag->src || loc.line <= 0)
        return;
    size_t i = 0;
    for (int line = 1; line < loc.line && i < diag->len; i++)
        if (diag->src[i] == '\n')
            line++;
    if (i > diag->len)
        return;
    size_t end = i;
    while (end < diag->len && diag->src[end] != '\n' && end - i < 200)
        end++;
    fputs("  ", diag->out);
    for (size_t k = i; k < end; k++) {
        unsigned char c = (unsigned char)diag->src[k];
        fputc(c == '\t' || (c >= 0x20 && c != 0x7f) ? c : '?', diag->out);
    }
    fputs("\n  ", diag->out);
    for (int k = 1; k < loc.col && (size_t)k <= end - i; k++)
        fputc(diag->src[i + k - 1] == '\t' ? '\t' : ' ', diag->out);
    fputs("^\n", diag->out);
}

static void report(Diag *diag, Loc loc, const char *kind, const char *fmt, va_list ap) {
    if (loc.line > 0)
        fprintf(diag->out, "%s:%d:%d: %s: ", diag->file, loc.line, loc.col, kind);
    else
        fprintf(diag->out, "%s: %s: ", diag->file, kind);
    vfprintf(diag->out, fmt, ap);
    fputc('\n', diag->out);
    quote_line(diag, loc);
}

void diag_error(Diag *diag, Loc loc, const char *fmt, ...) {
    diag->nerrors++;
    if (diag->nerrors > diag->max_errors)
        return;
    va_list ap;
    va_start(ap, fmt);
    report(diag, loc, "error", fmt, ap);
    va_end(ap);
    if (diag->nerrors == diag->max_errors)
        fprintf(diag->out, "%s: error: too many errors, stopping\n", diag->file);
}

void diag_note(Diag *diag, Loc loc, const char *fmt, ...) {
    if (diag->nerrors > diag->max_errors)
        return;
    va_list ap;
    va_start(ap, fmt);
    report(diag, loc, "note", fmt, ap);
    va_end(ap);
}
