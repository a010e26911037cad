/* The standalone classifier; see emit_standalone.h. The C file is, in order: the
 * INT8 kernels and the front end pasted from ascc's embedded copies (the front
 * end's prefix renamed to <model>_fe_), the constants nn_i8_prepare made from the
 * checkpoint, the INT8 forward (emit_int8.c), and the API. */
#include "emit_standalone.h"

#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "emit_int8.h"
#include "standalone/embedded_sources.h"
#include "standalone/frontend.h"
#include "nn_int8_prepare.h"

static const char *const tau_scenes[10] = {
    "airport", "bus", "metro", "metro_station", "park", "public_square",
    "shopping_mall", "street_pedestrian", "street_traffic", "tram"};

/* Copies section `name` of `count` floats; 0 with the reason in why. */
static int read_floats(const ckpt_file *ck, const char *path, const char *name, float *dest,
                       int64_t count, char *why, size_t why_size) {
    const void *data;
    asc_err err;
    if (ckpt_get(ck, path, name, sizeof(float) * (uint64_t)count, &data, NULL, &err)) {
        snprintf(why, why_size, "%s", err.msg);
        return 0;
    }
    memcpy(dest, data, sizeof(float) * (size_t)count);
    return 1;
}

/* The recipe of the steps that have constants, in order. */
static NnI8Prep *prep_table(const I8Program *q, int *n) {
    NnI8Prep *steps = malloc(sizeof *steps * (size_t)(q->nsteps + 1));
    *n = 0;
    for (int k = 0; steps && k < q->nsteps; k++)
        if (q->steps[k].prep.kind >= 0)
            steps[(*n)++] = q->steps[k].prep;
    return steps;
}

/* Parameters, statistics and every grid's range from the checkpoint, then the
 * constants, as asc makes them (runtime/int8_model.c). */
static int prepare_from(Standalone *s, const ckpt_file *ck, char *why, size_t why_size) {
    const Program *p = s->p;
    const I8Program *q = s->q;
    float *params = malloc(sizeof(float) * ((size_t)p->param_floats + 1));
    float *stats = malloc(sizeof(float) * ((size_t)p->stats_floats + 1));
    float *ranges = malloc(sizeof(float) * 2 * (size_t)p->ngrids);
    const char **names = malloc(sizeof *names * (size_t)p->ngrids);
    int nsteps, ok = 0;
    NnI8Prep *steps = prep_table(q, &nsteps);
    s->w = (NnI8Weights){malloc((size_t)q->n8 + 1), malloc(sizeof(int32_t) * ((size_t)q->n32 + 1)),
                         malloc(sizeof(int64_t) * ((size_t)q->n64 + 1)), malloc((size_t)q->nu8 + 1),
                         malloc(sizeof(float) * ((size_t)q->nf + 1))};
    if (!params || !stats || !ranges || !names || !steps || !s->w.w8 || !s->w.w32 || !s->w.w64 ||
        !s->w.u8 || !s->w.wf) {
        snprintf(why, why_size, "%s: out of memory", s->ckpt);
    } else if (read_floats(ck, s->ckpt, "params", params, p->param_floats, why, why_size) &&
               read_floats(ck, s->ckpt, "stats", stats, p->stats_floats, why, why_size) &&
               read_floats(ck, s->ckpt, "quant", ranges, 2 * (int64_t)p->nquant, why, why_size) &&
               read_floats(ck, s->ckpt, "int8_grids", ranges + 2 * p->nquant,
                           2 * (int64_t)(p->ngrids - p->nquant), why, why_size)) {
        for (int g = 0; g < p->ngrids; g++)
            names[g] = p->tensors[int8_grid_owner(p, g)].name;
        char reason[300];
        ok = !nn_i8_prepare(steps, nsteps, p->ngrids, names, params, stats, ranges, &s->w, reason,
                            sizeof reason);
        if (!ok)
            snprintf(why, why_size, "%s: %s", s->ckpt, reason);
    }
    free(params), free(stats), free(ranges), free(names), free(steps);
    return ok;
}

