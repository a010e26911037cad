#!/usr/bin/env bash
# The clips of a data set's evaluation split, one path a line: the first
# column of DATA/evaluation_setup/fold1_evaluate.csv (after its header)
# joined to DATA. Exits 1 with a message if the list is missing or empty.
#   scripts/evaluation-clips.sh DATA
set -euo pipefail
if [[ $# -ne 1 ]]; then
    echo "usage: scripts/evaluation-clips.sh DATA" >&2
    exit 2
fi
data=$1 list=$1/evaluation_setup/fold1_evaluate.csv
if [[ ! -r $list ]]; then
    echo "evaluation-clips: cannot read $list" >&2
    exit 1
fi
count=0
{
    read -r _header || true
    while IFS=$'\t' read -r name _; do
        printf '%s\n' "$data/$name"
        count=$((count + 1))
    done
} <"$list"
if [[ $count == 0 ]]; then
    echo "evaluation-clips: no clips in $list" >&2
    exit 1
fi
