#!/usr/bin/env bash
# Load on hpc-content-plugin over its socket: READERS readers (default 64)
# reading 1 MiB blobs and WRITERS writers (16) writing, committing and
# deleting 1 MiB blobs, for SECONDS (60). Reports throughput, p50/p99
# latency, errors (the goal is none), the plugin's peak RSS and its open
# file descriptors before, during and after. After the load the plugin may
# hold one descriptor per blob read (its cache of open blobs, at most 256)
# and nothing else: connections and ingests must all be closed.
# Usage: hack/load.sh [SECONDS] [READERS] [WRITERS]
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-60}"
readers="${2:-64}"
writers="${3:-16}"

bash hack/deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$(nproc)" --target hpc-content-plugin content_load

dir=$(mktemp -d)
plugin_pid=""
cleanup() {
  if [ -n "$plugin_pid" ]; then kill "$plugin_pid" 2>/dev/null || true; wait "$plugin_pid" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT

build/bin/hpc-content-plugin --root "$dir/root" --address "$dir/content.sock" \
  --log-level warn 2>"$dir/plugin.log" &
plugin_pid=$!
for _ in $(seq 100); do [ -S "$dir/content.sock" ] && break; sleep 0.05; done

fds() { ls "/proc/$plugin_pid/fd" | wc -l; }
rss_mib() { awk '/VmRSS/ {printf "%.1f", $2/1024}' "/proc/$plugin_pid/status"; }
hwm_mib() { awk '/VmHWM/ {printf "%.1f", $2/1024}' "/proc/$plugin_pid/status"; }

fds_before=$(fds)
rss_before=$(rss_mib)
build/bin/content_load "$dir/content.sock" --readers "$readers" \
  --writers "$writers" --seconds "$seconds" >"$dir/load.out" 2>&1 &
load_pid=$!
sleep $((seconds / 2 + 2))
fds_during=$(fds)
status=0
wait "$load_pid" || status=$?
rss_right_after=$(rss_mib)
sleep 11  # the plugin gives freed memory back every 10 s
fds_after=$(fds)

cat "$dir/load.out"
echo "plugin: RSS ${rss_before} MiB idle, peak $(hwm_mib) MiB, ${rss_right_after} MiB when the load ends, $(rss_mib) MiB 11 s later"
echo "plugin: open fds ${fds_before} before, ${fds_during} during, ${fds_after} after"
blobs_read=64
if [ "$fds_after" -gt $((fds_before + blobs_read)) ]; then
  echo "open file descriptors grew beyond the cache of open blobs" >&2
  status=1
fi
exit "$status"
