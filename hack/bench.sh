#!/usr/bin/env bash
# Benchmarks hpc-content-plugin against containerd's built-in content store
# and against containerd's own Go content server used as a proxy plugin the
# same way (tests/bench/gocontentserver: containerd's contentserver over its
# local store, built here from Debian's golang-github-containerd-containerd-dev),
# side by side in one run, with the same containerd binary and the same data:
#
#   read    ctr content get of a 256 MiB blob
#   import  ctr images import --no-unpack of a 1 GiB OCI archive
#           (4 uncompressed layers of 256 MiB)
#   pull    ctr images pull (with unpack) of that image from a local registry
#   registry hpcimg copy of that image from the registry into oci: and from
#           oci: to a new repository, against skopeo copy of the same
#   build   the Linux stage of a flannel-shaped Dockerfile (a 100 MiB builder
#           image, two RUNs through runc, COPY --from) against buildah bud of
#           the same stage; a 256 MiB layer applied into a root against tar -x
#
# Each figure is the best of 3 runs, each started on a synced disk (a run
# would otherwise pay for the write-back of the run before); a ratio is
# against the built-in store (lower is better), and the plugin's also against
# the Go proxy's. Also the resident memory of the plugin and of the Go
# server: idle, and at peak while 16 clients write at once; and the base
# image's injection (listed, then unpacked), median of 5.
# Needs root. Benchmarks report; they never fail on a figure.
#
# Usage: hack/bench.sh [--quick] [--json FILE]
#   --quick      small sizes (4 layers of 32 MiB, a 64 MiB blob): about two
#                minutes, the figures CI prints
#   --json FILE  also write every figure to FILE, with the commit, the
#                containerd release and the machine's core count
# Sizes can also be set: BENCH_LAYER_MIB=64 hack/bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)

quick=0 json=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --json) json=${2:?--json needs a file}; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
case "$json" in "" | /*) ;; *) json="$top/$json" ;; esac
if [ "$quick" = 1 ]; then
  : "${BENCH_LAYER_MIB:=32}" "${BENCH_BLOB_MIB:=64}" "${BENCH_WRITER_MIB:=8}"
  : "${BENCH_BUILDER_MIB:=32}" "${BENCH_APPLY_MIB:=64}"
fi

layer_mib=${BENCH_LAYER_MIB:-256}
layers=${BENCH_LAYERS:-4}
blob_mib=${BENCH_BLOB_MIB:-256}
runs=${BENCH_RUNS:-3}
writers=${BENCH_WRITERS:-16}
writer_mib=${BENCH_WRITER_MIB:-32}
inject_runs_n=${BENCH_INJECT_RUNS:-5}
builder_mib=${BENCH_BUILDER_MIB:-100}
apply_mib=${BENCH_APPLY_MIB:-256}

bash hack/deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$(nproc)" --target hpc-content-plugin hpcimg base_image_bench >/dev/null

work=$(mktemp -d /var/tmp/hpc-bench.XXXXXX)
# The Go peer, built as containerd's content testsuite is (GOPATH mode).
gopeer="$top/build/bin/gocontentserver"
GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="$top/build/go-cache" CGO_ENABLED=0 \
  go build -o "$gopeer" ./tests/bench/gocontentserver
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  grep -o " $work[^ ]*" /proc/self/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

now() { date +%s.%N; }
# The start of a timed run: the disk synced, then the time.
start_clock() { sync; now; }
log_time() {  # log_time PATTERN LOG: the logrus timestamp of LOG's last line matching PATTERN
  local t
  t=$(grep -e "$1" "$2" | tail -n1 | sed -E 's/^time="([^"]+)".*/\1/')
  if [ -z "$t" ]; then echo "bench.sh: no line matching '$1' in $2" >&2; return 1; fi
  date -d "$t" +%s.%N
}
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
min() { printf '%s\n' "$@" | sort -g | head -n1; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# --- test data -------------------------------------------------------------
echo "== making data: ${layers} layers of ${layer_mib} MiB, a ${blob_mib} MiB blob" >&2
layout="$work/layout"
mkdir -p "$layout/blobs/sha256" "$work/gen"
layer_json=() diff_ids=()
for i in $(seq 1 "$layers"); do
  head -c "$((layer_mib << 20))" /dev/urandom >"$work/gen/data$i.bin"
  tar -C "$work/gen" -cf "$work/gen/layer$i.tar" "data$i.bin"
  rm "$work/gen/data$i.bin"
  d=$(sha256sum "$work/gen/layer$i.tar" | cut -d' ' -f1)
  size=$(stat -c %s "$work/gen/layer$i.tar")
  mv "$work/gen/layer$i.tar" "$layout/blobs/sha256/$d"
  layer_json+=("{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"sha256:$d\",\"size\":$size}")
  diff_ids+=("\"sha256:$d\"")
done
put_blob() {  # stdin -> blob; prints "digest size"
  local tmp="$work/gen/blob" d
  cat >"$tmp"
  d=$(sha256sum "$tmp" | cut -d' ' -f1)
  mv "$tmp" "$layout/blobs/sha256/$d"
  echo "sha256:$d $(stat -c %s "$layout/blobs/sha256/$d")"
}
read -r cfg_digest cfg_size < <(printf '{"architecture":"amd64","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":[%s]}}' \
  "$(IFS=,; echo "${diff_ids[*]}")" | put_blob)
read -r man_digest man_size < <(printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%s},"layers":[%s]}' \
  "$cfg_digest" "$cfg_size" "$(IFS=,; echo "${layer_json[*]}")" | put_blob)
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"bench/image:v1"}}]}' \
  "$man_digest" "$man_size" >"$layout/index.json"
