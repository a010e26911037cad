/* The operator table and name lookup; the operators themselves live in ops/. */
#include "ops.h"

#include <string.h>

extern const OpDesc op_conv, op_bn, op_ssn, op_relu, op_swish, op_sigmoid, op_maxpool,
    op_avgpool, op_globalpool, op_dropout, op_flatten, op_linear, op_resnorm, op_mfa,
    op_bcres, op_bcres2net, op_fpm;

const OpDesc *const op_table[] = {
    &op_conv,    &op_bn,         &op_ssn,     &op_relu,    &op_swish,   &op_sigmoid,
    &op_maxpool, &op_avgpool,    &op_globalpool, &op_dropout, &op_flatten, &op_linear,
    &op_resnorm, &op_mfa,        &op_bcres,   &op_bcres2net, &op_fpm,   NULL,
};

const OpDesc *op_find(const char *name) {
    for (int i = 0; op_table[i]; i++)
        if (strcmp(op_table[i]->name, name) == 0)
            return op_table[i];
    return NULL;
}

int name_distance(const char *a, const char *b) {
    enum { CAP = 3, MAXLEN = 64 };
    size_t la = strlen(a), lb = strlen(b);
    if (la > MAXLEN || lb > MAXLEN)
        return CAP + 1;
    int row[MAXLEN + 1];
    for (size_t j = 0; j <= lb; j++)
        row[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        int diag = row[0];
        row[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int up = row[j];
            int best = diag + (a[i - 1] != b[j - 1]);
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            if (up + 1 < best)
                best = up + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb] > CAP ? CAP + 1 : row[lb];
}

const char *op_suggest(const char *name) {
    const char *best = NULL;
    int best_d = 3;
    for (int i = 0; op_table[i]; i++) {
        int d = name_distance(name, op_table[i]->name);
        if (d < best_d) {
            best_d = d;
            best = op_table[i]->name;
        }
    }
    return best;
}

int op_same_shape(Layer *layer, const Model *model, Diag *diag) {
    (void)model;
    (void)diag;
    layer->out = layer->in;
    return 1;
}

static const ArgSpec input_logmel_args[] = {
    {"freq", ARG_INT, 1, 0, 1, MODEL_MAX_EXTENT, NULL},
    {"time", ARG_INT, 1, 0, 1, MODEL_MAX_EXTENT, NULL},
};

const OpDesc op_input_logmel = {
    .name = "logmel",
    .summary = "a 1 x freq x time log-mel spectrogram",
    .args = input_logmel_args,
    .nargs = 2,
    .npositional = 0,
};
