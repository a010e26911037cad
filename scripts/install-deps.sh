#!/usr/bin/env bash
# Installs the Debian packages ascc needs, only those that are missing.
# Used by both README commands and by .ci/run; safe to run again.
set -euo pipefail

packages=(
  build-essential cmake pkg-config git
  flex bison
  libsndfile1-dev libsoxr-dev libfftw3-dev zlib1g-dev
  libopenblas-openmp-dev
  check
  clang libclang-rt-14-dev
  python3
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