int standalone_prepare(Standalone *s, const Program *p, const char *ckpt, char *why,
                       size_t why_size) {
    *s = (Standalone){.p = p, .ckpt = ckpt};
    char reason[200];
    s->q = int8_plan(p, p->arena, reason, sizeof reason);
    if (!s->q) {
        snprintf(why, why_size, "%s: no INT8 form: %s", p->model->name, reason);
        return 0;
    }
    ckpt_file ck;
    asc_err err;
    if (ckpt_read(ckpt, p->model->name, p->model->hash, &ck, &err)) {
        snprintf(why, why_size, "%s", err.msg);
        return 0;
    }
    int ok = 0;
    if (!ckpt_has(&ck, "quant"))
        snprintf(why, why_size, "%s: not quantisation-aware (train with --qat): INT8 needs its "
                 "trained ranges", ckpt);
    else if (!ckpt_has(&ck, "int8_grids"))
        snprintf(why, why_size, "%s: the INT8 grids inside the blocks are not calibrated (run asc "
                 "calibrate on it)", ckpt);
    else
        ok = prepare_from(s, &ck, why, why_size);
    ckpt_close(&ck);
    if (!ok)
        standalone_free(s);
    return ok;
}

void standalone_free(Standalone *s) {
    free(s->w.w8), free(s->w.w32), free(s->w.w64), free(s->w.u8), free(s->w.wf);
    s->w = (NnI8Weights){0};
}

static void upper_name(char *dst, const char *src, size_t n) {
    size_t i = 0;
    for (; src[i] && i + 1 < n; i++)
        dst[i] = (char)(src[i] >= 'a' && src[i] <= 'z' ? src[i] - 'a' + 'A' : src[i]);
    dst[i] = '\0';
}

/* Working memory of one classifier: the front end's, the features, the logits,
 * the network's activations, each at an 8-byte boundary. */
static long long logits_offset(void) { return ascfe_ARENA_BYTES + 4LL * ascfe_FEATURES; }

static long long work_offset(const Standalone *s) {
    return logits_offset() + (4LL * s->p->model->classes + 7) / 8 * 8;
}

static long long arena_bytes(const Standalone *s) {
    return work_offset(s) + (s->q->arena + 7) / 8 * 8;
}

/* Prints text with every "@m@" replaced by the model name and "@M@" by it in
 * capitals. */
static void print_template(FILE *out, const char *text, const char *m, const char *M) {
    for (const char *c = text; *c; c++) {
        if (strncmp(c, "@m@", 3) == 0 || strncmp(c, "@M@", 3) == 0) {
            fputs(c[1] == 'm' ? m : M, out);
            c += 2;
        } else {
            fputc(*c, out);
        }
    }
}

void emit_standalone_header(FILE *out, const Standalone *s) {
    const Model *model = s->p->model;
    char M[128];
    upper_name(M, model->name, sizeof M);
    fprintf(out,
            "/* %s_classifier.h: the %s scene classifier, standalone (INT8 network and log-mel\n"
            " * front end, strict C99 + libm). Generated by ascc from %s and the checkpoint\n"
            " * %s. Do not edit. docs/standalone.md explains the API. */\n",
            model->name, model->name, model->file, s->ckpt);
    fprintf(out, "#ifndef %s_CLASSIFIER_H\n#define %s_CLASSIFIER_H\n\n#include <stddef.h>\n\n", M, M);
    fprintf(out, "#define %s_CLASSES %d\n#define %s_ARENA_BYTES %lld\n#define %s_ARENA_ALIGN 8\n\n",
            M, model->classes, M, arena_bytes(s), M);
    print_template(out,
        "/* Results: >= 0 success (bits saying how the clip was brought to 1 s), < 0 failure,\n"
        " * which leaves probs untouched. */\n"
        "enum {\n"
        "    @M@_OK = 0,\n"
        "    @M@_PADDED = 1,       /* 0.5 s to 1 s: zero-padded at the end */\n"
        "    @M@_CROPPED = 2,      /* over 1 s: the first second is used */\n"
        "    @M@_E_NULL = -1,      /* arena, pcm or probs is NULL */\n"
        "    @M@_E_ARENA = -2,     /* arena too small, misaligned or not initialised */\n"
        "    @M@_E_RATE = -3,      /* sample rate outside 16000..96000 Hz or without a filter */\n"
        "    @M@_E_EMPTY = -4,     /* n <= 0 */\n"
        "    @M@_E_TOO_LONG = -5,  /* over 60 s */\n"
        "    @M@_E_TOO_SHORT = -6, /* under 0.5 s */\n"
        "    @M@_E_SAMPLE = -7     /* a NaN or infinite sample, or |x| > 1e9 */\n"
        "};\n\n"
        "/* The classes in the order of probs (the TAU Urban Acoustic Scenes labels). */\n"
        "extern const char *const @m@_class_names[@M@_CLASSES];\n\n"
        "/* Prepares an arena of at least @M@_ARENA_BYTES bytes aligned to @M@_ARENA_ALIGN\n"
        " * (once; then it serves one thread at a time). */\n"
        "int @m@_init(void *arena, size_t bytes);\n\n"
        "/* probs[@M@_CLASSES] of n mono samples in [-1, 1] at sample_rate Hz. */\n"
        "int @m@_classify_arena(void *arena, const float *pcm, int n, int sample_rate,\n"
        "                       float probs[]);\n\n"
        "/* The same with its arena on the stack (@M@_ARENA_BYTES bytes), initialised on\n"
        " * every call: for hosts with a large stack and few clips. */\n"
        "int @m@_classify(const float *pcm, int n, int sample_rate, float probs[]);\n\n"
        "/* A short English description of a result. */\n"
        "const char *@m@_strerror(int status);\n\n#endif\n",
        model->name, M);
}

