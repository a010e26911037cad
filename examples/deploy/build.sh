#!/usr/bin/env bash
# The deploy flow from a trained checkpoint: ascc writes the standalone
# classifier of the paper's model into OUTDIR, then a plain C compiler builds
# OUTDIR/classify_wav from it and the WAV reader.  Nothing else is needed at
# run time.  ASCC and CC override the compiler paths; CFLAGS adds flags.
#   examples/deploy/build.sh CKPT OUTDIR
set -euo pipefail
if [[ $# -ne 2 ]]; then
    echo "usage: examples/deploy/build.sh CKPT OUTDIR" >&2
    echo "  CKPT: a calibrated QAT checkpoint of bcres2net_mfa_fpm (asc train --qat, asc calibrate)" >&2
    echo "  env: ASCC (default build/bin/ascc), CC (default cc), CFLAGS (extra compiler flags)" >&2
    exit 2
fi
ckpt=$1 out=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
ascc=${ASCC:-$root/build/bin/ascc}
cc=${CC:-cc}
model=bcres2net_mfa_fpm
read -r -a extra <<<"${CFLAGS:-}"

"$ascc" --emit=standalone --weights "$ckpt" -o "$out" "$root/spec/$model.asc"
"$cc" -std=c99 -pedantic -Wall -Wextra -Werror -O2 "${extra[@]}" -I "$out" \
    "$root/examples/deploy/classify_wav.c" "$root/examples/deploy/wav.c" \
    "$out/${model}_classifier.c" -lm -o "$out/classify_wav"
echo "$out/classify_wav: built from $ckpt"
