#include "importer/transport/image_name.h"

#include "absl/strings/str_cat.h"

namespace hpc::transport {

namespace {
// Where the tag may start: after the last '/', so a registry port is not
// taken for a tag.
size_t TagColon(absl::string_view name) {
  size_t at = name.find('@');
  absl::string_view base = name.substr(0, at);
  size_t slash = base.rfind('/');
  size_t colon = base.rfind(':');
  if (colon == absl::string_view::npos) return absl::string_view::npos;
  if (slash != absl::string_view::npos && colon < slash)
    return absl::string_view::npos;
  return colon;
}
}  // namespace

std::string TagOf(absl::string_view name) {
  size_t colon = TagColon(name);
  if (colon == absl::string_view::npos) return "latest";
  size_t at = name.find('@');
  return std::string(name.substr(colon + 1, at == absl::string_view::npos
                                                ? absl::string_view::npos
                                                : at - colon - 1));
}

std::string RepositoryOf(absl::string_view name) {
  size_t end = TagColon(name);
  if (end == absl::string_view::npos) end = name.find('@');
  return std::string(name.substr(0, end));
}

absl::Status ValidateImageName(absl::string_view name) {
  if (name.empty()) return absl::InvalidArgumentError("image name is empty");
  if (name.size() > 4096) {
    return absl::InvalidArgumentError("image name is longer than 4096 bytes");
  }
  for (char c : name) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F) {
      return absl::InvalidArgumentError(
          absl::StrCat("image name \"", name,
                       "\" contains white space or control characters"));
    }
  }
  return absl::OkStatus();
}

}  // namespace hpc::transport
