#!/usr/bin/env bash
# Regenerates generated/ from spec/: the checked-in C that ascc emits for every spec.
# Runs from the repository root with relative paths, so each file's header names
# spec/NAME.asc and the output does not depend on where the checkout lives.
# The test generated.up_to_date (tests/generated/check_generated.sh) fails until the
# result of this script is committed. ASCC=path overrides the compiler.
set -euo pipefail
cd "$(dirname "$0")/.."
ascc=${ASCC:-build/bin/ascc}
if [[ ! -x $ascc ]]; then
  echo "update-generated.sh: $ascc is not an executable; build first (cmake --build build) or set ASCC=path" >&2
  exit 1
fi
shopt -s nullglob
specs=(spec/*.asc)
if (( ${#specs[@]} == 0 )); then
  echo "update-generated.sh: no specs in spec/" >&2
  exit 1
fi
mkdir -p generated
for spec in "${specs[@]}"; do
  # --name as ascc_add_model() passes it: files named after the spec, like the
  # build tree's own generation, whatever the model line says.
  if ! "$ascc" --name="$(basename "$spec" .asc)" -o generated "$spec"; then
    echo "update-generated.sh: $ascc failed on $spec" >&2
    exit 1
  fi
done
# A spec that was removed or renamed must not leave its old C behind.
for file in generated/*.h generated/*.c; do
  name=$(basename "${file%.*}")
  if [[ ! -f spec/$name.asc ]]; then
    echo "removing $file (no spec/$name.asc)"
    rm -f -- "$file"
  fi
done
