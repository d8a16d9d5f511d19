#include "importer/oci/image_config.h"

#include "absl/strings/str_cat.h"

namespace hpc::oci {

absl::StatusOr<ImageConfig> ImageConfig::Parse(absl::string_view bytes,
                                               absl::string_view what) {
  auto doc = ParseJsonObject(bytes, what);
  if (!doc.ok()) return doc.status();
  auto rootfs = doc->find("rootfs");
  if (rootfs != doc->end()) {
    auto ids = rootfs->find("diff_ids");
    if (ids != rootfs->end()) {
      if (!ids->is_array()) {
        return absl::InvalidArgumentError(
            absl::StrCat(what, ": rootfs.diff_ids is not an array"));
      }
      for (const Json& id : *ids) {
        if (!id.is_string() || !Digest::Parse(id.get<std::string>()).ok()) {
          return absl::InvalidArgumentError(absl::StrCat(
              what, ": rootfs.diff_ids holds something that is not a digest"));
        }
      }
    }
  }
  return ImageConfig(std::move(*doc));
}

std::string ImageConfig::StringField(const char* name) const {
  auto it = doc_.find(name);
  return it != doc_.end() && it->is_string() ? it->get<std::string>() : "";
}

std::vector<Digest> ImageConfig::diff_ids() const {
  std::vector<Digest> out;
  auto rootfs = doc_.find("rootfs");
  if (rootfs == doc_.end()) return out;
  auto ids = rootfs->find("diff_ids");
  if (ids == rootfs->end() || !ids->is_array()) return out;
  for (const Json& id : *ids) {
    if (!id.is_string()) continue;
    auto d = Digest::Parse(id.get<std::string>());
    if (d.ok()) out.push_back(*d);
  }
  return out;
}

}  // namespace hpc::oci
