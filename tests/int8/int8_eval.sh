#!/usr/bin/env bash
# INT8 inference through asc on a short QAT run of the paper model (micro set):
# eval --int8 compares with the float model INT8 implements, predict --int8 gives
# the same logits with one thread or two, and INT8 of a checkpoint that is not
# quantisation-aware or not calibrated is refused with one line.
#   int8_eval.sh ASC
set -euo pipefail
asc=$1
source "$(dirname "$0")/common.sh"
"$asc" synth --out "$tmp/data" --scale micro --seed 6 >/dev/null
"$asc" train --model $model --data "$tmp/data" --epochs 2 --batch 32 --warmup 0 --threads 1 \
    --seed 4 --qat --qat-freeze 0 --out "$tmp/run" >/dev/null
ckpt=$tmp/run/last.ckpt
"$asc" calibrate --model $model --ckpt "$ckpt" --data "$tmp/data" --clips 64 \
    --out "$tmp/cal.ckpt" >/dev/null

json=$("$asc" eval --model $model --ckpt "$tmp/cal.ckpt" --data "$tmp/data" --int8 --json)
agree=$(sed 's/.*"top1_agreement": \([-0-9.e]*\).*/\1/' <<<"$json")
dp=$(sed 's/.*"max_prob_diff": \([-0-9.e]*\).*/\1/' <<<"$json")
echo "INT8 against the float model: top-1 agreement $agree, largest probability difference $dp"
# A two-epoch model is far from confident: near ties flip on a code or two.
awk -v a="$agree" -v d="$dp" 'BEGIN { if (a < 0.85 || d > 0.2) exit 1 }' ||
    fail "INT8 strays from the float model it implements"

"$asc" predict --model $model --ckpt "$tmp/cal.ckpt" --data "$tmp/data" --int8 --threads 1 \
    --out "$tmp/one.npy" >/dev/null
"$asc" predict --model $model --ckpt "$tmp/cal.ckpt" --data "$tmp/data" --int8 --threads 2 \
    --out "$tmp/two.npy" >/dev/null
cmp -s "$tmp/one.npy" "$tmp/two.npy" || fail "INT8 logits depend on the thread count"
"$asc" predict --model $model --ckpt "$tmp/cal.ckpt" --data "$tmp/data" \
    --out "$tmp/float.npy" >/dev/null
cmp -s "$tmp/one.npy" "$tmp/float.npy" && fail "predict --int8 gave the float model's logits"

expect_error "not calibrated" eval --model $model --ckpt "$ckpt" --data "$tmp/data" --int8
expect_error "not calibrated" predict --model $model --ckpt "$ckpt" --data "$tmp/data" --int8 \
    --out "$tmp/x.npy"
[[ ! -e $tmp/x.npy ]] || fail "a refused predict wrote its output"
"$asc" train --model $model --data "$tmp/data" --epochs 1 --batch 32 --warmup 0 --threads 1 \
    --out "$tmp/float" >/dev/null
expect_error "not quantisation-aware" eval --model $model --ckpt "$tmp/float/last.ckpt" \
    --data "$tmp/data" --int8
wavs=("$tmp"/data/audio/*.wav)
wav=${wavs[0]}
expect_error "not quantisation-aware" classify --model $model --ckpt "$tmp/float/last.ckpt" \
    --int8 "$wav"
line=$("$asc" classify --model $model --ckpt "$tmp/cal.ckpt" --int8 "$wav")
[[ $line == "$wav"$'\t'* ]] || fail "classify --int8 printed no line for the file: $line"
echo "int8_eval: all checks passed"
