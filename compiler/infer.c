/* Shape inference and counting; see infer.h. */
#include "infer.h"

#include <string.h>

#include "ops.h"

/* FNV-1a over the resolved layers: what the model computes, not how it was written. */
static uint64_t hash_bytes(uint64_t h, const void *data, size_t n) {
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ULL;
    return h;
}

static uint64_t model_hash(const Model *m) {
    uint64_t h = 0xcbf29ce484222325ULL;
    h = hash_bytes(h, m->name, strlen(m->name) + 1);
    h = hash_bytes(h, &m->input, sizeof m->input);
    h = hash_bytes(h, &m->classes, sizeof m->classes);
    for (int i = 0; i < m->nlayers; i++) {
        const Layer *l = &m->layers[i];
        h = hash_bytes(h, l->name, strlen(l->name) + 1);
        for (int k = 0; k < l->op->nargs; k++) {
            h = hash_bytes(h, l->args[k].i, sizeof l->args[k].i);
            h = hash_bytes(h, &l->args[k].real, sizeof l->args[k].real);
        }
        h = hash_bytes(h, l->refs, sizeof l->refs[0] * (size_t)l->nrefs);
        h = hash_bytes(h, &l->out, sizeof l->out);
    }
    return h;
}

int infer_model(Model *m, Diag *diag) {
    Shape cur = m->input;
    memset(&m->total, 0, sizeof m->total);
    for (int i = 0; i < m->nlayers; i++) {
        Layer *l = &m->layers[i];
        l->in = cur;
        if (!l->op->infer(l, m, diag))
            return 0;
        if (shape_elems(l->out) > MODEL_MAX_TENSOR_ELEMS) {
            diag_error(diag, l->loc, "%s: output of %d x %d x %d is too large", l->op->name,
                       l->out.c, l->out.f, l->out.t);
            return 0;
        }
        memset(&l->counts, 0, sizeof l->counts);
        if (l->op->count)
            l->op->count(l, i > 0 ? &m->layers[i - 1] : NULL, m);
        l->counts.act_elems = shape_elems(l->out);
        counts_add(&m->total, &l->counts);
        cur = l->out;
        StageInfo *s = &m->stages[l->stage];
        if (i == s->first + s->count - 1)
            s->out = cur;
    }
    if (cur.c != m->classes || cur.f != 1 || cur.t != 1) {
        const Layer *last = &m->layers[m->nlayers - 1];
        diag_error(diag, last->loc, "the model ends in %d x %d x %d, but it has %d classes",
                   cur.c, cur.f, cur.t, m->classes);
        return 0;
    }
    m->hash = model_hash(m);
    return 1;
}
