#!/usr/bin/env bash
# Installs every Debian package reram needs, then configures and builds it (Release).
# Idempotent: re-running only rebuilds what changed. Usage: scripts/setup.sh [BUILD_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}

packages=(
  build-essential cmake pkg-config ccache git
  libsystemc-dev libeigen3-dev libboost-program-options-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libtorch-dev zlib1g-dev libonnx-dev libprotobuf-dev protobuf-compiler
  dataset-fashion-mnist
  python3 python3-numpy python3-matplotlib python3-torch python3-torchvision python3-onnx
  python3-dev python3-pybind11 python3-pytest
  slurm-wlm munge time bc zip clang-format
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${#missing[@]} Debian packages: ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "setup: all Debian packages present"
fi

echo "setup: configuring and building in $build (Release)"
cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release
jobs=$(nproc 2>/dev/null || echo 2)
cmake --build "$build" -j"$jobs"
echo "setup: done; try: $build/reram demo"
