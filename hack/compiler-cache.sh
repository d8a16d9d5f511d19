# Sourced by the scripts that build (hack/test.sh, hack/demo.sh): every build
# tree configured afresh compiles through ccache, whose cache lives outside
# the checkout, beside the Windows sysroot. Paths inside the checkout are
# hashed relative to it, so a new clone reuses what an earlier one compiled;
# a source, flag or compiler that changed is a miss and compiles as before.
# HPC_NO_CCACHE=1 turns it off.
if [ -z "${HPC_NO_CCACHE:-}" ] && command -v ccache >/dev/null 2>&1; then
  export CCACHE_DIR="${CCACHE_DIR:-/var/cache/hpc-content/ccache}"
  export CCACHE_BASEDIR
  CCACHE_BASEDIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  # The sanitizer build's line tables would otherwise hash the checkout's
  # own path in.
  export CCACHE_NOHASHDIR=1
  export CCACHE_MAXSIZE="${CCACHE_MAXSIZE:-6G}"
  if mkdir -p "$CCACHE_DIR" 2>/dev/null && [ -w "$CCACHE_DIR" ]; then
    export CMAKE_C_COMPILER_LAUNCHER=ccache CMAKE_CXX_COMPILER_LAUNCHER=ccache
  fi
fi
