#!/usr/bin/env bash
# Installs dependencies, builds, and runs every test:
#   1. the whole suite (unit, integration against a real containerd, crash
#      tests at a small scale) in a Release build, build/;
#   2. the whole suite again, built by clang with AddressSanitizer and
#      UndefinedBehaviorSanitizer, build-sanitize/ (the plugin and hpcimg
#      the integration tests start are sanitized too);
#   3. each libFuzzer target, from the same tree, for a short smoke run
#      (hack/fuzz.sh).
# Usage: hack/test.sh [--quick | --sanitize | --fuzz] [ctest args...]
#   --quick      step 1 only
#   --sanitize   step 2 only
#   --fuzz       step 3 only (FUZZ_SECONDS per target, default 20)
# Integration tests start their own containerd, plugin and registry; they
# need root.
set -euo pipefail
cd "$(dirname "$0")/.."

steps="suite sanitize fuzz"
case "${1:-}" in
  --quick) steps="suite"; shift ;;
  --sanitize) steps="sanitize"; shift ;;
  --fuzz) steps="fuzz"; shift ;;
esac

bash hack/deps.sh

run_suite() {
  local dir="$1"
  shift
  cmake -S . -B "$dir" -G Ninja "$@"
  cmake --build "$dir" -j "$(nproc)"
  (cd "$dir" && ctest --output-on-failure -j "$(nproc)" "${ctest_args[@]}")
}

ctest_args=("$@")
for step in $steps; do
  case "$step" in
    suite)
      echo "== test suite (Release)"
      run_suite build -DCMAKE_BUILD_TYPE=Release
      ;;
    sanitize)
      echo "== test suite under ASan and UBSan"
      bash hack/sanitize-build.sh
      (cd build-sanitize && ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}" \
        ctest --output-on-failure -j "$(nproc)" "${ctest_args[@]}")
      ;;
    fuzz)
      echo "== fuzz smoke"
      bash hack/fuzz.sh "${FUZZ_SECONDS:-20}"
      ;;
  esac
done
