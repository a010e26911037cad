/* The front-end pipeline; see frontend.h. */
#include "frontend.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "infer.h"
#include "lower.h"
#include "parse.h"
#include "resolve.h"

/* A NUL byte means binary data: one error beats fifty about stray bytes. */
static int reject_binary(const char *text, size_t len, Diag *diag) {
    const char *nul = memchr(text, '\0', len);
    if (!nul)
        return 0;
    Loc loc = {1, 1};
    for (const char *p = text; p < nul; p++) {
        if (*p == '\n')
            loc.line++, loc.col = 1;
        else
            loc.col++;
    }
    diag_error(diag, loc, "not a text file (NUL byte at offset %zu)", (size_t)(nul - text));
    return 1;
}

static int is_blank(const char *text, size_t len) {
    for (size_t i = 0; i < len; i++)
        if (!strchr(" \t\r\n\f\v", text[i]))
            return 0;
    return 1;
}

Model *frontend_compile(const char *file, const char *text, size_t len, Arena *arena, Diag *diag) {
    if (reject_binary(text, len, diag))
        return NULL;
    if (is_blank(text, len)) {
        diag_error(diag, (Loc){1, 1}, "empty spec: expected 'model NAME { ... }'");
        return NULL;
    }
    Spec *spec = parse_spec(text, len, arena, diag);
    if (!spec || diag->nerrors > 0)
        return NULL;
    Model *model = resolve_spec(spec, file, arena, diag);
    if (!model || !infer_model(model, diag))
        return NULL;
    const Program *p = lower_model(model, arena);
    model->memory = (MemoryPlan){
        .train_per_clip = p->act_per_clip + p->grad_per_clip + 2 * p->col_per_clip,
        .train_fixed = p->act_fixed,
        .infer_per_clip = p->infer_per_clip + p->col_per_clip,
    };
    return model;
}

char *frontend_read_file(const char *path, size_t *len, Arena *arena, Diag *diag) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        diag_error(diag, (Loc){0, 0}, "cannot open: %s", strerror(errno));
        return NULL;
    }
    char *buf = arena_alloc(arena, FRONTEND_MAX_SPEC_BYTES + 1);
    size_t n = fread(buf, 1, FRONTEND_MAX_SPEC_BYTES + 1, f);
    int failed = ferror(f);
    fclose(f);
    if (failed) {
        diag_error(diag, (Loc){0, 0}, "cannot read: %s", strerror(errno));
        return NULL;
    }
    if (n > FRONTEND_MAX_SPEC_BYTES) {
        diag_error(diag, (Loc){0, 0}, "spec is larger than %d bytes", FRONTEND_MAX_SPEC_BYTES);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}
