#!/usr/bin/env bash
# Fuzzes the compiler front end with libFuzzer for SECONDS (default 300), seeded
# with every spec in spec/ and tests/compiler/bad/. Prints libFuzzer's final
# statistics (the number of executions is on the "Done" line).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-300}
bash scripts/install-deps.sh
CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DASCC_FUZZ=ON \
  -DASCC_TESTS=OFF -DASCC_SANITIZE=ON >/dev/null
cmake --build build-fuzz -j2 --target fuzz_frontend
corpus=build-fuzz/corpus
mkdir -p "$corpus"
cp spec/*.asc tests/compiler/bad/*.asc "$corpus"/
build-fuzz/bin/fuzz_frontend -max_total_time="$seconds" -max_len=4096 -timeout=10 \
  -print_final_stats=1 "$corpus" 2>&1 | tail -25
