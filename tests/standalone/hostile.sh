#!/usr/bin/env bash
# Builds the standalone classifier as a deployer would and runs
# test_classifier_hostile.c against it: ascc --emit=standalone on a calibrated
# QAT checkpoint (a one-epoch model of the micro set, trained here unless CKPT
# is given), the classifier compiled as strict C99, the Check test with the
# compiler's default standard (Check's headers are not strict C99), both with
# the extra flags in CFLAGS (the sanitizers, from CMake).
#   hostile.sh ASC ASCC CC [CKPT]
set -euo pipefail
if [[ $# -lt 3 || $# -gt 4 ]]; then
    echo "usage: hostile.sh ASC ASCC CC [CKPT]" >&2
    exit 2
fi
asc=$1 ascc=$2 cc=$3 ckpt=${4:-}
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
root=$(cd "$(dirname "$0")/../.." && pwd)
model=bcres2net_mfa_fpm
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
read -r -a extra <<<"${CFLAGS:-}"

if [[ -z $ckpt ]]; then
    "$asc" synth --out "$tmp/data" --scale micro --seed 7 >/dev/null
    "$asc" train --model $model --data "$tmp/data" --epochs 1 --batch 32 --warmup 0 \
        --threads 1 --seed 4 --qat --qat-freeze 0 --out "$tmp/run" >/dev/null
    "$asc" calibrate --model $model --ckpt "$tmp/run/last.ckpt" --data "$tmp/data" >/dev/null
    ckpt=$tmp/run/last.ckpt
fi
"$ascc" --emit=standalone --weights "$ckpt" -o "$tmp/out" "$root/spec/$model.asc"

# Captured first so that a failing pkg-config stops the script.
cflags=$(pkg-config --cflags check)
libs=$(pkg-config --libs check)
read -r -a check_cflags <<<"$cflags"
read -r -a check_libs <<<"$libs"
"$cc" -std=c99 -pedantic -Wall -Wextra -Werror -O2 "${extra[@]}" \
    -c "$tmp/out/${model}_classifier.c" -o "$tmp/classifier.o"
"$cc" -Wall -Wextra -Werror -O2 "${extra[@]}" "${check_cflags[@]}" \
    -I "$tmp/out" -I "$root/tests" -c "$root/tests/standalone/test_classifier_hostile.c" \
    -o "$tmp/test.o"
"$cc" "${extra[@]}" "$tmp/test.o" "$tmp/classifier.o" \
    "${check_libs[@]}" -lm -o "$tmp/test_classifier_hostile"
"$tmp/test_classifier_hostile"
