#include "importer/registry/registry_reference.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "importer/oci/digest.h"

namespace hpc::registry {
namespace {

constexpr char kDockerHub[] = "docker.io";

absl::Status Bad(absl::string_view text, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("image reference \"docker://", text, "\": ", why));
}

// A path component: lower-case letters and digits, separated by one '.',
// one or two '_', or any number of '-'.
bool IsPathComponent(absl::string_view c) {
  if (c.empty()) return false;
  auto alnum = [](char ch) {
    return absl::ascii_islower(ch) || absl::ascii_isdigit(ch);
  };
  if (!alnum(c.front()) || !alnum(c.back())) return false;
  for (size_t i = 0; i < c.size(); ++i) {
    char ch = c[i];
    if (alnum(ch) || ch == '-') continue;
    if (ch == '.' && alnum(c[i + 1])) continue;
    if (ch == '_') {
      if (c[i + 1] == '_') ++i;
      if (alnum(c[i + 1])) continue;
    }
    return false;
  }
  return true;
}

bool IsTag(absl::string_view t) {
  if (t.empty() || t.size() > 128) return false;
  if (!(absl::ascii_isalnum(t[0]) || t[0] == '_')) return false;
  for (char ch : t) {
    if (!(absl::ascii_isalnum(ch) || ch == '_' || ch == '.' || ch == '-'))
      return false;
  }
  return true;
}

// A host name or address with an optional port.
bool IsDomain(absl::string_view d) {
  if (d.empty()) return false;
  for (char ch : d) {
    if (!(absl::ascii_isalnum(ch) || ch == '.' || ch == '-' || ch == ':' ||
          ch == '[' || ch == ']')) {
      return false;
    }
  }
  return true;
}

}  // namespace

absl::StatusOr<RegistryReference> RegistryReference::Parse(
    absl::string_view text) {
  if (text.empty()) return Bad(text, "needs HOST/REPOSITORY[:TAG]");
  RegistryReference ref;
  absl::string_view rest = text;
  if (size_t at = rest.find('@'); at != absl::string_view::npos) {
    auto digest = oci::Digest::Parse(rest.substr(at + 1));
    if (!digest.ok()) {
      return Bad(text, absl::StrCat("digest: ", digest.status().message()));
    }
    ref.digest = digest->str();
    rest = rest.substr(0, at);
  }
  // A tag follows the last ':' that comes after the last '/'.
  size_t slash = rest.rfind('/');
  size_t colon = rest.rfind(':');
  if (colon != absl::string_view::npos &&
      (slash == absl::string_view::npos || colon > slash)) {
    absl::string_view tag = rest.substr(colon + 1);
    if (!IsTag(tag)) {
      return Bad(text, absl::StrCat("tag \"", tag,
                                    "\" is not 1 to 128 of [A-Za-z0-9_.-], "
                                    "starting with a letter, digit or _"));
    }
    ref.tag = std::string(tag);
    rest = rest.substr(0, colon);
  }
  absl::string_view first = rest.substr(0, rest.find('/'));
  const bool has_domain =
      rest.find('/') != absl::string_view::npos &&
      (absl::StrContains(first, '.') || absl::StrContains(first, ':') ||
       first == "localhost" ||
       absl::AsciiStrToLower(first) != std::string(first));
  absl::string_view path = rest;
  if (has_domain) {
    if (!IsDomain(first)) {
      return Bad(text, absl::StrCat("registry host \"", first,
                                    "\" is not a host name or address"));
    }
    ref.domain = std::string(first);
    path = rest.substr(first.size() + 1);
  } else {
    ref.domain = kDockerHub;
  }
  if (path.empty()) return Bad(text, "names no repository");
  for (absl::string_view c : absl::StrSplit(path, '/')) {
    if (!IsPathComponent(c)) {
      return Bad(text, absl::StrCat("repository component \"", c,
                                    "\" must be lower-case letters and digits, "
                                    "separated by '.', '_', '__' or '-'"));
    }
  }
  ref.repository = std::string(path);
  if (ref.domain == kDockerHub && !absl::StrContains(path, '/')) {
    ref.repository = absl::StrCat("library/", path);
  }
  if (ref.tag.empty() && ref.digest.empty()) ref.tag = "latest";
  return ref;
}

std::string RegistryReference::ApiHost() const {
  return domain == kDockerHub ? "registry-1.docker.io" : domain;
}

std::string RegistryReference::Name() const {
  return absl::StrCat(domain, "/", repository);
}

std::string RegistryReference::ToString() const {
  std::string out = Name();
  if (!tag.empty()) absl::StrAppend(&out, ":", tag);
  if (!digest.empty()) absl::StrAppend(&out, "@", digest);
  return out;
}

}  // namespace hpc::registry
