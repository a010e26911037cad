#!/usr/bin/env bash
# The whole test suite: a Debug build under AddressSanitizer and
# UndefinedBehaviorSanitizer, then every Check test through ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DASCC_SANITIZE=ON >/dev/null
cmake --build build-asan -j2
# Two tests run at once on two cores: OpenMP threads that spin while waiting would
# starve each other (a gradient check went from ~2 to over 20 minutes), so they sleep.
OMP_WAIT_POLICY=passive ctest --test-dir build-asan --output-on-failure -j2
