#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan) into build-sanitize/
# and runs each for SECONDS (default 600), starting from its corpus in
# tests/fuzz/corpus/. New inputs go to build-sanitize/corpus/, crashes to
# build-sanitize/artifacts/. Prints one line per target: executions, corpus
# size, crashes. Exits non-zero when any target crashed or leaked.
# Usage: hack/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-600}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(archive_fuzzer image_json_fuzzer filter_fuzzer dockerfile_fuzzer
           hive_fuzzer)
fi

bash hack/deps.sh
bash hack/sanitize-build.sh "${targets[@]}"

failed=0
printf '%-20s %8s %14s %8s %8s\n' target seconds executions corpus crashes
for t in "${targets[@]}"; do
  corpus="build-sanitize/corpus/$t"
  artifacts="build-sanitize/artifacts/$t/"
  log="build-sanitize/$t.log"
  rm -rf "$artifacts"
  mkdir -p "$corpus" "$artifacts"
  status=0
  # -fork would use both cores but hides leak reports; one process each.
  "build-sanitize/bin/$t" -max_total_time="$seconds" -timeout=30 \
    -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
    -artifact_prefix="$artifacts" "$corpus" "tests/fuzz/corpus/$t" \
    >"$log" 2>&1 || status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  units=$(find "$corpus" -type f | wc -l)
  crashes=$(find "$artifacts" -type f | wc -l)
  printf '%-20s %8s %14s %8s %8s\n' "$t" "$seconds" "${runs:-?}" "$units" "$crashes"
  if [ "$status" -ne 0 ] || [ "$crashes" -ne 0 ]; then
    failed=1
    echo "  $t failed (exit $status); see $log and $artifacts" >&2
    grep -m5 -E 'ERROR|SUMMARY' "$log" >&2 || true
  fi
done
exit "$failed"