/* An embedded source without its local includes (everything is in this one file),
 * the front end's prefix renamed. */
static void paste(FILE *out, const char *title, const char *text, const char *fe_prefix) {
    fprintf(out, "\n/* ==== %s ==== */\n\n", title);
    for (const char *line = text; *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line + 1) : strlen(line);
        if (strncmp(line, "#include \"", 10) != 0) {
            for (size_t i = 0; i < len; i++) {
                if (fe_prefix && strncmp(line + i, "ascfe_", 6) == 0) {
                    fputs(fe_prefix, out);
                    i += 5;
                } else {
                    fputc(line[i], out);
                }
            }
        }
        line += len;
    }
}

#define PRINT_ARRAY(out, type, name, values, n, fmt, cast)                                     \
    do {                                                                                       \
        fprintf(out, "static const %s %s[%lld] = {", type, name, (long long)((n) ? (n) : 1));   \
        for (int64_t i_ = 0; i_ < (n); i_++)                                                   \
            fprintf(out, "%s" fmt ",", i_ % 16 ? " " : "\n    ", cast(values)[i_]);             \
        fprintf(out, "%s};\n", (n) ? "\n" : "0");                                             \
    } while (0)

static void emit_constants(FILE *out, const Standalone *s) {
    const char *m = s->p->model->name;
    const I8Program *q = s->q;
    char name[200];
    fprintf(out, "\n/* ==== the constants of %s: weight codes, biases, multipliers and shifts,\n"
                 " * tables; the first %d values of %s_w32 and %s_wf are the grids' zero points\n"
                 " * and scales (runtime/nn/nn_int8_prepare.h) ==== */\n\n",
            s->ckpt, s->p->ngrids, m, m);
    snprintf(name, sizeof name, "%s_w8", m);
    PRINT_ARRAY(out, "int8_t", name, s->w.w8, q->n8, "%d", (int));
    snprintf(name, sizeof name, "%s_w32", m);
    PRINT_ARRAY(out, "int32_t", name, s->w.w32, q->n32, "%ld", (long));
    snprintf(name, sizeof name, "%s_w64", m);
    PRINT_ARRAY(out, "int64_t", name, s->w.w64, q->n64, "%lld", (long long));
    snprintf(name, sizeof name, "%s_u8", m);
    PRINT_ARRAY(out, "uint8_t", name, s->w.u8, q->nu8, "%u", (unsigned));
    fprintf(out, "static const float %s_wf[%lld] = {", m, (long long)q->nf);
    for (int64_t i = 0; i < q->nf; i++)
        fprintf(out, "%s%.9g,", i % 8 ? " " : "\n    ", (double)s->w.wf[i]);
    fprintf(out, "\n};\n\nstatic const NnI8Constants %s_constants = {%s_w8, %s_w32, %s_w64, %s_u8, "
                 "%s_wf};\n\n", m, m, m, m, m, m);
}