echo '{"imageLayoutVersion":"1.0.0"}' >"$layout/oci-layout"
archive="$work/image.tar"
tar -C "$layout" -cf "$archive" oci-layout index.json blobs
head -c "$((blob_mib << 20))" /dev/urandom >"$work/blob.bin"
blob_digest="sha256:$(sha256sum "$work/blob.bin" | cut -d' ' -f1)"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$work/registry.yml" <<YML
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $work/registry
http:
  addr: 127.0.0.1:$port
YML
docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
ref="127.0.0.1:$port/bench/image:v1"
skopeo copy --dest-tls-verify=false "oci:$layout:bench/image:v1" "docker://$ref" >/dev/null

# --- registry ------------------------------------------------------------------
# Pull of the image into oci: and push of it from oci: to a new repository,
# hpcimg against skopeo copy, the same registry and data (--keep-index: the
# image is copied as it is, as skopeo copies it).
echo "== registry pull and push" >&2
timed() {  # timed OUT_PREFIX CMD...: seconds to OUT_PREFIX.s, peak RSS (KiB) to .rss
  local out=$1 t0 t1; shift
  t0=$(start_clock)
  /usr/bin/time -f %M -o "$out.rss" "$@" >/dev/null 2>"$out.err" || { cat "$out.err" >&2; return 1; }
  t1=$(now)
  echo "$(elapsed "$t0" "$t1")" >"$out.s"
}
empty_registry() {  # empty_registry DIR: a new registry storing in DIR, on $empty_port
  empty_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  mkdir -p "$1"
  printf 'version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: 127.0.0.1:%s\n' \
    "$1/data" "$empty_port" >"$1/registry.yml"
  docker-registry serve "$1/registry.yml" >"$1/registry.log" 2>&1 &
  empty_pid=$!
  pids+=("$empty_pid")
  for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$empty_port") 2>/dev/null && break; sleep 0.1; done
}
stop_empty_registry() { kill "$empty_pid"; wait "$empty_pid" 2>/dev/null || true; }
reg_runs() {  # reg_runs KEY: the best time and the largest RSS of KEY's runs
  min $(cat "$work"/reg."$1".*.s) >"$work/reg.$1.best"
  cat "$work"/reg."$1".*.rss | sort -g | tail -n1 >"$work/reg.$1.peak"
}
for i in $(seq "$runs"); do
  rm -rf "$work/pull-skopeo" "$work/pull-hpcimg"
  timed "$work/reg.pull_skopeo.$i" skopeo copy -q --src-tls-verify=false "docker://$ref" "oci:$work/pull-skopeo:v1"
  timed "$work/reg.pull_hpcimg.$i" "$top/build/bin/hpcimg" copy -q --keep-index --plain-http \
    "docker://$ref" "oci:$work/pull-hpcimg:v1"
  # Each push goes to a registry of its own, empty: skopeo would otherwise
  # mount the blobs it remembers pushing elsewhere in the same registry.
  empty_registry "$work/push-skopeo-$i"
  timed "$work/reg.push_skopeo.$i" skopeo copy -q --dest-tls-verify=false "oci:$layout:bench/image:v1" \
    "docker://127.0.0.1:$empty_port/bench/pushed:v1"
  stop_empty_registry
  empty_registry "$work/push-hpcimg-$i"
  timed "$work/reg.push_hpcimg.$i" "$top/build/bin/hpcimg" copy -q --keep-index --plain-http \
    "oci:$layout:bench/image:v1" "docker://127.0.0.1:$empty_port/bench/pushed:v1"
  stop_empty_registry
