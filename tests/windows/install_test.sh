#!/usr/bin/env bash
# deploy/windows/install.cmd under wine64, from a clean prefix to a serving
# plugin in one run: upstream containerd.exe (2.1.5, else 1.7.13, from
# ../shared/peers/windows) sits in C:\Program Files\containerd with a config
# that knows nothing of the plugin; install.cmd installs the binaries, runs
# configure-containerd, registers and starts both services and waits for the
# base image. The checks then ask containerd.exe themselves. Prints the time
# from start to the base image listed.
# Usage: tests/windows/install_test.sh BUILD_DIR   (from hack/build-windows.sh)
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:?usage: install_test.sh BUILD_DIR}" && pwd)
peers=$root/../shared/peers/windows
release=""
for r in 2.1.5 1.7.13; do
  [ -f "$peers/containerd-$r/containerd.exe.xz" ] && { release=$r; break; }
done
if [ -z "$release" ]; then
  echo "install test: no containerd.exe in $peers (skipped)"
  exit 0
fi

source "$root/tests/windows/checks.sh"

work=$(mktemp -d /tmp/hpc-wine-install.XXXXXX)
export WINEPREFIX WINEDEBUG=-all
WINEPREFIX=$(bash "$root/hack/wine-env.sh" "$work/prefix")
drive=$WINEPREFIX/drive_c
cleanup() {
  "$wineserver" -k 2>/dev/null
  if [ -n "${HPC_KEEP_WORK:-}" ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# The node as it was before: containerd installed, its config its own.
cd_dir="$drive/Program Files/containerd"
mkdir -p "$cd_dir" "$drive/install"
xz -dc "$peers/containerd-$release/containerd.exe.xz" >"$cd_dir/containerd.exe"
xz -dc "$peers/containerd-$release/ctr.exe.xz" >"$cd_dir/ctr.exe"
version=2
[ "${release%%.*}" -ge 2 ] && version=3
# CRI is off: it does not start under wine. The listen name is upper case
# (go-winio's pipes are case-sensitive under wine; clients use either).
cat >"$cd_dir/config.toml" <<TOML
version = $version
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = '\\\\.\\PIPE\\containerd-containerd'
TOML
cp "$build/bin/hpc-content-plugin.exe" "$build/bin/hpcimg.exe" \
  "$root/deploy/windows/install.cmd" "$drive/install/"

# Unpacking into the windows snapshotter needs a real Windows host.
export HPC_PLUGIN_FLAGS=--no-unpack
start=$(date +%s.%N)
timeout 300 "$wine" cmd.exe /c 'C:\install\install.cmd' >"$work/install.out" 2>&1
code=$?
end=$(date +%s.%N)
tr -d '\r' <"$work/install.out" | sed 's/^/  | /'
check "install.cmd exits 0" test "$code" -eq 0
check "it says how the plugin runs (service or console mode)" \
  grep -Eq "hpc-content-plugin runs as a Windows service|hpc-content-plugin.exe runs in console mode" "$work/install.out"
check "the service hpc-content-plugin is registered" \
  timeout 30 "$wine" sc.exe query hpc-content-plugin
# containerd's service handler never reports running under wine, so
# install.cmd says it runs containerd.exe in console mode.
check "it says how containerd runs (service or console mode)" \
  grep -Eq "containerd runs as a Windows service|containerd.exe runs in console mode" "$work/install.out"
check "the binaries are in C:\\Program Files\\hpc-content" \
  cmp "$build/bin/hpcimg.exe" "$drive/Program Files/hpc-content/hpcimg.exe"
check "configure-containerd made the plugin the content store" \
  grep -q 'proxy_plugins.hpc' "$cd_dir/config.toml"
ctr() {
  timeout 60 "$wine" 'C:\Program Files\containerd\ctr.exe' "$@" 2>>"$work/ctr.err" | tr -d '\r'
}
ctr plugins ls >"$work/plugins.txt"
check "containerd's only content store is the plugin" \
  test "$(grep -E '^io\.containerd\.content\.v1 .* ok *$' "$work/plugins.txt" | awk '{print $2}')" = hpc
ctr -n k8s.io images ls -q >"$work/images.txt"
check "containerd.exe lists the base image" \
  grep -q '^mcr.microsoft.com/oss/kubernetes/windows-host-process-containers-base-image:v1.0.0$' "$work/images.txt"
check "its blobs are in the plugin's store" \
  test -n "$(ls "$drive/ProgramData/hpc-content/blobs/sha256" 2>/dev/null)"
seconds=$(echo "$end - $start" | bc)
printf 'install.cmd under wine (containerd.exe %s): base image listed %.1f s after start (goal: under 10 s)\n' \
  "$release" "$seconds"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
