/* Evaluation figures (see metrics.h).  The log loss follows the DCASE 2022
 * evaluation (scikit-learn's log_loss before version 1.5: clip, renormalise)
 * so figures compare with the challenge's and the paper's. */
#include "metrics.h"

#include <assert.h>
#include <ctype.h>
#include <math.h>
#include <string.h>

#define CLIP_EPS 1e-15

void metrics_init(eval_metrics *m)
{
    memset(m, 0, sizeof *m);
}

/* Index of the largest value, the first on ties. */
static int argmax(const float *v)
{
    int best = 0;
    for (int k = 1; k < TAU_SCENES; k++)
        if (v[k] > v[best])
            best = k;
    return best;
}

/* x limited to [lo, hi]; a NaN passes through so a broken model shows. */
static double clamp(double x, double lo, double hi)
{
    return x < lo ? lo : x > hi ? hi : x;
}

/* -log of the true scene's probability after clipping every probability to
 * [eps, 1 - eps] and renormalising the row.  Working from log probabilities
 * keeps a confident model's tiny probabilities from underflowing first. */
static double clipped_logloss(const double *logp, int scene)
{
    double lo = log(CLIP_EPS), hi = log1p(-CLIP_EPS), sum = 0;
    for (int k = 0; k < TAU_SCENES; k++)
        sum += exp(clamp(logp[k], lo, hi));
    return log(sum) - clamp(logp[scene], lo, hi);
}

static void add_clip(eval_metrics *m, int device, int scene, int predicted,
                     double loss)
{
    assert(device >= 0 && device < TAU_DEVICES);
    assert(scene >= 0 && scene < TAU_SCENES);
    m->clips[device]++;
    m->correct[device] += predicted == scene;
    m->loss_sum[device] += loss;
    m->confusion[scene][predicted]++;
}

void metrics_add(eval_metrics *m, int device, int scene, const float *logits)
{
    /* log softmax with the largest logit subtracted: exp never overflows. */
    int predicted = argmax(logits);
    double top = logits[predicted], sum = 0, logp[TAU_SCENES];
    for (int k = 0; k < TAU_SCENES; k++)
        sum += exp((double)logits[k] - top);
    double log_sum = log(sum);
    for (int k = 0; k < TAU_SCENES; k++)
        logp[k] = (double)logits[k] - top - log_sum;
    add_clip(m, device, scene, predicted, clipped_logloss(logp, scene));
}

void metrics_add_probs(eval_metrics *m, int device, int scene,
                       const float *probs)
{
    double logp[TAU_SCENES];
    for (int k = 0; k < TAU_SCENES; k++)
        logp[k] = log(probs[k]); /* 0 gives -inf, clipped to log(eps) */
    add_clip(m, device, scene, argmax(probs), clipped_logloss(logp, scene));
}

void metrics_merge(eval_metrics *into, const eval_metrics *from)
{
    for (int d = 0; d < TAU_DEVICES; d++) {
        into->clips[d] += from->clips[d];
        into->correct[d] += from->correct[d];
        into->loss_sum[d] += from->loss_sum[d];
    }
    for (int t = 0; t < TAU_SCENES; t++)
        for (int p = 0; p < TAU_SCENES; p++)
            into->confusion[t][p] += from->confusion[t][p];
}

double metrics_device_accuracy(const eval_metrics *m, int device)
{
    long n = m->clips[device];
    return n ? (double)m->correct[device] / n : NAN;
}

double metrics_device_logloss(const eval_metrics *m, int device)
{
    long n = m->clips[device];
    return n ? m->loss_sum[device] / n : NAN;
}

/* Mean of a per-device figure over the devices that have clips. */
static double macro(const eval_metrics *m,
                    double (*figure)(const eval_metrics *, int))
{
    double sum = 0;
    int devices = 0;
    for (int d = 0; d < TAU_DEVICES; d++)
        if (m->clips[d]) {
            sum += figure(m, d);
            devices++;
        }
    return devices ? sum / devices : NAN;
}