done
rm -rf "$work/pull-skopeo" "$work/pull-hpcimg"
for key in pull_skopeo pull_hpcimg push_skopeo push_hpcimg; do reg_runs "$key"; done
rm -rf "$layout"

# --- build: Linux stages --------------------------------------------------------
# The Linux stage of a flannel-shaped Dockerfile (a busybox builder image
# with ${builder_mib} MiB more in its layer, from the local registry; two
# RUNs that download and unzip over HTTP; COPY --from) built by hpcimg and,
# as the peer, by buildah bud --target of the same stage, each from nothing
# cached. And one ${apply_mib} MiB layer applied into a root by hpcimg,
# against tar -x of the same layer.
echo "== build: Linux stages" >&2
bw="$work/build"
mkdir -p "$bw/ctx" "$bw/http" "$bw/tmp"
umoci init --layout "$bw/builder" >/dev/null
umoci new --image "$bw/builder:latest" >/dev/null
umoci unpack --image "$bw/builder:latest" "$bw/bundle" >/dev/null
mkdir -p "$bw/bundle/rootfs/bin" "$bw/bundle/rootfs/opt/sdk" "$bw/bundle/rootfs/tmp"
cp /bin/busybox "$bw/bundle/rootfs/bin/"
for a in $(/bin/busybox --list); do [ -e "$bw/bundle/rootfs/bin/$a" ] || ln -s busybox "$bw/bundle/rootfs/bin/$a"; done
for i in $(seq 1 $((builder_mib / 4))); do head -c $((4 << 20)) /dev/urandom >"$bw/bundle/rootfs/opt/sdk/lib$i.so"; done
umoci repack --image "$bw/builder:latest" "$bw/bundle" >/dev/null
rm -rf "$bw/bundle"
skopeo copy -q --dest-tls-verify=false "oci:$bw/builder:latest" "docker://127.0.0.1:$port/bench/builder:latest"
head -c $((8 << 20)) /dev/urandom >"$bw/flannel.exe"
python3 -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1], "w"); z.write(sys.argv[2], "flannel.exe"); z.close()' \
  "$bw/http/cni.zip" "$bw/flannel.exe"
http_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
(cd "$bw/http" && exec python3 -m http.server --bind 127.0.0.1 "$http_port" >/dev/null 2>&1) &
pids+=($!)
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$http_port") 2>/dev/null && break; sleep 0.1; done
cat >"$bw/ctx/Dockerfile" <<DOCKERFILE
ARG BASE="mcr.microsoft.com/oss/kubernetes/windows-host-process-containers-base-image:v1.0.0"
FROM --platform=linux/amd64 bench/builder AS bins
WORKDIR /flannel
RUN wget -q -O cni.zip http://127.0.0.1:$http_port/cni.zip && unzip -q cni.zip && rm cni.zip
RUN sha256sum flannel.exe > flannel.exe.sha256 && ls /opt/sdk | wc -l > libs.txt
FROM \$BASE
COPY --from=bins /flannel/flannel.exe /flannel/flannel.exe.sha256 /k/flannel/
ENTRYPOINT ["PowerShell"]
DOCKERFILE
printf 'unqualified-search-registries = ["docker.io"]\nshort-name-mode = "permissive"\n[[registry]]\nprefix = "localhost/bench/builder"\nlocation = "127.0.0.1:%s/bench/builder"\ninsecure = true\n[[registry]]\nprefix = "docker.io/bench/builder"\nlocation = "127.0.0.1:%s/bench/builder"\ninsecure = true\n' \
  "$port" "$port" >"$bw/registries.conf"
echo '{"default":[{"type":"insecureAcceptAnything"}]}' >"$bw/policy.json"
for i in $(seq "$runs"); do
  rm -rf "$bw/out"
  timed "$work/build.hpcimg.$i" env TMPDIR="$bw/tmp" "$top/build/bin/hpcimg" build -q --plain-http \
    --base "bench/builder=docker://127.0.0.1:$port/bench/builder:latest" --output "oci:$bw/out:v1" "$bw/ctx"
  rm -rf "$bw/buildah"
  timed "$work/build.buildah.$i" env CONTAINERS_REGISTRIES_CONF="$bw/registries.conf" \
    buildah --root "$bw/buildah/root" --runroot "$bw/buildah/run" --storage-driver vfs \
    bud -q --signature-policy "$bw/policy.json" --network host --target bins -t bins:bench "$bw/ctx"
  rm -rf "$bw/buildah"
