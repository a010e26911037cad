/* In-process compiles for the tests; see compile_helper.h. */
#include "compile_helper.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "budget.h"
#include "frontend.h"

void compile_text(Compiled *out, const char *file, const char *text, size_t len) {
    memset(out, 0, sizeof *out);
    arena_init(&out->arena);
    FILE *sink = open_memstream(&out->diagnostics, &out->diag_len);
    Diag diag;
    diag_init(&diag, sink, file, text, len);
    out->model = frontend_compile(file, text, len, &out->arena, &diag);
    if (out->model)
        out->budget_ok = budget_check(out->model, &diag);
    out->nerrors = diag.nerrors;
    fclose(sink);
}

void compile_free(Compiled *c) {
    arena_free(&c->arena);
    free(c->diagnostics);
}

const Layer *find_layer(const Model *m, const char *name) {
    for (int i = 0; i < m->nlayers; i++)
        if (strcmp(m->layers[i].name, name) == 0)
            return &m->layers[i];
    return NULL;
}

char *read_text_file(const char *path) {
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *buf = malloc((size_t)n + 1);
    buf[fread(buf, 1, (size_t)n, f)] = '\0';
    fclose(f);
    return buf;
}
