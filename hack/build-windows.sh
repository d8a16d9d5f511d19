#!/usr/bin/env bash
# Cross-builds hpc-content-plugin.exe, hpcimg.exe and the Windows tests with
# Debian's mingw-w64, into build-windows/bin/. The first run also makes the
# library sysroot (hack/windows-deps.sh, about 45 minutes; cached after).
# Usage: hack/build-windows.sh [BUILD_DIR] [cmake args...]
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build-windows}
shift || true

sysroot=$(bash hack/windows-deps.sh)
cmake -S . -B "$dir" -G Ninja -DCMAKE_TOOLCHAIN_FILE="$PWD/cmake/mingw-w64.cmake" \
  -DHPC_WINDOWS_SYSROOT="$sysroot" -DCMAKE_BUILD_TYPE=Release "$@"
cmake --build "$dir" -j "$(nproc)"
for exe in hpc-content-plugin.exe hpcimg.exe; do
  x86_64-w64-mingw32-strip -o "$dir/bin/${exe%.exe}-stripped.exe" "$dir/bin/$exe"
done
ls -l "$dir"/bin/*.exe