done
for key in hpcimg buildah; do
  min $(cat "$work"/build."$key".*.s) >"$work/build.$key.best"
  cat "$work"/build."$key".*.rss | sort -g | tail -n1 >"$work/build.$key.peak"
done
# One layer of ${apply_mib} MiB in files of 16 MiB, applied: hpcimg (a build
# whose Linux stage is that image) against tar -x.
mkdir -p "$bw/apply/rootfs/data"
for i in $(seq 1 $((apply_mib / 16))); do head -c $((16 << 20)) /dev/urandom >"$bw/apply/rootfs/data/f$i"; done
echo applied >"$bw/apply/rootfs/data/stamp"  # what the Windows stage copies: a few bytes
tar -C "$bw/apply/rootfs" -cf "$bw/apply/layer.tar" data
rm -rf "$bw/apply/rootfs"
ad=$(sha256sum "$bw/apply/layer.tar" | cut -d' ' -f1)
as=$(stat -c %s "$bw/apply/layer.tar")
mkdir -p "$bw/apply/img/blobs/sha256"
mv "$bw/apply/layer.tar" "$bw/apply/img/blobs/sha256/$ad"
acfg=$(printf '{"architecture":"amd64","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' "$ad")
acd=$(printf '%s' "$acfg" | sha256sum | cut -d' ' -f1)
printf '%s' "$acfg" >"$bw/apply/img/blobs/sha256/$acd"
aman=$(printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' \
  "$acd" "${#acfg}" "$ad" "$as")
amd=$(printf '%s' "$aman" | sha256sum | cut -d' ' -f1)
printf '%s' "$aman" >"$bw/apply/img/blobs/sha256/$amd"
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"v1"}}]}' \
  "$amd" "${#aman}" >"$bw/apply/img/index.json"
echo '{"imageLayoutVersion":"1.0.0"}' >"$bw/apply/img/oci-layout"
mkdir -p "$bw/apply/ctx"
printf 'FROM --platform=linux/amd64 layer AS big\nFROM base:\nCOPY --from=big /data/stamp /stamp\n' >"$bw/apply/ctx/Dockerfile"
for i in $(seq "$runs"); do
  rm -rf "$bw/apply/out" "$bw/apply/tarx"
  timed "$work/apply.build.$i" env TMPDIR="$bw/tmp" "$top/build/bin/hpcimg" build \
    --base "layer=oci:$bw/apply/img:v1" --output "oci:$bw/apply/out:v1" "$bw/apply/ctx"
  # The apply itself, as hpcimg logs it; the whole build also removes the root.
  sed -nE 's/.*applied in ([0-9.]+) s\).*/\1/p' "$work/apply.build.$i.err" >"$work/apply.hpcimg.$i.s"
  mkdir -p "$bw/apply/tarx"
  timed "$work/apply.tar.$i" tar -C "$bw/apply/tarx" -xf "$bw/apply/img/blobs/sha256/$ad"
done
rm -rf "$bw/apply/tarx" "$bw/apply/out"
for key in hpcimg tar build; do min $(cat "$work"/apply."$key".*.s) >"$work/apply.$key.best"; done

