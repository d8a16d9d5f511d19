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

int Revision(absl::string_view os_version) {
  std::vector<absl::string_view> parts = absl::StrSplit(os_version, '.');
  int revision = 0;
  if (parts.size() < 4 || !absl::SimpleAtoi(parts[3], &revision)) return 0;
  return revision;
}

}  // namespace hpc::explain
