#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine: install, build, start a private
# containerd on hpc-content-plugin, show it working, stop what it started.
# Needs root (containerd). Leaves nothing running.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)

bash hack/deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$(nproc)" --target hpc-content-plugin

work=$(mktemp -d /tmp/hpc-demo.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

sed -e "s|@DIR@|$work|g" hack/containerd-demo.toml >"$work/config.toml"

echo "== starting hpc-content-plugin (store: $work/content)"
"$top/build/bin/hpc-content-plugin" --root "$work/content" \
  --address "$work/content.sock" >"$work/plugin.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -S "$work/content.sock" ] && break; sleep 0.1; done

echo "== starting containerd with the plugin as its content store"
containerd --config "$work/config.toml" >"$work/containerd.log" 2>&1 &
pids+=($!)
ctr() { command ctr --address "$work/containerd.sock" "$@"; }
for _ in $(seq 100); do ctr version >/dev/null 2>&1 && break; sleep 0.1; done

echo "== ctr content ingest / ls / get through the plugin"
echo "hello from hpc-content-plugin" | ctr content ingest demo-ref
ctr content ls
digest=$(ctr content ls -q | head -n1)
ctr content get "$digest"
echo "== the blob on disk, in containerd's layout"
ls -l "$work/content/blobs/sha256"
echo "== done; stopping containerd and the plugin"
