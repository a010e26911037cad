#!/usr/bin/env bash
# Kills a training run with SIGKILL at random moments, ten times, resuming it
# each time. Every checkpoint left on disk must load, and the resumed run must
# end with exactly the parameters of an uninterrupted run of the same seed (one
# thread: the logits of every clip compared byte for byte).
#   resume_after_kill.sh ASC [KILLS]
set -euo pipefail
asc=$1
kills=${2:-10}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$asc" synth --out "$tmp/data" --scale micro --seed 3 >/dev/null
run=(--model bcres2net_mfa_fpm --data "$tmp/data" --epochs 6 --batch 16 --warmup 1
     --threads 1 --seed 5 --qat --qat-freeze 1)

start=$(date +%s.%N)
"$asc" train "${run[@]}" --out "$tmp/whole" >/dev/null
whole_s=$(echo "$(date +%s.%N) - $start" | bc)

RANDOM=42
for ((k = 1; k <= kills; k++)); do
    "$asc" train "${run[@]}" --out "$tmp/killed" --resume >/dev/null 2>&1 &
    pid=$!
    # Uniform over a third of the whole run: some kills land before the first
    # checkpoint, others during an epoch or while a checkpoint is written.
    sleep "$(echo "scale=3; $whole_s / 3 * $RANDOM / 32767" | bc)"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    for ckpt in "$tmp"/killed/*.ckpt; do
        [ -e "$ckpt" ] || continue
        "$asc" eval --model bcres2net_mfa_fpm --ckpt "$ckpt" --data "$tmp/data" --json \
            >/dev/null || { echo "kill $k: $ckpt does not load"; exit 1; }
    done
    if ls "$tmp"/killed/*.tmp* >/dev/null 2>&1; then
        echo "kill $k: a temporary file was left behind (ok: it is never read)"
    fi
    echo "kill $k: $(awk 'NR > 1' "$tmp/killed/log.tsv" 2>/dev/null | wc -l) epochs on disk"
done
"$asc" train "${run[@]}" --out "$tmp/killed" --resume >/dev/null

for r in whole killed; do
    "$asc" predict --model bcres2net_mfa_fpm --ckpt "$tmp/$r/last.ckpt" --data "$tmp/data" \
        --threads 1 --out "$tmp/$r.npy" >/dev/null
done
cmp "$tmp/whole.npy" "$tmp/killed.npy"
cut -f1-8 "$tmp/whole/log.tsv" >"$tmp/whole.cols"
cut -f1-8 "$tmp/killed/log.tsv" >"$tmp/killed.cols"
cmp "$tmp/whole.cols" "$tmp/killed.cols"
echo "resumed after $kills kills: logits and log identical to the uninterrupted run (${whole_s} s)"
