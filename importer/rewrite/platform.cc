#include "importer/rewrite/platform.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace hpc::rewrite {

absl::StatusOr<Platform> Platform::Parse(absl::string_view text) {
  Platform p;
  absl::string_view rest = text;
  if (size_t colon = rest.find(':'); colon != absl::string_view::npos) {
    p.os_version = std::string(rest.substr(colon + 1));
    rest = rest.substr(0, colon);
  }
  std::vector<std::string> parts = absl::StrSplit(rest, '/');
  if (parts.size() < 2 || parts.size() > 3 || parts[0].empty() ||
      parts[1].empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "platform \"", text,
        "\": expected os/architecture[:os.version], e.g. windows/amd64"));
  }
  p.os = parts[0];
  p.architecture = parts[1];
  if (parts.size() == 3) p.variant = parts[2];
  return p;
}

namespace {

// A string field; anything else (absent, a number, an object) reads as "".
std::string StringField(const oci::Json& doc, const char* name) {
  auto it = doc.find(name);
  return it != doc.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

Platform Platform::FromJson(const oci::Json& doc) {
  Platform p;
  if (!doc.is_object()) return p;
  p.os = StringField(doc, "os");
  p.architecture = StringField(doc, "architecture");
  p.variant = StringField(doc, "variant");
  p.os_version = StringField(doc, "os.version");
  if (auto it = doc.find("os.features"); it != doc.end() && it->is_array()) {
    for (const auto& f : *it) {
      if (f.is_string()) p.os_features.push_back(f.get<std::string>());
    }
  }
  return p;
}

std::string Platform::ToString() const {
  std::string s = absl::StrCat(os, "/", architecture);
  if (!variant.empty()) absl::StrAppend(&s, "/", variant);
  if (!os_version.empty()) absl::StrAppend(&s, ":", os_version);
  return s;
}

bool VersionHasPrefix(absl::string_view version, absl::string_view prefix) {
  if (!absl::StartsWith(version, prefix)) return false;
  return version.size() == prefix.size() || version[prefix.size()] == '.';
}

int CompareVersions(absl::string_view a, absl::string_view b) {
  std::vector<absl::string_view> x = absl::StrSplit(a, '.');
  std::vector<absl::string_view> y = absl::StrSplit(b, '.');
  for (size_t i = 0; i < std::max(x.size(), y.size()); ++i) {
    uint64_t u = 0, v = 0;
    if (i < x.size() && !absl::SimpleAtoi(x[i], &u)) u = 0;
    if (i < y.size() && !absl::SimpleAtoi(y[i], &v)) v = 0;
    if (u != v) return u < v ? -1 : 1;
  }
  return 0;
}

}  // namespace hpc::rewrite
