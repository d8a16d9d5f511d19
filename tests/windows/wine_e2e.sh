#!/usr/bin/env bash
# End to end on Windows builds under wine64: hpc-content-plugin.exe as the
# only content store of upstream containerd.exe (each release found in
# ../shared/peers/windows), reached over named pipes, driven by ctr.exe and
# hpcimg.exe, with Debian's docker-registry on 127.0.0.1 (wine reaches it
# through the host's network) for docker:// and the *.txt preload lists, and
# the plugin's metrics scraped. Unpacking, CRI and services need a real
# Windows host (see tests/README.md); everything here runs with --no-unpack.
#
# Usage: tests/windows/wine_e2e.sh BUILD_DIR   (from hack/build-windows.sh)
# Prints one line per check and closes with "N passed, M failed".
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:?usage: wine_e2e.sh BUILD_DIR}" && pwd)
peers=$root/../shared/peers/windows
linux_hpcimg=${HPC_LINUX_HPCIMG:-$root/build/bin/hpcimg}

source "$root/tests/windows/checks.sh"

releases=()
for r in ${HPC_WINE_RELEASES:-1.7.13 2.1.5}; do
  [ -f "$peers/containerd-$r/containerd.exe.xz" ] && releases+=("$r")
done
if [ ${#releases[@]} -eq 0 ]; then
  echo "wine e2e: no containerd.exe in $peers; nothing to run against (skipped)"
  echo "0 passed, 0 failed"
  exit 0
fi

work=$(mktemp -d /tmp/hpc-wine-e2e.XXXXXX)
export WINEPREFIX
WINEPREFIX=$(bash "$root/hack/wine-env.sh" "$work/prefix")
export WINEDEBUG=-all
drive=$WINEPREFIX/drive_c
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  "$wineserver" -k 2>/dev/null
  if [ -n "${HPC_KEEP_WORK:-}" ]; then
    echo "logs kept in $work"
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT

cp "$build/bin/hpc-content-plugin.exe" "$build/bin/hpcimg.exe" "$drive/"
# Test images, made by the Linux build.
"$linux_hpcimg" copy base: "oci-archive:$drive/base-oci.tar" -q
"$linux_hpcimg" copy base: "docker-archive:$drive/base-docker.tar:example.com/wine/base:v1" -q
mkdir -p "$drive/preload"
"$linux_hpcimg" copy base: "docker-archive:$drive/preload/base.tar:example.com/wine/preloaded:v1" -q

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
# The registry: plain HTTP on loopback, holding the base image twice (one
# for hpcimg.exe, one that a *.txt preload list names).
registry=127.0.0.1:$(free_port)
printf 'version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: %s\n' \
  "$work/registry" "$registry" >"$work/registry.yml"
docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
pids+=("$!")
for _ in $(seq 50); do
  curl -sf "http://$registry/v2/" >/dev/null && break
  sleep 0.1
done
for repo in wine/base wine/listed; do
  skopeo copy -q --dest-tls-verify=false "oci-archive:$drive/base-oci.tar" \
    "docker://$registry/$repo:v1"
done
printf '# images this node pulls\n%s\n' "$registry/wine/listed:v1" >"$drive/preload/images.txt"
metrics=127.0.0.1:$(free_port)
scraped() {  # the plugin's metrics answer, with its Content API calls
  curl -sf "http://$metrics/metrics" >"$work/metrics-$release.txt" &&
    grep -q '^hpc_content_calls_total{method="' "$work/metrics-$release.txt"
}

# wait_for FILE PATTERN SECONDS
wait_for() {
  local i
  for ((i = 0; i < $3 * 10; i++)); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

start_plugin() {  # LOG [flags...]
  local log=$1
  shift
  "$wine" 'C:\hpc-content-plugin.exe' --root 'C:\hpc\store' \
    --address '\\.\pipe\hpc-e2e' "$@" >"$log" 2>&1 &
  plugin_pid=$!
  pids+=("$plugin_pid")
  wait_for "$log" "gRPC listens on" 60
}

# ctr.exe's bytes as they are (content get), and its text with CRLF undone.
ctr_raw() {
  echo "ctr $*" >>"$work/ctr.err"
  timeout 60 "$wine" "C:\\cd-$release\\ctr.exe" --address "$pipe" "$@" \
    2>>"$work/ctr.err"
}
ctr() { ctr_raw "$@" | tr -d '\r'; }
has_image() { ctr -n "$1" images ls -q | grep -qxF "$2"; }
# has_image, within 30 s.
comes_image() {
  local i
  for i in $(seq 30); do
    has_image "$1" "$2" && return 0
    sleep 1
  done
  return 1
}
configured_already() {  # CONFIG
  "$wine" 'C:\hpc-content-plugin.exe' configure-containerd --config "$1" \
    --address '\\.\pipe\hpc-e2e' --root 'C:\hpc\store' | grep -q "already configured"
}
proxy_is_content_store() {
  ctr plugins ls >"$work/plugins-$release.txt"
  # The only content store that loaded is the proxy.
  [ "$(grep -E '^io\.containerd\.content\.v1 .* ok *$' "$work/plugins-$release.txt" |
    awk '{print $2}')" = hpc ]
}
# containerd deletes a blob from its content store at its next garbage
# collection, shortly after the last reference went.
blob_collected() {
  local i
  for i in $(seq 60); do
    [ -e "$1" ] || return 0
    sleep 0.5
  done
  return 1
}
# The name, REPO@sha256:<manifest> and sha256:<config>, within 30 s.
base_trio_registered() {
  local i out
  for i in $(seq 30); do
    out=$(ctr -n k8s.io images ls -q)
    if grep -q 'windows-host-process-containers-base-image:' <<<"$out" &&
      grep -q 'windows-host-process-containers-base-image@sha256:' <<<"$out" &&
      grep -q '^sha256:' <<<"$out"; then
      return 0
    fi
    sleep 1
  done
  return 1
}

for release in "${releases[@]}"; do
  echo "== containerd.exe $release under wine"
  dir=$drive/cd-$release
  mkdir -p "$dir"
  xz -dc "$peers/containerd-$release/containerd.exe.xz" >"$dir/containerd.exe"
  xz -dc "$peers/containerd-$release/ctr.exe.xz" >"$dir/ctr.exe"
  version=2
  [ "${release%%.*}" -ge 2 ] && version=3
  pipe='\\.\PIPE\containerd-e2e-'"${release//./}"
  # Listen names in upper case: go-winio's pipes are case-sensitive under
  # wine.
  cat >"$dir/config.toml" <<EOF
version = $version
root = 'C:\\cd-$release\\root'
state = 'C:\\cd-$release\\state'
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = '$pipe'
EOF
  # The proxy goes in as a node's administrator puts it: configure-containerd.
  check "$release: configure-containerd.exe makes the plugin the content store" \
    "$wine" 'C:\hpc-content-plugin.exe' configure-containerd \
    --config "C:\\cd-$release\\config.toml" --address '\\.\pipe\hpc-e2e' \
    --root 'C:\hpc\store'
  check "$release: a second configure-containerd.exe changes nothing" \
    configured_already "C:\\cd-$release\\config.toml"
  rm -rf "$drive/hpc"
  check "$release: plugin serves its pipe" start_plugin "$work/plugin-$release.log" \
    --containerd "$pipe" --inject-base --no-unpack --metrics-address "$metrics"
  "$wine" "C:\\cd-$release\\containerd.exe" --config "C:\\cd-$release\\config.toml" \
    >"$work/containerd-$release.log" 2>&1 &
  pids+=("$!")
  # The first client of a go-winio pipe hangs under wine: spend it.
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    timeout 5 "$wine" "C:\\cd-$release\\ctr.exe" --address "$pipe" version >/dev/null 2>&1 && break
    sleep 1
  done

  check "$release: containerd lists the proxy as its content store" proxy_is_content_store

  # Blobs through ctr.exe → containerd.exe → pipe → plugin.
  head -c 3000000 /dev/urandom >"$work/blob"
  digest=sha256:$(sha256sum "$work/blob" | cut -d' ' -f1)
  ctr content ingest e2e-ref <"$work/blob" >/dev/null
  check "$release: ctr content ingest lands in the plugin's store" \
    cmp "$work/blob" "$drive/hpc/store/blobs/sha256/${digest#sha256:}"
  ctr_raw content get "$digest" >"$work/blob.back"
  check "$release: ctr content get reads it back" cmp "$work/blob" "$work/blob.back"
  ctr content rm "$digest" >/dev/null
  check "$release: ctr content rm removes it from the store" \
    blob_collected "$drive/hpc/store/blobs/sha256/${digest#sha256:}"

  ctr images import --no-unpack --index-name example.com/wine/oci:v1 'C:\base-oci.tar' >/dev/null
  check "$release: ctr images import --no-unpack through the plugin" \
    has_image default example.com/wine/oci:v1

  check "$release: --inject-base registered the base image (the CRI trio)" \
    base_trio_registered

  "$wine" 'C:\hpcimg.exe' import --no-unpack --address "$pipe" --namespace default \
    'C:\base-docker.tar' >"$work/import-$release.log" 2>&1
  check "$release: hpcimg.exe import --no-unpack through containerd" \
    has_image default example.com/wine/base:v1
  "$wine" 'C:\hpcimg.exe' explain --address "$pipe" --namespace default \
    containerd:example.com/wine/base:v1 >"$work/explain-$release.log" 2>&1
  check "$release: hpcimg.exe explain reads the image from containerd" \
    grep -q '^verdict  ok' <(tr -d '\r' <"$work/explain-$release.log")

  # docker:// from the registry on the host.
  "$wine" 'C:\hpcimg.exe' copy --plain-http --no-unpack --address "$pipe" --namespace default \
    "docker://$registry/wine/base:v1" containerd:example.com/wine/copied:v1 \
    >"$work/copy-$release.log" 2>&1
  check "$release: hpcimg.exe copy docker:// containerd: into containerd.exe" \
    has_image default example.com/wine/copied:v1
  "$wine" 'C:\hpcimg.exe' import --plain-http --no-unpack --address "$pipe" --namespace default \
    "docker://$registry/wine/base:v1" >"$work/import-docker-$release.log" 2>&1
  check "$release: hpcimg.exe import docker://" has_image default "$registry/wine/base:v1"
  check "$release: the plugin's metrics scraped on $metrics" scraped

  # Straight to the plugin's loopback port, not through the pipe: refused.
  port=$(sed -n 's/.*gRPC listens on 127.0.0.1:\([0-9]*\).*/\1/p' "$work/plugin-$release.log" | head -1)
  printf '\0\0\0\0\0' >"$work/empty-frame"
  curl -sv --http2-prior-knowledge -H 'content-type: application/grpc' -H 'te: trailers' \
    --data-binary @"$work/empty-frame" \
    "http://127.0.0.1:$port/containerd.services.content.v1.Content/ListStatuses" \
    >"$work/direct-$release.out" 2>&1
  check "$release: a client on the loopback port, not the pipe, is refused" \
    grep -q "grpc-status: 7" "$work/direct-$release.out"

  # kill -9 of the plugin: committed blobs survive, containerd reconnects.
  head -c 1000000 /dev/urandom >"$work/kept"
  kept=sha256:$(sha256sum "$work/kept" | cut -d' ' -f1)
  ctr content ingest kept-ref <"$work/kept" >/dev/null
  # A root for containerd's garbage collector, which would take it otherwise.
  ctr content label "$kept" containerd.io/gc.root=e2e >/dev/null
  head -c 200000000 /dev/zero | ctr content ingest big-ref >/dev/null 2>&1 &
  writer=$!
  sleep 2
  kill -9 "$plugin_pid"
  wait "$writer" 2>/dev/null
  check "$release: plugin restarts on its store" start_plugin "$work/plugin2-$release.log" \
    --containerd "$pipe" --preload 'C:\preload' --no-unpack --plain-http
  ctr_raw content get "$kept" >"$work/kept.back"
  check "$release: nothing committed was lost" cmp "$work/kept" "$work/kept.back"
  check "$release: --preload registered the folder's archive" \
    comes_image k8s.io example.com/wine/preloaded:v1
  check "$release: --preload pulled the image images.txt lists" \
    comes_image k8s.io "$registry/wine/listed:v1"

  # containerd and the plugin go; the registry stays for the next release.
  kill -9 "${pids[@]:1}" 2>/dev/null
  wait "${pids[@]:1}" 2>/dev/null
  "$wineserver" -k 2>/dev/null
  pids=("${pids[0]}")
  sleep 1
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