static const char api_template[] =
    "int @m@_init(void *arena, size_t bytes) {\n"
    "    if (!arena)\n        return @M@_E_NULL;\n"
    "    if (bytes < @M@_ARENA_BYTES)\n        return @M@_E_ARENA;\n"
    "    return @m@_fe_init(arena, bytes);\n}\n\n"
    "/* Softmax in double: the logits are a few codes apart at most 255 * scale. */\n"
    "static void @m@_softmax(const float *logits, float *probs) {\n"
    "    double top = logits[0], sum = 0, e[@M@_CLASSES];\n"
    "    for (int k = 1; k < @M@_CLASSES; k++)\n        top = logits[k] > top ? logits[k] : top;\n"
    "    for (int k = 0; k < @M@_CLASSES; k++)\n        sum += e[k] = exp(logits[k] - top);\n"
    "    for (int k = 0; k < @M@_CLASSES; k++)\n        probs[k] = (float)(e[k] / sum);\n}\n\n"
    "int @m@_classify_arena(void *arena, const float *pcm, int n, int sample_rate,\n"
    "                       float probs[]) {\n"
    "    if (!arena || !pcm || !probs)\n        return @M@_E_NULL;\n"
    "    unsigned char *base = arena;\n"
    "    float *features = (float *)(void *)(base + @m@_fe_ARENA_BYTES);\n"
    "    float *logits = (float *)(void *)(base + @m@_LOGITS_AT);\n"
    "    int status = @m@_fe_logmel(arena, pcm, n, sample_rate, features);\n"
    "    if (status < 0)\n        return status;\n"
    "    @m@_int8_forward(&@m@_constants, features, logits, base + @m@_WORK_AT);\n"
    "    @m@_softmax(logits, probs);\n"
    "    return status;\n}\n\n"
    "int @m@_classify(const float *pcm, int n, int sample_rate, float probs[]) {\n"
    "    double arena[(@M@_ARENA_BYTES + sizeof(double) - 1) / sizeof(double)];\n"
    "    int status = @m@_init(arena, sizeof arena);\n"
    "    return status < 0 ? status : @m@_classify_arena(arena, pcm, n, sample_rate, probs);\n}\n\n"
    "const char *@m@_strerror(int status) { return @m@_fe_strerror(status); }\n";

static void emit_api(FILE *out, const Standalone *s) {
    const char *m = s->p->model->name;
    char M[128];
    upper_name(M, m, sizeof M);
    fprintf(out, "\n/* ==== the API (%s_classifier.h) ==== */\n\n"
                 "#define %s_LOGITS_AT %lld /* bytes into the arena; the front end's come first */\n"
                 "#define %s_WORK_AT %lld\n\n",
            m, m, logits_offset(), m, work_offset(s));
    fprintf(out, "const char *const %s_class_names[%d] = {", m, s->p->model->classes);
    for (int k = 0; k < s->p->model->classes; k++) {
        if (s->p->model->classes == 10)
            fprintf(out, "%s\"%s\"", k ? ", " : "", tau_scenes[k]);
        else
            fprintf(out, "%s\"class_%d\"", k ? ", " : "", k);
    }
    fputs("};\n\n", out);
    print_template(out, api_template, m, M);
}

void emit_standalone_source(FILE *out, const Standalone *s) {
    const Model *model = s->p->model;
    const char *m = model->name;
    char fe[160];
    snprintf(fe, sizeof fe, "%s_fe_", m);
    fprintf(out,
            "/* %s_classifier.c: the %s scene classifier, standalone. Generated by ascc from\n"
            " * %s and the checkpoint %s. Do not edit.\n"
            " * Build: cc -std=c99 -O2 -c %s_classifier.c (link with -lm).\n"
            " * In order: the INT8 kernels and the log-mel front end (pasted from the ascc\n"
            " * sources named below), the constants, the INT8 network, the API. */\n"
            "#include \"%s_classifier.h\"\n\n"
            "#include <math.h>\n#include <stddef.h>\n#include <stdint.h>\n#include <string.h>\n",
            m, m, model->file, s->ckpt, m, m);
    /* nn_int8_vnni.h first: the others test NN_I8_VNNI, which it defines */
    paste(out, "INT8 kernels: runtime/nn/nn_int8_vnni.h", embedded_nn_int8_vnni, NULL);
    paste(out, "runtime/nn/nn_int8_arith.h", embedded_nn_int8_arith, NULL);
    paste(out, "runtime/nn/nn_int8_conv.h", embedded_nn_int8_conv, NULL);
    paste(out, "runtime/nn/nn_int8_ops.h", embedded_nn_int8_ops, NULL);
    paste(out, "runtime/nn/nn_int8_stats.h", embedded_nn_int8_stats, NULL);
    paste(out, "runtime/nn/nn_int8_layout.h", embedded_nn_int8_layout, NULL);
    paste(out, "runtime/nn/nn_int8_steps.h", embedded_nn_int8_steps, NULL);
    paste(out, "runtime/nn/nn_int8_params.h", embedded_nn_int8_params, NULL);
    paste(out, "front end: compiler/standalone/frontend.h", embedded_frontend_h, fe);
    paste(out, "compiler/standalone/frontend.c", embedded_frontend_c, fe);
    emit_constants(out, s);
    fprintf(out, "/* ==== the network ==== */\n\n");
    emit_int8_forward(out, s->q, "static ");
    emit_api(out, s);
}
