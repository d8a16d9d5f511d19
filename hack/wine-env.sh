#!/usr/bin/env bash
# Prepares a wine64 prefix for the Windows tests and prints its path:
# WINEPREFIX=$(hack/wine-env.sh DIR). The prefix holds the stand-in for
# bcryptprimitives.dll that Go 1.22+ programs (the containerd.exe builds)
# need and wine 8.0 lacks, built from ../shared/peers/windows.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
prefix=${1:?usage: hack/wine-env.sh PREFIX_DIR}
wine=/usr/lib/wine/wine64
[ -x "$wine" ] || wine=$(command -v wine64)

export WINEPREFIX=$prefix WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
if [ ! -f "$prefix/.ready" ]; then
  mkdir -p "$prefix"
  "$wine" wineboot --init >/dev/null 2>&1 || true
  touch "$prefix/.ready"
fi
stand_in=$root/../shared/peers/windows/bcryptprimitives.c
dll=$prefix/drive_c/windows/system32/bcryptprimitives.dll
if [ -f "$stand_in" ] && [ ! -f "$dll" ]; then
  x86_64-w64-mingw32-gcc -shared -O2 -o "$dll" "$stand_in" -lbcrypt -Wl,--kill-at
fi
echo "$prefix"
