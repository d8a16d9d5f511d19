#include "importer/explain/containerd_version.h"

#include <tuple>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace hpc::explain {
namespace {

absl::Status Invalid(absl::string_view text) {
  return absl::InvalidArgumentError(
      absl::StrCat("containerd version \"", text,
                   "\": expected X.Y.Z, e.g. 1.6.17 or 2.0.0-rc.3"));
}

// Pre-release identifiers compare as semver says: numbers numerically,
// words as text, a shorter list first when it is a prefix.
std::strong_ordering ComparePreRelease(absl::string_view a,
                                       absl::string_view b) {
  if (a == b) return std::strong_ordering::equal;
  if (a.empty()) return std::strong_ordering::greater;  // release > pre
  if (b.empty()) return std::strong_ordering::less;
  std::vector<absl::string_view> x = absl::StrSplit(a, '.');
  std::vector<absl::string_view> y = absl::StrSplit(b, '.');
  for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
    uint64_t u = 0, v = 0;
    bool un = absl::SimpleAtoi(x[i], &u), vn = absl::SimpleAtoi(y[i], &v);
    if (un && vn) {
      if (u != v) return u <=> v;
    } else if (un != vn) {
      return un ? std::strong_ordering::less : std::strong_ordering::greater;
    } else if (x[i] != y[i]) {
      return x[i] < y[i] ? std::strong_ordering::less
                         : std::strong_ordering::greater;
    }
  }
  return x.size() <=> y.size();
}

}  // namespace

absl::StatusOr<ContainerdVersion> ContainerdVersion::Parse(
    absl::string_view text) {
  absl::string_view rest = absl::StripAsciiWhitespace(text);
  absl::ConsumePrefix(&rest, "v");
  ContainerdVersion version;
  if (size_t dash = rest.find('-'); dash != absl::string_view::npos) {
    version.pre_release = std::string(rest.substr(dash + 1));
    rest = rest.substr(0, dash);
    if (version.pre_release.empty()) return Invalid(text);
  }
  std::vector<absl::string_view> parts = absl::StrSplit(rest, '.');
  if (parts.size() < 2 || parts.size() > 3) return Invalid(text);
  int* fields[] = {&version.major, &version.minor, &version.patch};
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].empty() || parts[i].size() > 4 ||
        !absl::SimpleAtoi(parts[i], fields[i]) || *fields[i] < 0) {
      return Invalid(text);
    }
  }
  return version;
}

std::string ContainerdVersion::ToString() const {
  std::string s = absl::StrCat(major, ".", minor, ".", patch);
  if (!pre_release.empty()) absl::StrAppend(&s, "-", pre_release);
  return s;
}

std::strong_ordering ContainerdVersion::operator<=>(
    const ContainerdVersion& other) const {
  if (auto c = std::tie(major, minor, patch) <=>
               std::tie(other.major, other.minor, other.patch);
      c != 0) {
    return c;
  }
  return ComparePreRelease(pre_release, other.pre_release);
}

}  // namespace hpc::explain
