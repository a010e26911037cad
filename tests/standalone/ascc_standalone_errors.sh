#!/usr/bin/env bash
# ascc --emit=standalone refuses what it cannot build from: usage errors exit 2,
# checkpoints that are missing, truncated, of another model, not quantisation-aware
# or not calibrated exit 1 with one line, and none of them leaves a file behind.
# A calibrated QAT checkpoint gives the two files, which compile as C99.
#   ascc_standalone_errors.sh ASC ASCC CC
set -euo pipefail
asc=$1 ascc=$2 cc=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
spec=$(cd "$(dirname "$0")/../.." && pwd)/spec
model=bcres2net_mfa_fpm
fail() { echo "FAIL: $*"; exit 1; }
"$asc" synth --out "$tmp/data" --scale micro --seed 8 >/dev/null
train=(--model $model --data "$tmp/data" --epochs 1 --batch 32 --warmup 0 --threads 1)
"$asc" train "${train[@]}" --qat --out "$tmp/qat" >/dev/null
"$asc" train "${train[@]}" --out "$tmp/float" >/dev/null
"$asc" calibrate --model $model --ckpt "$tmp/qat/last.ckpt" --data "$tmp/data" --clips 32 \
    --out "$tmp/cal.ckpt" >/dev/null
head -c 5000 "$tmp/cal.ckpt" >"$tmp/truncated.ckpt"

# expect STATUS PATTERN ARGS...: that exit status, one stderr line with PATTERN, no output.
expect() {
    local status=$1 pattern=$2; shift 2
    rm -rf "$tmp/out"
    set +e; "$ascc" "$@" >"$tmp/stdout" 2>"$tmp/err"; local st=$?; set -e
    [[ $st == "$status" ]] || fail "ascc $* exited $st: $(cat "$tmp/err")"
    [[ $(wc -l <"$tmp/err") == 1 ]] || fail "ascc $*: not one error line: $(cat "$tmp/err")"
    grep -q -- "$pattern" "$tmp/err" || fail "ascc $*: $(cat "$tmp/err")"
    [[ ! -e $tmp/out || -z $(ls -A "$tmp/out") ]] || fail "ascc $* left files: $(ls "$tmp/out")"
}
expect 2 "needs -o DIR and --weights" --emit=standalone -o "$tmp/out" "$spec/$model.asc"
expect 2 "needs -o DIR and --weights" --emit=standalone --weights "$tmp/cal.ckpt" "$spec/$model.asc"
expect 2 "goes with --emit=standalone" -o "$tmp/out" --weights "$tmp/cal.ckpt" "$spec/$model.asc"
expect 2 "no --precision" --emit=standalone --precision=double --weights "$tmp/cal.ckpt" \
    -o "$tmp/out" "$spec/$model.asc"
expect 1 "no-such.ckpt" --emit=standalone --weights "$tmp/no-such.ckpt" -o "$tmp/out" \
    "$spec/$model.asc"
expect 1 "truncated.ckpt" --emit=standalone --weights "$tmp/truncated.ckpt" -o "$tmp/out" \
    "$spec/$model.asc"
expect 1 "not quantisation-aware" --emit=standalone --weights "$tmp/float/last.ckpt" \
    -o "$tmp/out" "$spec/$model.asc"
expect 1 "not calibrated" --emit=standalone --weights "$tmp/qat/last.ckpt" -o "$tmp/out" \
    "$spec/$model.asc"
expect 1 "cal.ckpt" --emit=standalone --weights "$tmp/cal.ckpt" -o "$tmp/out" \
    "$spec/dcase2022_baseline.asc"

"$ascc" --emit=standalone --weights "$tmp/cal.ckpt" -o "$tmp/out" "$spec/$model.asc"
[[ $(ls "$tmp/out") == $'bcres2net_mfa_fpm_classifier.c\nbcres2net_mfa_fpm_classifier.h' ]] ||
    fail "expected exactly the two files, got: $(ls "$tmp/out")"
"$cc" -std=c99 -pedantic -Wall -Wextra -Werror -O2 -c "$tmp/out/${model}_classifier.c" \
    -o "$tmp/classifier.o" || fail "the classifier does not compile as strict C99"
echo "ascc --emit=standalone: all checks passed"
