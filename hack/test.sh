#!/usr/bin/env bash
# Installs dependencies, builds, and runs every test:
#   1. the whole suite (unit, integration against a real containerd, crash
#      tests at a small scale) in a Release build, build/;
#   2. the Windows builds (hack/build-windows.sh, build-windows/; the first
#      run makes the mingw-w64 sysroot, cached after): their unit suite
#      under wine64, then tests/windows/wine_e2e.sh against upstream
#      containerd.exe 1.7.13 and 2.1.5 from ../shared/peers/windows (with
#      docker-registry on loopback), and tests/windows/install_test.sh
#      (deploy/windows/install.cmd from a clean prefix);
#   3. the suite again, built by clang with AddressSanitizer and
#      UndefinedBehaviorSanitizer, build-sanitize/ (the plugin and hpcimg
#      the integration tests start are sanitized too), against Debian's
#      containerd (step 1 runs the upstream releases);
#   4. each libFuzzer target, from the same tree, for a short smoke run
#      (hack/fuzz.sh);
#   5. the quick benchmark (hack/bench.sh --quick, about two minutes): its
#      ratios are printed in the log and never fail the run.
# Usage: hack/test.sh [--quick | --windows | --sanitize | --fuzz | --bench] [ctest args...]
#   --quick      step 1 only
#   --windows    step 2 only
#   --sanitize   step 3 only
#   --fuzz       step 4 only (FUZZ_SECONDS per target, default 10)
#   --bench      step 5 only
# Integration tests start their own containerd, plugin and registry; they
# need root. The builds compile through ccache (hack/compiler-cache.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

steps="suite windows sanitize fuzz bench"
case "${1:-}" in
  --quick) steps="suite"; shift ;;
  --windows) steps="windows"; shift ;;
  --sanitize) steps="sanitize"; shift ;;
  --fuzz) steps="fuzz"; shift ;;
  --bench) steps="bench"; shift ;;
esac

bash hack/deps.sh
. hack/compiler-cache.sh

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
    windows)
      echo "== Windows builds under wine64"
      bash hack/build-windows.sh build-windows
      # The end-to-end suite makes its test archives with the Linux hpcimg.
      cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
      cmake --build build --target hpcimg
      (cd build-windows &&
        WINEDEBUG=-all WINEPREFIX=$(bash ../hack/wine-env.sh "$PWD/wine-prefix") \
          ctest --output-on-failure "${ctest_args[@]}")
      HPC_LINUX_HPCIMG=build/bin/hpcimg bash tests/windows/wine_e2e.sh build-windows
      bash tests/windows/install_test.sh build-windows
      ;;
    sanitize)
      echo "== test suite under ASan and UBSan"
      bash hack/sanitize-build.sh
      # crictl, for the CRI tests, is the one the Release build unpacked.
      (cd build-sanitize && ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}" \
        HPC_CRICTL="${HPC_CRICTL:-$PWD/../build/crictl-1.31.0/crictl}" \
        ctest --output-on-failure -j "$(nproc)" "${ctest_args[@]}")
      ;;
    fuzz)
      echo "== fuzz smoke"
      bash hack/fuzz.sh "${FUZZ_SECONDS:-10}"
      ;;
    bench)
      echo "== quick benchmark (figures only; never fails the run)"
      bash hack/bench.sh --quick --json build/bench-quick.json ||
        echo "quick benchmark did not finish (exit $?); benchmarks never fail the run"
      ;;
  esac
done
