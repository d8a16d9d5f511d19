#!/usr/bin/env bash
# Makes the static mingw-w64 sysroot that the Windows build links against:
# gRPC, protobuf, abseil, c-ares, re2, zlib, OpenSSL, libarchive (with zstd,
# lz4, bzip2 and xz), nlohmann-json, GoogleTest, libcurl (over that OpenSSL)
# and cpp-httplib, each built from Debian's source package of the version the
# Linux build uses.
#
# The sysroot is cached outside the checkout, under a key made of this
# recipe, the toolchain file and the source versions:
#   /var/cache/hpc-content/windows-sysroot-<key>
# A second run prints that path and does nothing else. HPC_WINDOWS_SYSROOT
# names a prebuilt sysroot instead; HPC_CACHE_DIR moves the cache.
#
# Usage: hack/windows-deps.sh        prints the sysroot's path on stdout
# The first build takes about 45 minutes on 2 cores.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

if [ -n "${HPC_WINDOWS_SYSROOT:-}" ]; then
  [ -f "$HPC_WINDOWS_SYSROOT/.complete" ] || {
    echo "windows-deps: HPC_WINDOWS_SYSROOT=$HPC_WINDOWS_SYSROOT is not a finished sysroot (no .complete)" >&2
    exit 1
  }
  echo "$HPC_WINDOWS_SYSROOT"
  exit 0
fi

log() { echo "windows-deps: $*" >&2; }
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive

# The toolchain and the host code generators.
tools=(g++-mingw-w64-x86-64-posix gcc-mingw-w64-x86-64-posix mingw-w64-tools
  cmake ninja-build make perl python3 dpkg-dev unicode-data xz-utils
  protobuf-compiler protobuf-compiler-grpc
  # installed so their versions name the sources below
  libgrpc++-dev libprotobuf-dev libabsl-dev libc-ares-dev libre2-dev libssl-dev
  zlib1g-dev libarchive-dev libzstd-dev liblz4-dev libbz2-dev liblzma-dev
  libgtest-dev nlohmann-json3-dev libcurl4-openssl-dev libcpp-httplib-dev)
missing=()
for p in "${tools[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# Source lines for Debian's own archive, as the binary lines name it.
srclist=/etc/apt/sources.list.d/hpc-content-deb-src.sources
if [ ! -f "$srclist" ]; then
  uris=$(grep -h '^URIs:' /etc/apt/sources.list.d/debian.sources 2>/dev/null | awk '{print $2}' | sort -u)
  [ -n "$uris" ] || uris="http://deb.debian.org/debian"
  {
    for u in $uris; do
      # The security archive's sources are not mirrored everywhere; the
      # point releases carry its fixes.
      case "$u" in *security*) continue ;; esac
      suites="bookworm bookworm-updates"
      printf 'Types: deb-src\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n\n' "$u" "$suites"
    done
  } | $SUDO tee "$srclist" >/dev/null
  $SUDO apt-get update -qq
fi

# name:binary package whose source version the Linux build uses
sources=(zlib:zlib1g-dev abseil:libabsl-dev protobuf:libprotobuf-dev
  c-ares:libc-ares-dev re2:libre2-dev openssl:libssl-dev grpc:libgrpc++-dev
  libzstd:libzstd-dev lz4:liblz4-dev bzip2:libbz2-dev xz-utils:liblzma-dev
  libarchive:libarchive-dev googletest:libgtest-dev nlohmann-json3:nlohmann-json3-dev
  curl:libcurl4-openssl-dev cpp-httplib:libcpp-httplib-dev)
