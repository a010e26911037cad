#!/usr/bin/env bash
# The main job on built-in defaults: build (release), report the paper's model,
# then run the paper's pipeline end to end on a synthetic data set
# (scripts/pipeline.sh: teacher, student with distillation and QAT,
# device-aware fine-tuning, the per-device table).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DASCC_TESTS=OFF >/dev/null
cmake --build build -j2
build/bin/ascc --report spec/bcres2net_mfa_fpm.asc
bash scripts/pipeline.sh build/pipeline
