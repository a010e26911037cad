#!/usr/bin/env bash
# generated.up_to_date: generated/ must be exactly what this build's ascc emits for
# spec/, file for file. Regenerates into a temporary directory the way
# scripts/update-generated.sh does (from the repository root, relative paths) and
# prints a unified diff of every difference.
# usage: check_generated.sh ASCC REPO_ROOT
set -euo pipefail
if (( $# != 2 )); then
  echo "usage: check_generated.sh ASCC REPO_ROOT" >&2
  exit 2
fi
ascc=$(realpath -- "$1")
root=$2
cd "$root"
tmp=$(mktemp -d)
trap 'rm -rf -- "$tmp"' EXIT

shopt -s nullglob
for spec in spec/*.asc; do
  if ! "$ascc" --name="$(basename "$spec" .asc)" -o "$tmp" "$spec"; then
    echo "check_generated.sh: $ascc failed on $spec" >&2
    exit 1
  fi
done

stale=0
# Every freshly generated file must be checked in, byte for byte.
for fresh in "$tmp"/*.h "$tmp"/*.c; do
  file=generated/$(basename "$fresh")
  if [[ ! -f $file ]]; then
    echo "missing: $file"
    stale=1
  elif ! diff -u --label "$file (checked in)" --label "$file (ascc now)" "$file" "$fresh"; then
    stale=1
  fi
done
# And nothing checked in may be left over from a spec that is gone.
for file in generated/*.h generated/*.c; do
  if [[ ! -f $tmp/$(basename "$file") ]]; then
    echo "extra: $file (no spec generates it)"
    stale=1
  fi
done

if (( stale )); then
  echo "generated/ is stale: run scripts/update-generated.sh and commit generated/" >&2
  exit 1
fi
echo "generated/ is up to date"
