#!/usr/bin/env bash
# What a node gets: cmake --install into a prefix, and the .deb that
# cpack -G DEB makes from the same rules. Checks the files, the unit
# (systemd-analyze verify, ExecStart where the binary is), the containerd
# drop-in, and runs the binaries from the unpacked package.
# Usage: tests/install/install_test.sh BUILD_DIR
set -euo pipefail
build="$(cd "$1" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
version="$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")"
[ -n "$version" ] || fail "no project version in $build/CMakeCache.txt"

expected_files() { # PREFIX
  cat <<LIST
$1/bin/hpc-content-plugin
$1/bin/hpcimg
$1/lib/systemd/system/hpc-content-plugin.service
$1/lib/systemd/system/containerd.service.d/hpc-content-plugin.conf
$1/share/hpc-content/containerd-config.toml
$1/share/doc/hpc-content/copyright
LIST
}

check_tree() { # ROOT PREFIX: the files under ROOT/PREFIX, the unit naming PREFIX/bin
  local root="$1" prefix="$2"
  diff <(expected_files "$prefix" | sort) \
       <(find "$root$prefix" -type f | sed "s|^$root||" | sort) \
    || fail "installed files under $root differ from the expected list"
  local unit="$root$prefix/lib/systemd/system/hpc-content-plugin.service"
  grep -qx "Type=notify" "$unit" || fail "$unit is not Type=notify"
  grep -q "^ExecStart=$prefix/bin/hpc-content-plugin " "$unit" \
    || fail "$unit does not start $prefix/bin/hpc-content-plugin: $(grep ExecStart "$unit")"
  grep -qx "Before=containerd.service" "$unit" || fail "$unit is not Before=containerd.service"
  for setting in ProtectSystem=strict NoNewPrivileges=yes \
      "ReadWritePaths=/var/lib/hpc-content /run/hpc-content"; do
    grep -qx "$setting" "$unit" || fail "$unit lacks $setting"
  done
  local dropin="$root$prefix/lib/systemd/system/containerd.service.d/hpc-content-plugin.conf"
  grep -qx "Requires=hpc-content-plugin.service" "$dropin" || fail "$dropin does not require the plugin"
  grep -qx "After=hpc-content-plugin.service" "$dropin" || fail "$dropin does not order after the plugin"
  [ "$("$root$prefix/bin/hpcimg" --version)" = "hpcimg $version" ] || fail "hpcimg --version"
  [ "$("$root$prefix/bin/hpc-content-plugin" --version)" = "hpc-content-plugin $version" ] \
    || fail "hpc-content-plugin --version"
}

echo "== cmake --install --prefix"
cmake --install "$build" --prefix "$work/prefix" >/dev/null
check_tree "" "$work/prefix"
systemd-analyze verify "$work/prefix/lib/systemd/system/hpc-content-plugin.service" \
  || fail "systemd-analyze verify refused the unit"

echo "== cpack -G DEB"
(cd "$build" && cpack -G DEB -B "$work/package" >/dev/null)
deb="$work/package/hpc-content_${version}_amd64.deb"
[ -f "$deb" ] || fail "no $deb"
[ "$(dpkg-deb -f "$deb" Package)" = "hpc-content" ] || fail "package name"
dpkg-deb -f "$deb" Depends | grep -q "libgrpc++" || fail "Depends lacks gRPC: $(dpkg-deb -f "$deb" Depends)"
diff <(expected_files /usr | sort) \
     <(dpkg-deb -c "$deb" | awk '$1 !~ /^d/ {print $6}' | sed 's|^\.||' | sort) \
  || fail "the package's files differ from the expected list"
dpkg-deb -x "$deb" "$work/unpacked"
# The unit in the package starts /usr/bin/hpc-content-plugin.
grep -q "^ExecStart=/usr/bin/hpc-content-plugin " \
  "$work/unpacked/usr/lib/systemd/system/hpc-content-plugin.service" \
  || fail "the package's unit does not start /usr/bin/hpc-content-plugin"
check_tree "$work/unpacked" /usr

echo "== the packaged plugin serves, and configures a containerd config"
plugin="$work/unpacked/usr/bin/hpc-content-plugin"
"$plugin" --root "$work/store" --address "$work/content.sock" >"$work/plugin.log" 2>&1 &
pid=$!
for _ in $(seq 100); do [ -S "$work/content.sock" ] && break; sleep 0.1; done
[ -S "$work/content.sock" ] || { cat "$work/plugin.log"; fail "the packaged plugin did not serve"; }
kill -TERM "$pid"
wait "$pid" || fail "the packaged plugin did not stop cleanly: $(cat "$work/plugin.log")"
cp "$work/unpacked/usr/share/hpc-content/containerd-config.toml" "$work/config.toml"
out="$("$plugin" configure-containerd --config "$work/config.toml")"
echo "$out" | grep -q "already configured" \
  || fail "the example config is not what configure-containerd writes: $out"
echo "PASS"
