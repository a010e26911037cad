#!/usr/bin/env bash
# Regenerates the compiler's golden files after an intended change to reports.
# Review the diff before committing: every changed figure must be explained.
set -euo pipefail
cd "$(dirname "$0")/.."
ascc=${ASCC:-build/bin/ascc}
for spec in spec/*.asc; do
  name=$(basename "$spec" .asc)
  "$ascc" --report "$spec" > "tests/compiler/golden/$name.report"
  "$ascc" --json "$spec" > "tests/compiler/golden/$name.json"
done
"$ascc" --emit=dot spec/dcase2022_baseline.asc > tests/compiler/golden/dcase2022_baseline.dot
