#!/usr/bin/env bash
# Latency of one 1-second clip on one thread (issue 6): the standalone
# classifier of bcres2net_mfa_fpm, generated from CKPT by ascc and compiled at
# -O2 as examples/deploy does (tests/bench/bench_standalone_classify.c), and
# asc's paths for the same checkpoint (build/bin/bench_latency: asc classify's
# soxr + FFTW features and fp32 network, asc classify --int8's standalone
# front end and INT8 network).  Clips at 44.1 and 16 kHz; medians of
# REPEATS runs.  Run on a Release build (cmake -DCMAKE_BUILD_TYPE=Release).
# ASCC and CC override build/bin/ascc and cc; CFLAGS adds flags to the
# standalone build (e.g. CFLAGS=-march=native to time it for this CPU).
#   scripts/bench-latency.sh CKPT [REPEATS]
set -euo pipefail
if [[ $# -lt 1 || $# -gt 2 ]]; then
    echo "usage: scripts/bench-latency.sh CKPT [REPEATS]" >&2
    echo "  CKPT: a calibrated QAT checkpoint of bcres2net_mfa_fpm (asc train --qat, asc calibrate)" >&2
    exit 2
fi
ckpt=$1 repeats=${2:-501}
root=$(cd "$(dirname "$0")/.." && pwd)
ascc=${ASCC:-$root/build/bin/ascc}
cc=${CC:-cc}
model=bcres2net_mfa_fpm
read -r -a extra <<<"${CFLAGS:-}"
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

"$ascc" --emit=standalone --weights "$ckpt" -o "$out" "$root/spec/$model.asc"
"$cc" -std=c99 -pedantic -Wall -Wextra -Werror -O2 "${extra[@]}" -I "$out" \
    "$root/tests/bench/bench_standalone_classify.c" "$out/${model}_classifier.c" -lm \
    -o "$out/bench_standalone_classify"
echo "standalone build: $cc -std=c99 -O2 ${CFLAGS:-}"
"$out/bench_standalone_classify" "$repeats"
echo
"$root/build/bin/bench_latency" "$ckpt" "$repeats"
