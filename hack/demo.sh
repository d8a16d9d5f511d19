#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine: install, build, start a private
# containerd whose content store is hpc-content-plugin with --inject-base,
# show the HostProcess base image in containerd, write it to
# hostprocess-base.tar (oci-archive), and stop what it started.
# Needs root (containerd). Leaves nothing running.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)

bash hack/deps.sh
. hack/compiler-cache.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$(nproc)" --target hpc-content-plugin hpcimg

work=$(mktemp -d /tmp/hpc-demo.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

sed -e "s|@DIR@|$work|g" hack/containerd-demo.toml >"$work/config.toml"

echo "== starting hpc-content-plugin --inject-base (store: $work/content)"
"$top/build/bin/hpc-content-plugin" --root "$work/content" --address "$work/content.sock" \
  --inject-base --containerd "$work/containerd.sock" >"$work/plugin.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -S "$work/content.sock" ] && break; sleep 0.1; done

echo "== starting containerd with the plugin as its only content store"
containerd --config "$work/config.toml" >"$work/containerd.log" 2>&1 &
pids+=($!)
ctr() { command ctr --address "$work/containerd.sock" --namespace k8s.io "$@"; }
name=mcr.microsoft.com/oss/kubernetes/windows-host-process-containers-base-image:v1.0.0
for _ in $(seq 100); do ctr images ls -q 2>/dev/null | grep -qx "$name" && break; sleep 0.1; done

echo "== the plugin's log"
cat "$work/plugin.log"
echo
echo "== ctr -n k8s.io images ls: the three records CRI keeps, a single manifest"
ctr images ls
echo
echo "== ctr -n k8s.io images check"
ctr images check
echo
echo "== hpcimg inspect base:"
"$top/build/bin/hpcimg" inspect base:
echo
echo "== hpcimg copy base: oci-archive:hostprocess-base.tar"
"$top/build/bin/hpcimg" copy --force base: oci-archive:"$top/hostprocess-base.tar"
ls -l "$top/hostprocess-base.tar"
echo
echo "== hpcimg build: the upstream hello-world example, FROM the base image, into containerd"
mkdir -p "$work/hello"
printf 'Write-Host "Hello World!"\n' >"$work/hello/hello-world.ps1"
cat >"$work/hello/Dockerfile.windows" <<'DOCKERFILE'
FROM mcr.microsoft.com/oss/kubernetes/windows-host-process-containers-base-image:v1.0.0
ADD hello-world.ps1 .
ENV PATH="C:\Windows\system32;C:\Windows;C:\WINDOWS\System32\WindowsPowerShell\v1.0\;"
ENTRYPOINT ["powershell.exe", "./hello-world.ps1"]
DOCKERFILE
"$top/build/bin/hpcimg" build --address "$work/containerd.sock" \
  -f "$work/hello/Dockerfile.windows" -t example.com/hello-world:v1 "$work/hello"
ctr images ls | grep hello-world
echo
echo "== hpcimg explain: what containerd 1.6.17, 1.6.18 and 2.0.0 pull on 2019, 2022 and 2025 nodes"
"$top/build/bin/hpcimg" explain --address "$work/containerd.sock" containerd:example.com/hello-world:v1
echo
echo "== done; stopping containerd and the plugin"
