#!/usr/bin/env bash
# Configures and builds build-sanitize/: clang with AddressSanitizer and
# UndefinedBehaviorSanitizer, the libFuzzer targets included. hack/test.sh
# runs the suite from it (against Debian's containerd: the release build
# covers the upstream releases), hack/fuzz.sh the fuzzers.
# Usage: hack/sanitize-build.sh [TARGET...]   (default: everything)
set -euo pipefail
cd "$(dirname "$0")/.."

# A tree configured earlier with another compiler is started afresh.
if [ -f build-sanitize/CMakeCache.txt ] &&
   ! grep -q '^CMAKE_CXX_COMPILER:.*clang++' build-sanitize/CMakeCache.txt; then
  rm -rf build-sanitize
fi
CC=clang CXX=clang++ cmake -S . -B build-sanitize -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" \
  -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" \
  -DHPC_FUZZ=ON -DHPC_CONTAINERD_PEERS= >/dev/null
if [ $# -gt 0 ]; then
  cmake --build build-sanitize -j "$(nproc)" --target "$@"
else
  cmake --build build-sanitize -j "$(nproc)"
fi
