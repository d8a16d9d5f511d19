#!/usr/bin/env bash
# Installs every build and test dependency from Debian's packages.
# Idempotent and non-interactive; run as root (or through sudo).
set -euo pipefail

packages=(
  # build
  build-essential cmake ninja-build pkg-config git ccache
  protobuf-compiler libprotobuf-dev
  protobuf-compiler-grpc libgrpc++-dev
  libabsl-dev libssl-dev libarchive-dev zlib1g-dev nlohmann-json3-dev
  libtomlplusplus-dev libsystemd-dev libcpp-httplib-dev libcurl4-openssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  # fuzzing (libFuzzer ships in clang's runtime) and the hive reader the
  # hive fuzzer checks against
  clang libclang-rt-14-dev libhivex-dev
  # tools the tests and benchmarks drive
  containerd docker-registry skopeo umoci libhivex-bin
  # Linux build stages: runc runs RUN; buildah is the peer; busybox-static
  # makes the tests' builder image
  runc buildah busybox-static
  # the registry tests: htpasswd files, certificates for TLS and tokens
  apache2-utils openssl
  libre2-dev zstd gzip tar jq procps util-linux time python3
  # the Windows builds' tests: wine64 runs them and upstream containerd.exe;
  # curl plays a client that bypasses the plugin's pipe
  wine64 curl xz-utils
  # containerd's own content store testsuite, run against the plugin (Go,
  # in GOPATH mode from Debian's packaged sources)
  golang-go golang-github-containerd-containerd-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' \
    || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"

# The Debian packages start these as system services; the tests start their
# own private instances, so the system ones are stopped and left disabled.
for svc in containerd docker-registry; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then
    $SUDO systemctl stop "$svc" || true
    $SUDO systemctl disable "$svc" >/dev/null 2>&1 || true
  fi
done