# --- one store -----------------------------------------------------------------
# bench_store NAME: starts containerd on store NAME (builtin: its own content
# store; plugin: hpc-content-plugin; goproxy: the Go content server, both as
# proxy plugins with the same configuration), measures, writes results to
# $work/NAME.*, stops.
bench_store() {
  local name=$1
  local dir="$work/$name" proxy_pid="" cd_pid
  mkdir -p "$dir"
  case "$name" in
    plugin)
      "$top/build/bin/hpc-content-plugin" --root "$dir/content" --address "$dir/content.sock" \
        --log-level warn >"$dir/proxy.log" 2>&1 &
      proxy_pid=$! ;;
    goproxy)
      "$gopeer" "$dir/content" "$dir/content.sock" >"$dir/proxy.log" 2>&1 &
      proxy_pid=$! ;;
  esac
  if [ -n "$proxy_pid" ]; then
    pids+=("$proxy_pid")
    sed -e "s|@DIR@|$dir|g" hack/containerd-demo.toml >"$dir/config.toml"
    for _ in $(seq 100); do [ -S "$dir/content.sock" ] && break; sleep 0.1; done
  else
    sed -e "s|@DIR@|$dir|g" -e 's|"io.containerd.content.v1.content", ||' \
      -e '/proxy_plugins/,$d' hack/containerd-demo.toml >"$dir/config.toml"
  fi
  containerd --config "$dir/config.toml" >"$dir/containerd.log" 2>&1 &
  cd_pid=$!
  pids+=("$cd_pid")
  ctr() { command ctr --address "$dir/containerd.sock" "$@"; }
  for _ in $(seq 100); do ctr version >/dev/null 2>&1 && break; sleep 0.1; done
  sleep 0.5  # containerd's first garbage collection, 100 ms after start
  if [ -n "$proxy_pid" ]; then
    sleep 1
    awk '/VmRSS/ { print $2 }' "/proc/$proxy_pid/status" >"$work/$name.rss_idle"
    awk '/RssAnon/ { print $2 }' "/proc/$proxy_pid/status" >"$work/$name.rss_idle_anon"
  fi

  # read
  ctr content ingest bench-blob <"$work/blob.bin"
  ctr content label "$blob_digest" containerd.io/gc.root=bench >/dev/null
  local times=() t0 t1
  for _ in $(seq "$runs"); do
    t0=$(start_clock); ctr content get "$blob_digest" >/dev/null; t1=$(now)
    times+=("$(elapsed "$t0" "$t1")")
  done
  min "${times[@]}" >"$work/$name.read"

  # import
  times=()
  for _ in $(seq "$runs"); do
    ctr images rm --sync bench/image:v1 >/dev/null 2>&1 || true
    t0=$(start_clock); ctr images import --no-unpack --all-platforms "$archive" >/dev/null; t1=$(now)
    times+=("$(elapsed "$t0" "$t1")")
  done
  min "${times[@]}" >"$work/$name.import"
  ctr images rm --sync bench/image:v1 >/dev/null 2>&1 || true

  # hpcimg import on the plugin: through containerd's Content API, and with
  # --plugin-address straight into the plugin.
  if [ "$name" = plugin ]; then
    local mode flags
    for mode in content direct; do
      flags=(--no-unpack --no-cri-refs --namespace default --address "$dir/containerd.sock")
      [ "$mode" = direct ] && flags+=(--plugin-address "$dir/content.sock")
      times=()
      for _ in $(seq "$runs"); do
        ctr images rm --sync bench/image:v1 >/dev/null 2>&1 || true
        t0=$(start_clock)
        /usr/bin/time -f %M -o "$work/hpcimg.rss" "$top/build/bin/hpcimg" import -q \
          "${flags[@]}" --name bench/image:v1 "$archive"
        t1=$(now)
        times+=("$(elapsed "$t0" "$t1")")
      done
      min "${times[@]}" >"$work/hpcimg.$mode"
      cp "$work/hpcimg.rss" "$work/hpcimg.$mode.rss"
    done
    ctr images rm --sync bench/image:v1 >/dev/null 2>&1 || true
  fi

  # pull
  times=()
  for _ in $(seq "$runs"); do
    ctr images rm --sync "$ref" >/dev/null 2>&1 || true
    t0=$(start_clock); ctr images pull --plain-http "$ref" >/dev/null; t1=$(now)
    times+=("$(elapsed "$t0" "$t1")")
  done
  min "${times[@]}" >"$work/$name.pull"
  ctr images rm --sync "$ref" >/dev/null 2>&1 || true

  # concurrent writers: the proxy's peak memory
  if [ -n "$proxy_pid" ]; then
    echo 5 >"/proc/$proxy_pid/clear_refs"
    head -c $((writer_mib << 20)) /dev/urandom >"$work/w.bin"
    local writer_pids=()
    for i in $(seq "$writers"); do
      { printf 'writer %s\n' "$i"; cat "$work/w.bin"; } | ctr content ingest "writer-$i" &
      writer_pids+=($!)
    done
    local failed=0 p
    for p in "${writer_pids[@]}"; do wait "$p" || failed=$((failed + 1)); done
    awk '/VmHWM/ { print $2 }' "/proc/$proxy_pid/status" >"$work/$name.rss_writers"
    echo "$failed" >"$work/$name.writers_failed"
  fi

  kill "$cd_pid"; wait "$cd_pid" 2>/dev/null || true
  if [ -n "$proxy_pid" ]; then kill "$proxy_pid"; wait "$proxy_pid" 2>/dev/null || true; fi
  grep -o " $dir[^ ]*" /proc/self/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
}