double metrics_accuracy(const eval_metrics *m)
{
    return macro(m, metrics_device_accuracy);
}

double metrics_logloss(const eval_metrics *m)
{
    return macro(m, metrics_device_logloss);
}

long metrics_clips(const eval_metrics *m)
{
    long n = 0;
    for (int d = 0; d < TAU_DEVICES; d++)
        n += m->clips[d];
    return n;
}

double metrics_micro_accuracy(const eval_metrics *m)
{
    long n = metrics_clips(m), correct = 0;
    for (int d = 0; d < TAU_DEVICES; d++)
        correct += m->correct[d];
    return n ? (double)correct / n : NAN;
}

double metrics_micro_logloss(const eval_metrics *m)
{
    long n = metrics_clips(m);
    double sum = 0;
    for (int d = 0; d < TAU_DEVICES; d++)
        sum += m->loss_sum[d];
    return n ? sum / n : NAN;
}

/* Device names as the paper writes them: A B C S1 .. S6. */
static void device_label(int device, char *buf, size_t size)
{
    size_t i = 0;
    for (const char *s = tau_device_names[device]; *s && i + 1 < size; s++)
        buf[i++] = (char)toupper((unsigned char)*s);
    buf[i] = '\0';
}

void metrics_print_table(FILE *out, const char *title, const eval_metrics *m)
{
    if (title)
        fprintf(out, "%s\n", title);
    if (!metrics_clips(m)) {
        fprintf(out, "no clips\n");
        return;
    }
    char label[8];
    fprintf(out, "%-10s", "");
    for (int d = 0; d < TAU_DEVICES; d++)
        if (m->clips[d]) {
            device_label(d, label, sizeof label);
            fprintf(out, " %6s", label);
        }
    fprintf(out, "  mean log loss  accuracy\n%-10s", "log loss");
    for (int d = 0; d < TAU_DEVICES; d++)
        if (m->clips[d])
            fprintf(out, " %6.3f", metrics_device_logloss(m, d));
    fprintf(out, " %14.3f\n%-10s", metrics_logloss(m), "accuracy %");
    for (int d = 0; d < TAU_DEVICES; d++)
        if (m->clips[d])
            fprintf(out, " %6.1f", 100 * metrics_device_accuracy(m, d));
    fprintf(out, "%15s %9.1f\n%-10s", "", 100 * metrics_accuracy(m), "clips");
    for (int d = 0; d < TAU_DEVICES; d++)
        if (m->clips[d])
            fprintf(out, " %6ld", m->clips[d]);
    fprintf(out, "\n");
}

/* Column headers of at most 7 characters, so that ten columns of 8, the
 * longest scene name (17) and the accuracy column fit in 110. */
static const char *scene_abbrev(int scene)
{
    static const char *const longer[][2] = {
        {"metro_station", "m_stat"},     {"public_square", "pub_sq"},
        {"shopping_mall", "mall"},       {"street_pedestrian", "st_ped"},
        {"street_traffic", "st_traf"},
    };
    const char *name = tau_scene_names[scene];
    for (size_t i = 0; i < sizeof longer / sizeof longer[0]; i++)
        if (strcmp(name, longer[i][0]) == 0)
            return longer[i][1];
    return name;
}

void metrics_print_confusion(FILE *out, const eval_metrics *m)
{
    fprintf(out, "confusion: rows true scene, columns predicted\n%-17s", "");
    for (int p = 0; p < TAU_SCENES; p++)
        fprintf(out, " %7.7s", scene_abbrev(p));
    fprintf(out, "  accuracy\n");
    for (int t = 0; t < TAU_SCENES; t++) {
        long row = 0;
        fprintf(out, "%-17s", tau_scene_names[t]);
        for (int p = 0; p < TAU_SCENES; p++) {
            fprintf(out, " %7ld", m->confusion[t][p]);
            row += m->confusion[t][p];
        }
        if (row)
            fprintf(out, " %7.1f %%\n", 100.0 * m->confusion[t][t] / row);
        else
            fprintf(out, " %9s\n", "-");
    }
}

