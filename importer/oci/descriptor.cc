#include "importer/oci/descriptor.h"

#include "absl/strings/str_cat.h"
#include "importer/oci/digester.h"

namespace hpc::oci {

absl::StatusOr<Descriptor> Descriptor::FromJson(const Json& doc,
                                                absl::string_view what) {
  if (!doc.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": descriptor is not an object"));
  }
  Descriptor d;
  auto media_type = GetString(doc, "mediaType", what);
  if (!media_type.ok()) return media_type.status();
  d.media_type = *media_type;
  auto digest_text = GetString(doc, "digest", what);
  if (!digest_text.ok()) return digest_text.status();
  auto digest = Digest::Parse(*digest_text);
  if (!digest.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": ", digest.status().message()));
  }
  d.digest = *digest;
  auto size = GetInt(doc, "size", what);
  if (!size.ok()) return size.status();
  if (*size < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": negative size ", *size));
  }
  d.size = *size;
  for (const auto& [key, value] : doc.items()) {
    if (key == "mediaType" || key == "digest" || key == "size") continue;
    if (key == "annotations") {
      if (!value.is_object()) {
        return absl::InvalidArgumentError(
            absl::StrCat(what, ": annotations is not an object"));
      }
      for (const auto& [k, v] : value.items()) {
        if (!v.is_string()) {
          return absl::InvalidArgumentError(
              absl::StrCat(what, ": annotation \"", k, "\" is not a string"));
        }
        d.annotations[k] = v.get<std::string>();
      }
    } else if (key == "platform") {
      if (!value.is_object()) {
        return absl::InvalidArgumentError(
            absl::StrCat(what, ": platform is not an object"));
      }
      d.platform = value;
    } else {
      d.extra[key] = value;
    }
  }
  return d;
}

Json Descriptor::ToJson() const {
  Json doc = extra.is_object() ? extra : Json::object();
  doc["mediaType"] = media_type;
  doc["digest"] = digest.str();
  doc["size"] = size;
  if (!annotations.empty()) doc["annotations"] = annotations;
  if (platform.has_value()) doc["platform"] = *platform;
  return doc;
}

Descriptor DescribeBytes(absl::string_view media_type,
                         absl::string_view bytes) {
  Descriptor d;
  d.media_type = std::string(media_type);
  d.digest = Digester::Of(bytes);
  d.size = static_cast<int64_t>(bytes.size());
  return d;
}

}  // namespace hpc::oci
