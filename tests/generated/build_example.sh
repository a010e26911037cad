#!/usr/bin/env bash
# examples.custom_model: configures examples/custom-model (a separate CMake project
# that pulls ascc in with add_subdirectory and calls ascc_add_model()) in a fresh
# temporary build tree, builds it and runs it, as a user would. The example exits
# non-zero when its training loss does not fall.
# usage: build_example.sh REPO_ROOT [BUILD_TYPE]
set -euo pipefail
if (( $# < 1 || $# > 2 )); then
  echo "usage: build_example.sh REPO_ROOT [BUILD_TYPE]" >&2
  exit 2
fi
src=$1/examples/custom-model
build_type=${2:-Release}
if [[ ! -f $src/CMakeLists.txt ]]; then
  echo "build_example.sh: $src/CMakeLists.txt not found" >&2
  exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf -- "$tmp"' EXIT

# Logs are shown only on failure: a passing run prints just the example's output.
if ! cmake -S "$src" -B "$tmp/build" -DCMAKE_BUILD_TYPE="$build_type" > "$tmp/configure.log" 2>&1; then
  cat "$tmp/configure.log"
  echo "build_example.sh: configuring $src failed" >&2
  exit 1
fi
if ! cmake --build "$tmp/build" -j2 > "$tmp/build.log" 2>&1; then
  cat "$tmp/build.log"
  echo "build_example.sh: building $src failed" >&2
  exit 1
fi
"$tmp/build/custom_model"