# The installed version when Debian still serves its source, else the
# newest source Debian serves (a security update may have replaced it).
source_version() {
  local name=$1 installed=$2 best="" v
  for v in $(apt-cache showsrc "$name" 2>/dev/null | awk '/^Version:/{print $2}'); do
    [ "$v" = "$installed" ] && { echo "$v"; return; }
    if [ -z "$best" ] || dpkg --compare-versions "$v" gt "$best"; then best=$v; fi
  done
  echo "${best:-$installed}"
}
versions=()
for s in "${sources[@]}"; do
  bin=${s#*:}
  versions+=("${s%%:*}=$(source_version "${s%%:*}" "$(dpkg-query -W -f='${source:Version}' "$bin")")")
done

key=$( { cat "$0" "$root/cmake/mingw-w64.cmake"; printf '%s\n' "${versions[@]}";
         x86_64-w64-mingw32-g++-posix --version | head -1; } | sha256sum | cut -c1-16)
cache=${HPC_CACHE_DIR:-/var/cache/hpc-content}
sysroot=$cache/windows-sysroot-$key
if [ -f "$sysroot/.complete" ]; then
  echo "$sysroot"
  exit 0
fi
$SUDO mkdir -p "$cache"
$SUDO chown "$(id -u):$(id -g)" "$cache"
# One work folder for every recipe: each library's stamp (below) names its
# recipe, its source version and the stamp of the library built before it,
# so a changed library is built again with everything after it, and a
# library added at the end builds alone.
work=$cache/work
prefix=$work/prefix
mkdir -p "$work/src" "$prefix"
log "building the mingw-w64 sysroot into $sysroot (work in $work)"

export HPC_WINDOWS_SYSROOT=$prefix
host=x86_64-w64-mingw32
jobs=$(nproc)
cmake_common=(-G Ninja -DCMAKE_TOOLCHAIN_FILE="$root/cmake/mingw-w64.cmake"
  -DHPC_WINDOWS_SYSROOT="$prefix" -DCMAKE_BUILD_TYPE=Release
  -DCMAKE_INSTALL_PREFIX="$prefix" -DCMAKE_PREFIX_PATH="$prefix"
  -DBUILD_SHARED_LIBS=OFF -DCMAKE_POSITION_INDEPENDENT_CODE=ON
  -DCMAKE_CXX_STANDARD=17 -DCMAKE_C_FLAGS=-O2 -DCMAKE_CXX_FLAGS=-O2
  -DCMAKE_CROSSCOMPILING_EMULATOR=)

# fetch NAME: unpacks the source package NAME=VERSION into $work/src/NAME-VERSION
fetch() {
  local name=$1 ver
  for v in "${versions[@]}"; do [ "${v%%=*}" = "$name" ] && ver=${v#*=}; done
  local dir=$work/src/$name-$ver
  if [ ! -d "$dir" ]; then
    local d; d=$(mktemp -d "$work/src/.$name.XXXX")
    (cd "$d" && apt-get source -qq "$name=$ver" >&2)
    local top; top=$(find "$d" -mindepth 1 -maxdepth 1 -type d | head -1)
    mv "$top" "$dir"
    rm -rf "$d"
  fi
  echo "$dir"
}

# step NAME: runs build_NAME once; a stamp of its recipe, its source and
# the previous step's stamp remembers it.
previous_stamp=""
step() {
  local name=$1 stamp
  stamp=$( { declare -f "build_$name"; printf '%s\n' "${versions[@]}" | grep "^${2:-$name}=";
             echo "$previous_stamp"; } | sha256sum | cut -c1-16)
  previous_stamp=$stamp
  [ "$(cat "$work/$name.done" 2>/dev/null)" = "$stamp" ] && return 0
  local start=$SECONDS
  log "$name ..."
  # A subshell of its own, so that set -e stops the recipe at its first
  # failing command.
  local rc=0
  ( set -e; "build_$name" ) > "$work/$name.log" 2>&1 || rc=$?
  if [ "$rc" -ne 0 ]; then
    log "$name failed; the last lines of $work/$name.log:"
    tail -n 40 "$work/$name.log" >&2
    exit 1
  fi
  echo "$stamp" > "$work/$name.done"
  rm -rf "$work/b-$name"
  log "$name done in $((SECONDS - start)) s"
}

cmake_build() {  # SRC BUILD [cmake args...]
  local src=$1 bld=$2; shift 2
  rm -rf "$bld"
  cmake -S "$src" -B "$bld" "${cmake_common[@]}" "$@"
  cmake --build "$bld" -j "$jobs"
  cmake --install "$bld"
}

build_zlib() {
  local s; s=$(fetch zlib)
  # Debian's tarball has no win32/ makefile: the library is its C files.
  local o="$work/b-zlib"
  rm -rf "$o" && mkdir -p "$o"
  for c in adler32 compress crc32 deflate gzclose gzlib gzread gzwrite infback inffast \
    inflate inftrees trees uncompr zutil; do
    $host-gcc -O2 -c "$s/$c.c" -o "$o/$c.o"
  done
  install -d "$prefix/include" "$prefix/lib"
  $host-ar rcs "$prefix/lib/libz.a" "$o"/*.o
  install -m644 "$s/zlib.h" "$s/zconf.h" "$prefix/include/"
}

build_abseil() {
  local s; s=$(fetch abseil)
  cmake_build "$s" "$work/b-abseil" -DABSL_PROPAGATE_CXX_STD=ON -DABSL_ENABLE_INSTALL=ON \
    -DBUILD_TESTING=OFF
}

build_protobuf() {
  local s; s=$(fetch protobuf)
  local dir=$s; [ -f "$s/cmake/CMakeLists.txt" ] && [ ! -f "$s/CMakeLists.txt" ] && dir=$s/cmake
  cmake_build "$dir" "$work/b-protobuf" -Dprotobuf_BUILD_TESTS=OFF \
    -Dprotobuf_BUILD_PROTOC_BINARIES=OFF -Dprotobuf_WITH_ZLIB=OFF -Dprotobuf_BUILD_SHARED_LIBS=OFF \
    -Dprotobuf_MSVC_STATIC_RUNTIME=OFF
}

build_c_ares() {
  local s; s=$(fetch c-ares)
  # Debian's security fix to inet_net_pton.c names INADDRSZ, which only
  # glibc's arpa/nameser_compat.h defines.
  cmake_build "$s" "$work/b-c_ares" -DCARES_STATIC=ON -DCARES_SHARED=OFF -DCARES_BUILD_TOOLS=OFF \
    -DCARES_BUILD_TESTS=OFF -DCMAKE_C_FLAGS="-O2 -DINADDRSZ=4"
}

build_re2() {
  local s; s=$(fetch re2)
  # Debian's tarball leaves out the generated Unicode tables and Perl
  # classes; make them from Debian's unicode-data, which Debian's own patch
  # points the generators at.
  [ -f "$s/re2/perl_groups.cc" ] || (cd "$s" && perl re2/make_perl_groups.pl > re2/perl_groups.cc)
  if [ ! -f "$s/re2/unicode_groups.cc" ] || [ ! -f "$s/re2/unicode_casefold.cc" ]; then
    (cd "$s" && python3 re2/make_unicode_casefold.py > re2/unicode_casefold.cc)
    (cd "$s" && python3 re2/make_unicode_groups.py > re2/unicode_groups.cc)
  fi
  cmake_build "$s" "$work/b-re2" -DRE2_BUILD_TESTING=OFF
}

build_openssl() {
  local s; s=$(fetch openssl)
  (cd "$s" && ./Configure mingw64 no-shared no-tests no-module --prefix="$prefix" --libdir=lib \
      --cross-compile-prefix=$host- &&
     make -j "$jobs" build_libs && make install_dev)
}

build_grpc() {
  local s; s=$(fetch grpc)
  # Debian's patch that keeps configure from downloading opencensus-proto.
  if [ -f "$s/debian/patches/no-opencensus.patch" ] && [ ! -f "$s/.hpc-patched" ]; then
    (cd "$s" && patch -p1 -N --dry-run < debian/patches/no-opencensus.patch >/dev/null &&
       patch -p1 -N < debian/patches/no-opencensus.patch) || true
    touch "$s/.hpc-patched"
  fi
  cmake_build "$s" "$work/b-grpc" -DgRPC_INSTALL=ON -DgRPC_BUILD_TESTS=OFF \
    -DgRPC_ABSL_PROVIDER=package -DgRPC_CARES_PROVIDER=package -DgRPC_PROTOBUF_PROVIDER=package \
    -DgRPC_RE2_PROVIDER=package -DgRPC_SSL_PROVIDER=package -DgRPC_ZLIB_PROVIDER=package \
    -DgRPC_BUILD_CODEGEN=OFF -DgRPC_BUILD_CSHARP_EXT=OFF -DgRPC_BUILD_GRPC_CPP_PLUGIN=OFF \
    -DgRPC_BUILD_GRPC_CSHARP_PLUGIN=OFF -DgRPC_BUILD_GRPC_NODE_PLUGIN=OFF \
    -DgRPC_BUILD_GRPC_OBJECTIVE_C_PLUGIN=OFF -DgRPC_BUILD_GRPC_PHP_PLUGIN=OFF \
    -DgRPC_BUILD_GRPC_PYTHON_PLUGIN=OFF -DgRPC_BUILD_GRPC_RUBY_PLUGIN=OFF \
    -DgRPC_USE_PROTO_LITE=OFF -DProtobuf_PROTOC_LIBRARY=unused \
    -D_gRPC_PROTOBUF_PROTOC_EXECUTABLE=/usr/bin/protoc \
    -DOPENSSL_ROOT_DIR="$prefix" -DOPENSSL_USE_STATIC_LIBS=ON \
    -DZLIB_LIBRARY="$prefix/lib/libz.a" -DZLIB_INCLUDE_DIR="$prefix/include"
}

build_zstd() {
  local s; s=$(fetch libzstd)
  cmake_build "$s/build/cmake" "$work/b-zstd" -DZSTD_BUILD_PROGRAMS=OFF -DZSTD_BUILD_SHARED=OFF \
    -DZSTD_BUILD_STATIC=ON -DZSTD_BUILD_TESTS=OFF -DZSTD_MULTITHREAD_SUPPORT=ON
}

build_lz4() {
  local s; s=$(fetch lz4)
  cmake_build "$s/build/cmake" "$work/b-lz4" -DLZ4_BUILD_CLI=OFF -DLZ4_BUILD_LEGACY_LZ4C=OFF \
    -DBUILD_STATIC_LIBS=ON
}

build_bzip2() {
  local s; s=$(fetch bzip2)
  make -C "$s" CC=$host-gcc AR=$host-ar RANLIB=$host-ranlib CFLAGS="-O2 -D_FILE_OFFSET_BITS=64" libbz2.a -j "$jobs"
  install -m644 "$s/bzlib.h" "$prefix/include/"
  install -m644 "$s/libbz2.a" "$prefix/lib/"
}

build_xz() {
  local s; s=$(fetch xz-utils)
  cmake_build "$s" "$work/b-xz" -DBUILD_TESTING=OFF
}

build_libarchive() {
  local s; s=$(fetch libarchive)
  cmake_build "$s" "$work/b-libarchive" -DENABLE_TEST=OFF -DENABLE_TAR=OFF -DENABLE_CPIO=OFF \
    -DENABLE_CAT=OFF -DENABLE_OPENSSL=OFF -DENABLE_NETTLE=OFF -DENABLE_LIBB2=OFF \
    -DENABLE_LIBXML2=OFF -DENABLE_EXPAT=OFF -DENABLE_ICONV=OFF -DENABLE_CNG=OFF -DENABLE_ACL=OFF \
    -DENABLE_XATTR=OFF -DENABLE_ZSTD=ON -DENABLE_LZ4=ON -DENABLE_BZip2=ON -DENABLE_LZMA=ON \
    -DENABLE_ZLIB=ON -DENABLE_PCREPOSIX=OFF -DENABLE_LZO=OFF -DENABLE_WERROR=OFF \
    -DZLIB_LIBRARY="$prefix/lib/libz.a" -DZLIB_INCLUDE_DIR="$prefix/include" \
    -DBZIP2_LIBRARIES="$prefix/lib/libbz2.a" -DBZIP2_INCLUDE_DIR="$prefix/include"
  # One static library under the name find_package(LibArchive) looks for.
  rm -f "$prefix/lib/libarchive.dll.a" "$prefix/bin/libarchive.dll"
  [ -f "$prefix/lib/libarchive_static.a" ] && mv "$prefix/lib/libarchive_static.a" "$prefix/lib/libarchive.a"
  true
}

build_googletest() {
  local s; s=$(fetch googletest)
  cmake_build "$s" "$work/b-googletest" -DBUILD_GMOCK=ON -DINSTALL_GTEST=ON -Dgtest_disable_pthreads=OFF
}

build_curl() {
  local s; s=$(fetch curl)
  # HTTP and HTTPS only, over the sysroot's OpenSSL; Windows' own resolver
  # on a thread. The library alone is installed: CMake's FindCURL finds it,
  # and the project names what a static libcurl links (CMakeLists.txt).
  cmake_build "$s" "$work/b-curl" -DBUILD_CURL_EXE=OFF -DBUILD_TESTING=OFF -DHTTP_ONLY=ON \
    -DCURL_USE_OPENSSL=ON -DCURL_USE_SCHANNEL=OFF -DCURL_USE_LIBSSH2=OFF -DCURL_USE_LIBSSH=OFF \
    -DUSE_LIBIDN2=OFF -DUSE_NGHTTP2=OFF -DCURL_BROTLI=OFF -DCURL_ZSTD=OFF -DENABLE_ARES=OFF \
    -DCURL_DISABLE_LDAP=ON -DENABLE_MANUAL=OFF -DCURL_CA_BUNDLE=none -DCURL_CA_PATH=none \
    -DOPENSSL_ROOT_DIR="$prefix" -DOPENSSL_USE_STATIC_LIBS=ON -DCURL_ZLIB=ON \
    -DZLIB_LIBRARY="$prefix/lib/libz.a" -DZLIB_INCLUDE_DIR="$prefix/include"
  rm -rf "$prefix/lib/cmake/CURL" "$prefix/bin/curl-config" "$prefix/lib/pkgconfig/libcurl.pc"
}

build_cpp_httplib() {
  # Header-only; Debian's package also builds it as a library, which the
  # Windows build does not need.
  local s; s=$(fetch cpp-httplib)
  install -d "$prefix/include"
  install -m644 "$s/httplib.h" "$prefix/include/"
}

build_nlohmann_json() {
  local s; s=$(fetch nlohmann-json3)
  cmake_build "$s" "$work/b-nlohmann_json" -DJSON_BuildTests=OFF -DJSON_Install=ON
}

# step name:source package, in build order
for lib in zlib abseil protobuf c_ares:c-ares re2 openssl grpc zstd:libzstd lz4 bzip2 \
  xz:xz-utils libarchive googletest nlohmann_json:nlohmann-json3 curl cpp_httplib:cpp-httplib; do
  step "${lib%%:*}" "${lib#*:}"
done

rm -rf "$sysroot" "$sysroot.tmp"
cp -a "$prefix" "$sysroot.tmp"
printf '%s\n' "${versions[@]}" > "$sysroot.tmp/SOURCES"
touch "$sysroot.tmp/.complete"
mv "$sysroot.tmp" "$sysroot"
log "sysroot ready: $(du -sh "$sysroot" | cut -f1)"
echo "$sysroot"
