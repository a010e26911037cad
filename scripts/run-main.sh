#!/usr/bin/env bash
# The main job on built-in defaults: build (release) and report the paper's model.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j2
build/bin/ascc --report spec/bcres2net_mfa_fpm.asc
build/bin/asc bench --model bcres2net_mfa_fpm --batch 64 --threads 2 --steps 5
