#include "importer/explain/node_version.h"

#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace hpc::explain {
namespace {

// A decimal number of digits only, at most `max`.
bool ParseNumber(absl::string_view text, uint32_t max, uint32_t* out) {
  if (text.empty() || text.size() > 10) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  uint64_t value = 0;
  if (!absl::SimpleAtoi(text, &value) || value > max) return false;
  *out = static_cast<uint32_t>(value);
  return true;
}

// Go's strconv.Atoi, its error ignored: an optional sign and decimal
// digits; anything else is 0, and a number out of int64's range its limit.
int64_t GoAtoiIgnoringError(absl::string_view text) {
  bool negative = false;
  if (!text.empty() && (text[0] == '+' || text[0] == '-')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  if (text.empty()) return 0;
  uint64_t value = 0;
  bool overflow = false;
  for (char c : text) {
    if (c < '0' || c > '9') return 0;
    if (value > (UINT64_MAX - 9) / 10) {
      overflow = true;
    } else {
      value = value * 10 + static_cast<uint64_t>(c - '0');
    }
  }
  if (negative) {
    if (overflow || value > uint64_t{INT64_MAX} + 1) return INT64_MIN;
    return static_cast<int64_t>(0 - value);
  }
  if (overflow || value > uint64_t{INT64_MAX}) return INT64_MAX;
  return static_cast<int64_t>(value);
}

}  // namespace

absl::StatusOr<NodeVersion> NodeVersion::Parse(absl::string_view text) {
  std::vector<absl::string_view> parts =
      absl::StrSplit(absl::StripAsciiWhitespace(text), '.');
  NodeVersion v;
  uint32_t revision = 0;
  if ((parts.size() != 3 && parts.size() != 4) ||
      !ParseNumber(parts[0], 255, &v.major) ||
      !ParseNumber(parts[1], 255, &v.minor) ||
      !ParseNumber(parts[2], 65535, &v.build) ||
      (parts.size() == 4 && !ParseNumber(parts[3], UINT32_MAX, &revision))) {
    return absl::InvalidArgumentError(
        absl::StrCat("Windows version \"", text,
                     "\": expected 10.0.BUILD[.REVISION], e.g. 10.0.20348"));
  }
  return v;
}

std::string NodeVersion::ToString() const {
  return absl::StrCat(major, ".", minor, ".", build);
}

ImageBuild ParseImageBuild(absl::string_view os_version) {
  std::vector<absl::string_view> parts = absl::StrSplit(os_version, '.');
  ImageBuild b;
  if (parts.size() < 3) return b;
  if (!ParseNumber(parts[0], 255, &b.major) ||
      !ParseNumber(parts[1], 255, &b.minor) ||
      !ParseNumber(parts[2], 65535, &b.build)) {
    return ImageBuild{};
  }
  b.valid = true;
  return b;
}

ImageBuild ParseImageBuildAtoi(absl::string_view os_version) {
  std::vector<absl::string_view> parts = absl::StrSplit(os_version, '.');
  ImageBuild b;
  if (parts.size() < 3) return b;
  // Go's conversions to unsigned types keep the low bits.
  b.major = static_cast<uint8_t>(GoAtoiIgnoringError(parts[0]));
  b.minor = static_cast<uint8_t>(GoAtoiIgnoringError(parts[1]));
  b.build = static_cast<uint16_t>(GoAtoiIgnoringError(parts[2]));
  b.valid = true;
  return b;
}

int Revision(absl::string_view os_version) {
  std::vector<absl::string_view> parts = absl::StrSplit(os_version, '.');
  int revision = 0;
  if (parts.size() < 4 || !absl::SimpleAtoi(parts[3], &revision)) return 0;
  return revision;
}

}  // namespace hpc::explain
