# Sourced by the wine test scripts: one PASS/FAIL line per check, the
# counts in $passed and $failed, and where Debian keeps wine's binaries.
passed=0
failed=0
check() {  # NAME COMMAND...: passes when COMMAND exits 0
  local name=$1
  shift
  if "$@" >/dev/null 2>&1; then
    echo "PASS $name"
    passed=$((passed + 1))
  else
    echo "FAIL $name"
    failed=$((failed + 1))
  fi
}
wine=/usr/lib/wine/wine64
[ -x "$wine" ] || wine=$(command -v wine64)
# Debian keeps wineserver out of PATH.
wineserver=/usr/lib/wine/wineserver
[ -x "$wineserver" ] || wineserver=$(command -v wineserver || echo wineserver)
