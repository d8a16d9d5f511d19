#!/usr/bin/env bash
# Installs dependencies, builds, and runs every test (unit and integration).
# Usage: hack/test.sh [--sanitize] [ctest args...]
#   --sanitize   build with AddressSanitizer and UndefinedBehaviorSanitizer
#                into build-sanitize/ and run the suite there
# Integration tests start their own containerd, plugin and registry; they
# need root.
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=build
cmake_args=(-DCMAKE_BUILD_TYPE=Release)
if [ "${1:-}" = "--sanitize" ]; then
  shift
  build_dir=build-sanitize
  cmake_args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DHPC_SANITIZE=ON)
fi

bash hack/deps.sh

cmake -S . -B "$build_dir" -G Ninja "${cmake_args[@]}"
cmake --build "$build_dir" -j "$(nproc)"
cd "$build_dir"
ctest --output-on-failure -j "$(nproc)" "$@"
