#!/usr/bin/env bash
# The crash tests at full scale: 20 rounds of kill -9 of hpc-content-plugin
# under 32 writing clients with blobs up to 64 MiB, and kill -9 of
# hpcimg import. CI runs the same tests at a small scale (hack/test.sh).
# Usage: hack/crash.sh [ROUNDS] [CLIENTS] [MAX_BLOB_BYTES]
set -euo pipefail
cd "$(dirname "$0")/.."

export HPC_CRASH_ROUNDS="${1:-20}"
export HPC_CRASH_CLIENTS="${2:-32}"
export HPC_CRASH_MAX_BLOB="${3:-$((64 << 20))}"

bash hack/deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$(nproc)" --target crash_test
build/bin/crash_test
