#!/usr/bin/env bash
# The two ways of distilling give the same student: precomputed teacher logits
# (asc predict, then --teacher-logits) and a teacher run live on each
# micro-batch (--teacher M --teacher-ckpt CKPT). Without augmentation both
# teachers see the same clean clips in inference mode; and distillation must
# change the student (alpha 0 and alpha 0.9 differ).
#
# What may differ is only the rounding of the teacher's logits: asc predict
# runs the teacher on batches of clips in meta.csv order, the live teacher on
# the training micro-batches, and the same clip's logits then differ in the
# last bits (BLAS blocks the sums by the batch's size). Measured on this set
# (release build, 150 training clips): at most 2.1e-7 absolute (7e-7 of the
# largest logit). Feeding the live teacher's logits back as a --teacher-logits
# file gives a student bitwise identical to the live one, so nothing else
# differs. But training amplifies that rounding: after 5 AdamW steps at lr 0.01
# the two students' evaluation log losses differed by 2.9e-3 (2.3205 and
# 2.3176), and random relative perturbations of 1e-7 of the teacher logits
# alone spread them over 2.3177-2.3201. That is why the former check of 5
# steps within 1e-3 passed or failed by the luck of the build's rounding
# (passing in the debug build, failing in release). So the test checks:
#  1. Exactly: with the teacher run one clip at a time in both modes
#     (predict --batch 1, train --micro-batch 1) its logits are computed
#     identically, and the two students must be identical (the whole eval
#     output). Any difference is a bug: a live teacher in training mode, with
#     dropout or fake quantisation, on other clips, at another temperature.
#  2. Micro-batches of 64 (64, 64, 22: a short last one) and predict's batches
#     of 64, over one optimiser step, where amplification is small: measured
#     4e-8 between the modes, at most 3.3e-6 with the file's logits perturbed
#     by 1e-5 relative (15 times the rounding), against 1.1e-2 for
#     distillation itself. Tolerance 1e-4.
#   distillation_modes.sh ASC
set -euo pipefail
asc=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
model=bcres2net_mfa_fpm
"$asc" synth --out "$tmp/data" --scale micro --seed 4 >/dev/null
common=(--model $model --data "$tmp/data" --epochs 1 --warmup 0 --threads 1 --no-augment)
"$asc" train "${common[@]}" --batch 32 --seed 9 --out "$tmp/teacher" >/dev/null
predict=(--model $model --ckpt "$tmp/teacher/last.ckpt" --data "$tmp/data" --threads 1)
"$asc" predict "${predict[@]}" --batch 1 --out "$tmp/teacher-1.npy" >/dev/null
"$asc" predict "${predict[@]}" --batch 64 --out "$tmp/teacher-64.npy" >/dev/null
kd=(--seed 10 --kd-alpha 0.9)
live=(--teacher $model --teacher-ckpt "$tmp/teacher/last.ckpt")
evaluate() { "$asc" eval --model $model --ckpt "$tmp/$1/last.ckpt" --data "$tmp/data" --json; }
loss() { evaluate "$1" | sed 's/.*"micro_logloss": \([-0-9.e]*\).*/\1/'; }

# 1. one clip per teacher call: identical students
one=("${common[@]}" --batch 32 --micro-batch 1 "${kd[@]}")
"$asc" train "${one[@]}" --out "$tmp/file-1" --teacher-logits "$tmp/teacher-1.npy" >/dev/null
"$asc" train "${one[@]}" --out "$tmp/live-1" "${live[@]}" >/dev/null
if [ "$(evaluate file-1)" != "$(evaluate live-1)" ]; then
    echo "teacher run one clip at a time: the two distillation modes give different students" \
         "(log loss $(loss file-1) from logits, $(loss live-1) live)"
    exit 1
fi

# 2. the whole training split (150 clips; up to 256) in one step, in micro-batches of 64
step=("${common[@]}" --batch 256 --micro-batch 64 --seed 10)
"$asc" train "${step[@]}" "${kd[@]}" --out "$tmp/file" --teacher-logits "$tmp/teacher-64.npy" >/dev/null
"$asc" train "${step[@]}" "${kd[@]}" --out "$tmp/live" "${live[@]}" >/dev/null
"$asc" train "${step[@]}" --out "$tmp/no-kd" >/dev/null
file=$(loss file) live=$(loss live) plain=$(loss no-kd)
echo "evaluation log loss: one clip at a time $(loss file-1) in both modes;" \
     "one step: teacher logits $file, live teacher $live, no distillation $plain"
awk -v a="$file" -v b="$live" -v c="$plain" 'BEGIN {
    d = a - b; if (d < 0) d = -d
    e = a - c; if (e < 0) e = -e
    if (d > 1e-4) { print "the two distillation modes differ by " d; exit 1 }
    if (e < 1e-3) { print "distillation did not change the student"; exit 1 }
}'
