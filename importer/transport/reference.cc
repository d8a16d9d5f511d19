#include "importer/transport/reference.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace hpc::transport {

absl::string_view TransportName(Transport transport) {
  switch (transport) {
    case Transport::kBase:
      return "base";
    case Transport::kOci:
      return "oci";
    case Transport::kOciArchive:
      return "oci-archive";
    case Transport::kDockerArchive:
      return "docker-archive";
    case Transport::kContainerd:
      return "containerd";
    case Transport::kDocker:
      return "docker";
  }
  return "unknown";
}

absl::StatusOr<Reference> Reference::Parse(absl::string_view text) {
  constexpr absl::string_view kKnown =
      "base:, oci:, oci-archive:, docker-archive:, containerd:, docker://";
  size_t colon = text.find(':');
  if (colon == absl::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("image reference \"", text,
                     "\" has no transport; use one of ", kKnown));
  }
  absl::string_view name = text.substr(0, colon);
  absl::string_view rest = text.substr(colon + 1);
  Reference ref;
  ref.text = std::string(text);
  if (name == "base") {
    ref.transport = Transport::kBase;
    ref.path = std::string(rest);
    return ref;
  }
  if (name == "containerd") {
    ref.transport = Transport::kContainerd;
    if (rest.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "image reference \"", text, "\": containerd: needs an image name"));
    }
    ref.path = std::string(rest);
    return ref;
  }
  if (name == "docker") {
    ref.transport = Transport::kDocker;
    if (!absl::StartsWith(rest, "//") || rest.size() == 2) {
      return absl::InvalidArgumentError(absl::StrCat(
          "image reference \"", text,
          "\": write a registry image as docker://HOST/REPOSITORY[:TAG]"));
    }
    ref.path = std::string(rest.substr(2));
    return ref;
  }
  if (name == "oci") {
    ref.transport = Transport::kOci;
  } else if (name == "oci-archive") {
    ref.transport = Transport::kOciArchive;
  } else if (name == "docker-archive") {
    ref.transport = Transport::kDockerArchive;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("image reference \"", text, "\": unknown transport \"",
                     name, "\"; use one of ", kKnown));
  }
  // A drive letter (C:\ or C:/) belongs to the path, as skopeo reads it on
  // Windows; a tag never holds a slash, so no other reading is lost.
  const bool drive = rest.size() >= 3 && absl::ascii_isalpha(rest[0]) &&
                     rest[1] == ':' && (rest[2] == '\\' || rest[2] == '/');
  size_t split = rest.find(':', drive ? 2 : 0);
  ref.path = std::string(rest.substr(0, split));
  if (split != absl::string_view::npos)
    ref.tag = std::string(rest.substr(split + 1));
  if (ref.path.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "image reference \"", text, "\": ", name, ": needs a path"));
  }
  return ref;
}

}  // namespace hpc::transport