# --- base image ----------------------------------------------------------------
# From containerd serving to the injected base image being listed in k8s.io,
# and to its being unpacked too, read off the two daemons' own log
# timestamps. The disk is synced first: the benchmarks before leave gigabytes
# of dirty pages whose write-back would otherwise stall containerd's first
# metadata commits, which fsync.
bench_inject() {  # prints "LISTED_MS UNPACKED_MS"
  local dir="$work/inject-$1" plugin_pid cd_pid booted listed registered
  mkdir -p "$dir"
  sed -e "s|@DIR@|$dir|g" hack/containerd-demo.toml >"$dir/config.toml"
  "$top/build/bin/hpc-content-plugin" --root "$dir/content" --address "$dir/content.sock" \
    --inject-base --containerd "$dir/containerd.sock" >"$dir/plugin.log" 2>&1 &
  plugin_pid=$!
  pids+=("$plugin_pid")
  for _ in $(seq 100); do [ -S "$dir/content.sock" ] && break; sleep 0.1; done
  sync
  containerd --config "$dir/config.toml" >"$dir/containerd.log" 2>&1 &
  cd_pid=$!
  pids+=("$cd_pid")
  for _ in $(seq 100); do grep -q "base image registered" "$dir/plugin.log" && break; sleep 0.1; done
  kill "$cd_pid" "$plugin_pid"; wait "$cd_pid" "$plugin_pid" 2>/dev/null || true
  booted=$(log_time 'msg=serving... address=.*containerd.sock"*$' "$dir/containerd.log") || return 1
  listed=$(log_time "base image listed" "$dir/plugin.log") || return 1
  registered=$(log_time "base image registered" "$dir/plugin.log") || return 1
  awk -v a="$booted" -v l="$listed" -v r="$registered" \
    'BEGIN { printf "%.1f %.1f\n", (l - a) * 1000, (r - a) * 1000 }'
}
echo "== base image" >&2
generate_ms=$("$top/build/bin/base_image_bench" --benchmark_format=csv 2>/dev/null |
  awk -F, '/BM_GenerateBaseImage/ { printf "%.3f", $3 }')
inject_runs=() unpacked_runs=()
for i in $(seq "$inject_runs_n"); do
  # Not in a subshell, so the EXIT trap knows the daemons it starts.
  bench_inject "$i" >"$work/inject.$i"
  read -r listed_ms unpacked_ms <"$work/inject.$i"
  inject_runs+=("$listed_ms"); unpacked_runs+=("$unpacked_ms")
done
inject_ms=$(median "${inject_runs[@]}")
unpacked_ms=$(median "${unpacked_runs[@]}")

for store in builtin plugin goproxy; do
  echo "== store: $store" >&2
  bench_store "$store"
done

