#!/usr/bin/env bash
# The standalone classifier against asc on a data set's evaluation split
# (issue 6: the same top-1 scene as `asc classify --int8` on at least 99.5 %
# of clips, probabilities within 0.01).  Builds classify_wav from CKPT through
# examples/deploy/build.sh, classifies every clip of
# DATA/evaluation_setup/fold1_evaluate.csv with it (--probs) and with
# `asc classify --int8`, prints the counts and exits 0 if both bars are met,
# 1 if not.  OUTDIR (default: a temporary directory) keeps the classifier and
# both outputs (ours.tsv, asc.tsv).  ASC and ASCC override build/bin/asc and
# build/bin/ascc; CC and CFLAGS go to build.sh.
#   scripts/standalone-agreement.sh DATA CKPT [OUTDIR]
set -euo pipefail
if [[ $# -lt 2 || $# -gt 3 ]]; then
    echo "usage: scripts/standalone-agreement.sh DATA CKPT [OUTDIR]" >&2
    echo "  CKPT: a calibrated QAT checkpoint of bcres2net_mfa_fpm (asc train --qat, asc calibrate)" >&2
    exit 2
fi
data=$1 ckpt=$2
root=$(cd "$(dirname "$0")/.." && pwd)
asc=${ASC:-$root/build/bin/asc}
export ASCC=${ASCC:-$root/build/bin/ascc}
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
model=bcres2net_mfa_fpm
if [[ $# == 3 ]]; then
    out=$3
    mkdir -p "$out"
else
    out=$(mktemp -d)
    trap 'rm -rf "$out"' EXIT
fi

bash "$root/examples/deploy/build.sh" "$ckpt" "$out/classifier" >/dev/null
clip_list=$(bash "$root/scripts/evaluation-clips.sh" "$data")
mapfile -t clips <<<"$clip_list"
"$out/classifier/classify_wav" --probs "${clips[@]}" >"$out/ours.tsv"
"$asc" classify --int8 --model $model --ckpt "$ckpt" "${clips[@]}" >"$out/asc.tsv"

read -r same compared largest missing near_ties over < <(
    awk -F'\t' -f "$root/scripts/agreement.awk" "$out/ours.tsv" "$out/asc.tsv")
total=${#clips[@]}
pct=$(awk -v s="$same" -v t="$total" 'BEGIN { printf "%.2f", 100 * s / t }')
echo "same top-1: $same / $total clips ($pct %); of the $((compared - same)) others, $near_ties near-ties (within 0.02)"
echo "largest difference of the top probability: $largest; above 0.01 on $over of $compared clips"
status=0
if [[ $missing != 0 || $compared != "$total" ]]; then
    echo "FAIL: $compared of $total clips compared ($missing without a classify_wav line)"
    status=1
fi
if (( same * 1000 >= total * 995 )); then
    echo "pass: top-1 agreement >= 99.5 %"
else
    echo "FAIL: top-1 agreement below 99.5 %"
    status=1
fi
if awk -v d="$largest" 'BEGIN { exit !(d <= 0.01) }'; then
    echo "pass: top probabilities within 0.01"
else
    echo "FAIL: a top probability differs by more than 0.01"
    status=1
fi
exit $status
