#!/usr/bin/env bash
# asc calibrate on a short QAT run: every internal grid gets a range (calibrate
# fails, naming the grid, if a forward pass leaves one unwritten), the result
# is deterministic, the input checkpoint is untouched with --out (and rewritten
# in place without), evaluation then simulates INT8 and stays close to the
# fake-quantised model, and misuse fails with one line and writes nothing.
#   calibrate.sh ASC
set -euo pipefail
asc=$1
source "$(dirname "$0")/common.sh"
"$asc" synth --out "$tmp/data" --scale micro --seed 5 >/dev/null
"$asc" train --model $model --data "$tmp/data" --epochs 1 --batch 32 --warmup 0 --threads 1 \
    --seed 3 --qat --qat-freeze 0 --out "$tmp/run" >/dev/null
ckpt=$tmp/run/last.ckpt
cp "$ckpt" "$tmp/orig.ckpt"

said=$("$asc" calibrate --model $model --ckpt "$ckpt" --data "$tmp/data" --clips 64 --batch 16 \
    --out "$tmp/a.ckpt")
grep -q "227 internal INT8 grids calibrated on 64 training clips" <<<"$said" ||
    fail "calibrate did not report its grids: $said"
cmp -s "$ckpt" "$tmp/orig.ckpt" || fail "--out changed the input checkpoint"
"$asc" calibrate --model $model --ckpt "$ckpt" --data "$tmp/data" --clips 64 --batch 16 \
    --out "$tmp/b.ckpt" >/dev/null
cmp -s "$tmp/a.ckpt" "$tmp/b.ckpt" || fail "two calibrations differ"
cp "$ckpt" "$tmp/inplace.ckpt"
"$asc" calibrate --model $model --ckpt "$tmp/inplace.ckpt" --data "$tmp/data" --clips 64 \
    --batch 16 >/dev/null
cmp -s "$tmp/a.ckpt" "$tmp/inplace.ckpt" || fail "calibrating in place differs from --out"
# Calibrating a calibrated checkpoint replaces the section: same bytes.
"$asc" calibrate --model $model --ckpt "$tmp/inplace.ckpt" --data "$tmp/data" --clips 64 \
    --batch 16 >/dev/null
cmp -s "$tmp/a.ckpt" "$tmp/inplace.ckpt" || fail "recalibrating changed the checkpoint"

table=$("$asc" eval --model $model --ckpt "$tmp/a.ckpt" --data "$tmp/data")
grep -q "INT8-simulated" <<<"${table%%$'\n'*}" ||
    fail "eval of a calibrated checkpoint does not simulate INT8"
acc() { "$asc" eval --model $model --ckpt "$1" --data "$tmp/data" --json |
        sed 's/.*"micro_logloss": \([-0-9.e]*\).*/\1/'; }
before=$(acc "$ckpt") after=$(acc "$tmp/a.ckpt")
echo "evaluation log loss: fake-quantised $before, INT8-simulated $after"
awk -v a="$before" -v b="$after" 'BEGIN { d = a - b; if (d < 0) d = -d
    if (d == 0) { print "FAIL: the internal grids changed nothing"; exit 1 }
    if (d > 0.05) { print "FAIL: the internal grids moved the log loss by " d; exit 1 } }'

# Misuse: one line on stderr, exit 1, nothing written.
"$asc" train --model $model --data "$tmp/data" --epochs 1 --batch 32 --warmup 0 --threads 1 \
    --out "$tmp/float" >/dev/null
expect_error "not quantisation-aware" calibrate --model $model --ckpt "$tmp/float/last.ckpt" \
    --data "$tmp/data" --out "$tmp/x.ckpt"
[[ ! -e $tmp/x.ckpt ]] || fail "a refused calibration wrote its output"
expect_error "no-such-dir" calibrate --model $model --ckpt "$ckpt" --data "$tmp/data" \
    --clips 8 --out "$tmp/no-such-dir/x.ckpt"
expect_error "--clips" calibrate --model $model --ckpt "$ckpt" --data "$tmp/data" --clips 0
expect_error "--ckpt" calibrate --model $model --data "$tmp/data"
cmp -s "$ckpt" "$tmp/orig.ckpt" || fail "a failed calibration changed the checkpoint"
echo "calibrate: all checks passed"
