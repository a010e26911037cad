#!/usr/bin/env bash
# The results page (docs/results.md): the paper's Table 2 on the synthetic data
# set, for the pre-trained student and the student fine-tuned with lambda 0.04
# and 0.4, each without and with distillation, over several seeds; plus a
# no-drop control that separates the device-aware drop from the fine-tuning
# itself. Every student is quantisation-aware and evaluated fake-quantised;
# the teacher is a float model of the same architecture.
#
#   examples/results/run.sh [OUTDIR]     (default build/results)
#
# Settings (environment): SCALE=tiny SEEDS="1 2 3" THREADS=2 BATCH=64
# TEACHER_EPOCHS STUDENT_EPOCHS FINETUNE_EPOCHS WARMUP. Every run resumes, so a
# killed run of this script continues where it stopped.
set -euo pipefail
cd "$(dirname "$0")/../.."
asc=${ASC:-build/bin/asc}
out=${1:-build/results}
scale=${SCALE:-tiny}
seeds=${SEEDS:-1 2 3}
threads=${THREADS:-2}
batch=${BATCH:-64}
teacher_epochs=${TEACHER_EPOCHS:-12}
student_epochs=${STUDENT_EPOCHS:-12}
finetune_epochs=${FINETUNE_EPOCHS:-5}
warmup=${WARMUP:-2}
model=bcres2net_mfa_fpm
data=$out/data-$scale
mkdir -p "$out"
start=$(date +%s)

[ -f "$data/meta.csv" ] || "$asc" synth --out "$data" --scale "$scale" --seed 1 >/dev/null

train() { # NAME EPOCHS ARGS...
    local name=$1 epochs=$2
    shift 2
    echo "$(date +%T) $name"
    "$asc" "$@" --model "$model" --data "$data" --out "$out/$name" --epochs "$epochs" \
        --batch "$batch" --threads "$threads" --resume >"$out/$name.out"
    "$asc" eval --model "$model" --ckpt "$out/$name/last.ckpt" --data "$data" \
        --threads "$threads" --json >"$out/$name.json"
}

for seed in $seeds; do
    train "s$seed-teacher" "$teacher_epochs" train --seed "$seed" --warmup "$warmup"
    "$asc" predict --model "$model" --ckpt "$out/s$seed-teacher/last.ckpt" --data "$data" \
        --threads "$threads" --out "$out/s$seed-teacher.npy" >/dev/null
    train "s$seed-pre" "$student_epochs" train --seed "$seed" --warmup "$warmup" --qat
    train "s$seed-pre-kd" "$student_epochs" train --seed "$seed" --warmup "$warmup" --qat \
        --teacher-logits "$out/s$seed-teacher.npy"
    for pre in pre pre-kd; do
        for lambda in 0.04 0.4; do
            train "s$seed-$pre-ft$lambda" "$finetune_epochs" finetune --seed "$seed" --qat \
                --from "$out/s$seed-$pre/last.ckpt" --lambda "$lambda"
        done
        train "s$seed-$pre-ft0.4-nodrop" "$finetune_epochs" finetune --seed "$seed" --qat \
            --from "$out/s$seed-$pre/last.ckpt" --lambda 0.4 --drop-device none
    done
done

python3 examples/results/table.py "$out" "$seeds" >"$out/table.md"
cat "$out/table.md"
echo "$(( ($(date +%s) - start) / 60 )) minutes (scale $scale, seeds $seeds, epochs" \
     "$teacher_epochs/$student_epochs/$finetune_epochs, batch $batch, $threads threads)"
