#!/usr/bin/env bash
# The whole test suite: a Debug build under AddressSanitizer and
# UndefinedBehaviorSanitizer, then every Check test through ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DASCC_SANITIZE=ON >/dev/null
cmake --build build-asan -j2
ctest --test-dir build-asan --output-on-failure -j2
