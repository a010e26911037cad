#!/usr/bin/env bash
# The paper's pipeline end to end on built-in defaults (docs/training.md):
# a synthetic data set, a teacher, the student distilled from it with
# quantisation-aware training, device-aware fine-tuning, and the per-device
# table of the student before and after fine-tuning.
#
#   scripts/pipeline.sh [OUTDIR]        (default build/pipeline)
#
# Every step resumes: running it again finishes what a killed run left and
# skips what is done. Settings come from the environment (defaults sized to
# finish within 10 minutes on 2 cores):
#   SCALE=tiny  SEED=1  THREADS=2  BATCH=64
#   TEACHER_EPOCHS  STUDENT_EPOCHS  FINETUNE_EPOCHS
#   TEACHER_SPLIT=train   'all' lets the teacher see the evaluation split, as
#                         the paper's teachers did (docs/training.md says what
#                         that does to the figures)
#   KD_ALPHA=0.5 KD_TEMP=2 LAMBDA=0.4 DROP_MAX=0.9
set -euo pipefail
cd "$(dirname "$0")/.."
asc=${ASC:-build/bin/asc}
out=${1:-build/pipeline}
scale=${SCALE:-tiny}
seed=${SEED:-1}
threads=${THREADS:-2}
batch=${BATCH:-64}
teacher_epochs=${TEACHER_EPOCHS:-8}
student_epochs=${STUDENT_EPOCHS:-8}
finetune_epochs=${FINETUNE_EPOCHS:-4}
model=bcres2net_mfa_fpm
mkdir -p "$out"
data=$out/data-$scale

step() { printf '\n== %s\n' "$*"; }

if [ ! -f "$data/meta.csv" ]; then
    step "synthetic data set ($scale)"
    "$asc" synth --out "$data" --scale "$scale" --seed "$seed"
fi
common=(--data "$data" --batch "$batch" --threads "$threads" --seed "$seed" --resume)

step "teacher: $model, $teacher_epochs epochs on the ${TEACHER_SPLIT:-train} split"
"$asc" train --model "$model" "${common[@]}" --out "$out/teacher" --epochs "$teacher_epochs" \
    --warmup 2 --split "${TEACHER_SPLIT:-train}"
"$asc" predict --model "$model" --ckpt "$out/teacher/last.ckpt" --data "$data" \
    --threads "$threads" --out "$out/teacher_logits.npy"

step "student: $model, $student_epochs epochs, distilled from the teacher, quantisation-aware"
"$asc" train --model "$model" "${common[@]}" --out "$out/student" --epochs "$student_epochs" \
    --warmup 2 --qat --teacher-logits "$out/teacher_logits.npy" \
    --kd-alpha "${KD_ALPHA:-0.5}" --kd-temp "${KD_TEMP:-2}"

step "fine-tuning: $finetune_epochs epochs, device A dropped up to ${DROP_MAX:-0.9}, lambda ${LAMBDA:-0.4}"
"$asc" finetune --model "$model" "${common[@]}" --out "$out/finetuned" \
    --from "$out/student/last.ckpt" --epochs "$finetune_epochs" --qat \
    --drop-max "${DROP_MAX:-0.9}" --lambda "${LAMBDA:-0.4}"

step "evaluation split, fake-quantised INT8 model"
for run in student finetuned; do
    "$asc" eval --model "$model" --ckpt "$out/$run/last.ckpt" --data "$data" --threads "$threads" |
        sed '/^confusion/,$d'
done