# --- report ----------------------------------------------------------------------
fig() { cat "$work/$1"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
printf '\n%-7s %-40s %9s %9s %9s %8s %8s %8s %7s\n' "bench" "what" "built-in" "plugin" "Go proxy" \
  "plugin/" "Go/" "plugin/" "target"
printf '%-7s %-40s %9s %9s %9s %8s %8s %8s %7s\n' "" "" "" "" "" "built-in" "built-in" "Go" ""
row() {
  local key=$1 what=$2 target=$3 b p g
  b=$(fig "builtin.$key"); p=$(fig "plugin.$key"); g=$(fig "goproxy.$key")
  printf '%-7s %-40s %8.3fs %8.3fs %8.3fs %8s %8s %8s %7s\n' "$key" "$what" "$b" "$p" "$g" \
    "$(ratio "$p" "$b")" "$(ratio "$g" "$b")" "$(ratio "$p" "$g")" "$target"
}
row read "ctr content get, ${blob_mib} MiB blob" "<= 1.3"
row import "ctr images import --no-unpack, $((layers * layer_mib)) MiB" "<= 1.1"
row pull "ctr images pull + unpack, $((layers * layer_mib)) MiB" "<= 1.2"
ctr_import=$(fig plugin.import)
printf '\n%-7s %-48s %9s %9s %7s %7s\n' "bench" "what (containerd on the plugin)" "ctr" "hpcimg" "ratio" "target"
for mode in content direct; do
  what="hpcimg import --no-unpack, Content API"
  target="<= 0.6"
  if [ "$mode" = direct ]; then what="hpcimg import --no-unpack --plugin-address"; target="<= 0.2"; fi
  printf '%-7s %-48s %8.3fs %8.3fs %7s %7s\n' import "$what" "$ctr_import" "$(fig "hpcimg.$mode")" \
    "$(ratio "$(fig "hpcimg.$mode")" "$ctr_import")" "$target"
done
printf 'hpcimg peak RSS: %s KiB through the Content API, %s KiB with --plugin-address (target <= 65536)\n' \
  "$(fig hpcimg.content.rss)" "$(fig hpcimg.direct.rss)"

printf '\n%-7s %-48s %9s %9s %7s %7s\n' "bench" "what (local docker-registry)" "skopeo" "hpcimg" "ratio" "target"
for op in pull push; do
  what="docker:// to oci:, $((layers * layer_mib)) MiB in ${layers} layers"
  [ "$op" = push ] && what="oci: to docker://, $((layers * layer_mib)) MiB in ${layers} layers"
  sk=$(fig "reg.${op}_skopeo.best"); hp=$(fig "reg.${op}_hpcimg.best")
  printf '%-7s %-48s %8.3fs %8.3fs %7s %7s\n' "$op" "$what" "$sk" "$hp" "$(ratio "$hp" "$sk")" "<= 0.8"
done
printf 'hpcimg peak RSS: %s KiB pulling, %s KiB pushing (target <= 65536); skopeo: %s KiB, %s KiB\n' \
  "$(fig reg.pull_hpcimg.peak)" "$(fig reg.push_hpcimg.peak)" \
  "$(fig reg.pull_skopeo.peak)" "$(fig reg.push_skopeo.peak)"

printf '\n%-7s %-48s %9s %9s %7s %7s\n' "bench" "what (Linux build stages)" "peer" "hpcimg" "ratio" "target"
printf '%-7s %-48s %8.3fs %8.3fs %7s %7s\n' build "flannel-shaped stage, ${builder_mib} MiB builder (buildah)" \
  "$(fig build.buildah.best)" "$(fig build.hpcimg.best)" "$(ratio "$(fig build.hpcimg.best)" "$(fig build.buildah.best)")" "<= 1.0"
printf '%-7s %-48s %8.3fs %8.3fs %7s %7s\n' apply "a ${apply_mib} MiB layer into a root (tar -x)" \
  "$(fig apply.tar.best)" "$(fig apply.hpcimg.best)" "$(ratio "$(fig apply.hpcimg.best)" "$(fig apply.tar.best)")" "<= 1.2"
printf 'the whole build of that layer (apply, then the root removed): %ss\n' "$(fig apply.build.best)"
printf 'hpcimg build peak RSS: %s KiB (target <= 65536); buildah bud: %s KiB\n' \
  "$(fig build.hpcimg.peak)" "$(fig build.buildah.peak)"

printf '\nbase image: generated in %s ms (target <= 5); listed in k8s.io %s ms after containerd served (median of %s: %s; target <= 50); unpacked too after %s ms (%s)\n' \
  "$generate_ms" "$inject_ms" "$inject_runs_n" "${inject_runs[*]}" "$unpacked_ms" "${unpacked_runs[*]}"
printf '\nRSS, KiB          %10s %10s %7s\n' plugin "Go proxy" target
printf 'idle              %10s %10s %7s\n' "$(fig plugin.rss_idle)" "$(fig goproxy.rss_idle)" "<= 16384"
printf '  of it anonymous %10s %10s\n' "$(fig plugin.rss_idle_anon)" "$(fig goproxy.rss_idle_anon)"
printf '%-2s writers x %-3s  %10s %10s %7s\n' "$writers" "${writer_mib}M" "$(fig plugin.rss_writers)" \
  "$(fig goproxy.rss_writers)" "<= 65536"
printf 'writers failed    %10s %10s\n' "$(fig plugin.writers_failed)" "$(fig goproxy.writers_failed)"

if [ -n "$json" ]; then
  {
    printf '{\n  "commit": "%s",\n' "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
    printf '  "containerd": "%s",\n' "$(containerd --version | awk '{ print $3 }')"
    printf '  "cores": %s,\n  "quick": %s,\n' "$(nproc)" "$([ "$quick" = 1 ] && echo true || echo false)"
    printf '  "sizes_mib": {"layer": %s, "layers": %s, "blob": %s, "writer": %s, "writers": %s},\n' \
      "$layer_mib" "$layers" "$blob_mib" "$writer_mib" "$writers"
    printf '  "runs": %s,\n  "seconds": {\n' "$runs"
    sep=""
    for store in builtin plugin goproxy; do
      for key in read import pull; do
        printf '%s    "%s.%s": %s' "$sep" "$store" "$key" "$(fig "$store.$key")"; sep=$',\n'
      done
    done
    for mode in content direct; do printf '%s    "hpcimg.import.%s": %s' "$sep" "$mode" "$(fig "hpcimg.$mode")"; done
    for key in pull_skopeo pull_hpcimg push_skopeo push_hpcimg; do
      printf '%s    "registry.%s": %s' "$sep" "$key" "$(fig "reg.$key.best")"
    done
    for key in hpcimg buildah; do printf '%s    "build.linux_stage.%s": %s' "$sep" "$key" "$(fig "build.$key.best")"; done
    for key in hpcimg tar build; do printf '%s    "build.apply.%s": %s' "$sep" "$key" "$(fig "apply.$key.best")"; done
    printf '\n  },\n  "ratios": {\n'
    sep=""
    for key in read import pull; do
      printf '%s    "%s.plugin/builtin": %s,\n    "%s.goproxy/builtin": %s,\n    "%s.plugin/goproxy": %s' "$sep" \
        "$key" "$(ratio "$(fig plugin.$key)" "$(fig builtin.$key)")" \
        "$key" "$(ratio "$(fig goproxy.$key)" "$(fig builtin.$key)")" \
        "$key" "$(ratio "$(fig plugin.$key)" "$(fig goproxy.$key)")"
      sep=$',\n'
    done
    for mode in content direct; do
      printf '%s    "hpcimg.import.%s/ctr": %s' "$sep" "$mode" "$(ratio "$(fig "hpcimg.$mode")" "$ctr_import")"
    done
    for op in pull push; do
      printf '%s    "registry.%s.hpcimg/skopeo": %s' "$sep" "$op" \
        "$(ratio "$(fig "reg.${op}_hpcimg.best")" "$(fig "reg.${op}_skopeo.best")")"
    done
    printf '%s    "build.linux_stage.hpcimg/buildah": %s' "$sep" \
      "$(ratio "$(fig build.hpcimg.best)" "$(fig build.buildah.best)")"
    printf '%s    "build.apply.hpcimg/tar": %s' "$sep" "$(ratio "$(fig apply.hpcimg.best)" "$(fig apply.tar.best)")"
    printf '\n  },\n  "milliseconds": {"base_image.generate": %s, "base_image.inject_median": %s, "base_image.inject_runs": [%s], "base_image.unpacked_median": %s, "base_image.unpacked_runs": [%s]},\n' \
      "$generate_ms" "$inject_ms" "$(IFS=,; echo "${inject_runs[*]}")" "$unpacked_ms" "$(IFS=,; echo "${unpacked_runs[*]}")"
    printf '  "rss_kib": {"plugin.idle": %s, "goproxy.idle": %s, "plugin.idle_anon": %s, "goproxy.idle_anon": %s,' \
      "$(fig plugin.rss_idle)" "$(fig goproxy.rss_idle)" "$(fig plugin.rss_idle_anon)" "$(fig goproxy.rss_idle_anon)"
    printf ' "plugin.writers": %s, "goproxy.writers": %s,' "$(fig plugin.rss_writers)" "$(fig goproxy.rss_writers)"
    printf ' "hpcimg.import.content": %s, "hpcimg.import.direct": %s, "hpcimg.registry.pull": %s, "hpcimg.registry.push": %s,' \
      "$(fig hpcimg.content.rss)" "$(fig hpcimg.direct.rss)" "$(fig reg.pull_hpcimg.peak)" "$(fig reg.push_hpcimg.peak)"
    printf ' "hpcimg.build": %s, "buildah.bud": %s},\n' "$(fig build.hpcimg.peak)" "$(fig build.buildah.peak)"
    printf '  "writers_failed": {"plugin": %s, "goproxy": %s}\n}\n' \
      "$(fig plugin.writers_failed)" "$(fig goproxy.writers_failed)"
  } >"$json"
  python3 -m json.tool "$json" >/dev/null
  echo "figures written to $json" >&2
fi
