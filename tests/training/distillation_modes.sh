#!/usr/bin/env bash
# The two ways of distilling give the same student: precomputed teacher logits
# (asc predict, then --teacher-logits) and a teacher run live on each batch
# (--teacher M --teacher-ckpt CKPT). Without augmentation both teachers see the
# same clean clips, so the students must agree up to the rounding of batched
# versus per-micro-batch inference; and distillation must change the student
# (alpha 0 and alpha 0.9 differ).
#   distillation_modes.sh ASC
set -euo pipefail
asc=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
model=bcres2net_mfa_fpm
"$asc" synth --out "$tmp/data" --scale micro --seed 4 >/dev/null
common=(--model $model --data "$tmp/data" --epochs 1 --batch 32 --warmup 0 --threads 1
        --seed 9 --no-augment)
"$asc" train "${common[@]}" --out "$tmp/teacher" >/dev/null
"$asc" predict --model $model --ckpt "$tmp/teacher/last.ckpt" --data "$tmp/data" \
    --out "$tmp/teacher.npy" >/dev/null
"$asc" train "${common[@]}" --out "$tmp/from-file" --seed 10 --kd-alpha 0.9 \
    --teacher-logits "$tmp/teacher.npy" >/dev/null
"$asc" train "${common[@]}" --out "$tmp/live" --seed 10 --kd-alpha 0.9 \
    --teacher $model --teacher-ckpt "$tmp/teacher/last.ckpt" >/dev/null
"$asc" train "${common[@]}" --out "$tmp/no-kd" --seed 10 >/dev/null

loss() { "$asc" eval --model $model --ckpt "$tmp/$1/last.ckpt" --data "$tmp/data" --json |
         sed 's/.*"micro_logloss": \([-0-9.e]*\).*/\1/'; }
file=$(loss from-file) live=$(loss live) plain=$(loss no-kd)
echo "evaluation log loss: teacher logits $file, live teacher $live, no distillation $plain"
awk -v a="$file" -v b="$live" -v c="$plain" 'BEGIN {
    d = a - b; if (d < 0) d = -d
    e = a - c; if (e < 0) e = -e
    if (d > 1e-3) { print "the two distillation modes differ by " d; exit 1 }
    if (e < 1e-3) { print "distillation did not change the student"; exit 1 }
}'