/* JSON has no NaN: an undefined figure is null. */
static void json_number(FILE *out, double x)
{
    if (isfinite(x))
        fprintf(out, "%.10g", x);
    else
        fprintf(out, "null");
}

/* , "key": x */
static void json_member(FILE *out, const char *key, double x)
{
    fprintf(out, ", \"%s\": ", key);
    json_number(out, x);
}

void metrics_print_json(FILE *out, const eval_metrics *m)
{
    metrics_print_json_with(out, m, NULL);
}

void metrics_print_json_with(FILE *out, const eval_metrics *m, const char *extra)
{
    fprintf(out, "{\"clips\": %ld", metrics_clips(m));
    json_member(out, "accuracy", metrics_accuracy(m));
    json_member(out, "logloss", metrics_logloss(m));
    json_member(out, "micro_accuracy", metrics_micro_accuracy(m));
    json_member(out, "micro_logloss", metrics_micro_logloss(m));
    fprintf(out, ", \"devices\": {");
    int first = 1;
    for (int d = 0; d < TAU_DEVICES; d++) {
        if (!m->clips[d])
            continue;
        fprintf(out, "%s\"%s\": {\"clips\": %ld", first ? "" : ", ",
                tau_device_names[d], m->clips[d]);
        json_member(out, "accuracy", metrics_device_accuracy(m, d));
        json_member(out, "logloss", metrics_device_logloss(m, d));
        fprintf(out, "}");
        first = 0;
    }
    fprintf(out, "}, \"confusion\": [");
    for (int t = 0; t < TAU_SCENES; t++) {
        fprintf(out, "%s[", t ? ", " : "");
        for (int p = 0; p < TAU_SCENES; p++)
            fprintf(out, "%s%ld", p ? ", " : "", m->confusion[t][p]);
        fprintf(out, "]");
    }
    fprintf(out, "]%s%s}\n", extra ? ", " : "", extra ? extra : "");
}

/* Softmax of a row in double. */
static void softmax_row(const float *logits, int classes, double *p)
{
    double top = logits[0], sum = 0;
    for (int k = 1; k < classes; k++)
        top = logits[k] > top ? logits[k] : top;
    for (int k = 0; k < classes; k++)
        sum += p[k] = exp((double)logits[k] - top);
    for (int k = 0; k < classes; k++)
        p[k] /= sum;
}

static int argmax_row(const float *x, int classes)
{
    int best = 0;
    for (int k = 1; k < classes; k++)
        best = x[k] > x[best] ? k : best;
    return best;
}

void metrics_agreement(const float *a, const float *b, long n, int classes,
                       logits_agreement *out)
{
    double pa[TAU_SCENES * 8], pb[TAU_SCENES * 8];
    *out = (logits_agreement){.clips = n};
    for (long i = 0; i < n && classes <= TAU_SCENES * 8; i++) {
        const float *ra = a + i * classes, *rb = b + i * classes;
        out->same_top1 += argmax_row(ra, classes) == argmax_row(rb, classes);
        softmax_row(ra, classes, pa);
        softmax_row(rb, classes, pb);
        for (int k = 0; k < classes; k++) {
            double d = fabs(pa[k] - pb[k]);
            out->max_prob_diff = d > out->max_prob_diff ? d : out->max_prob_diff;
        }
    }
}

void metrics_mean_std(const double *x, int n, double *mean, double *std)
{
    double sum = 0, sq = 0;
    for (int i = 0; i < n; i++)
        sum += x[i];
    *mean = n > 0 ? sum / n : NAN;
    /* Two passes: deviations from the mean, not sum of squares minus the
     * squared sum, which cancels badly for close values like accuracies. */
    for (int i = 0; i < n; i++)
        sq += (x[i] - *mean) * (x[i] - *mean);
    *std = n > 1 ? sqrt(sq / (n - 1)) : NAN;
}
