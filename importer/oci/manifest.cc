#include "importer/oci/manifest.h"

#include "absl/strings/str_cat.h"

namespace hpc::oci {

namespace {

absl::Status CheckSchemaVersion(const Json& doc, absl::string_view what) {
  auto version = GetInt(doc, "schemaVersion", what);
  if (!version.ok()) return version.status();
  if (*version != 2) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, ": schemaVersion ", *version, " is not supported (only 2)"));
  }
  return absl::OkStatus();
}

// mediaType is optional in OCI documents; `fallback` is what the document is
// when it has none.
std::string MediaTypeOf(const Json& doc, absl::string_view fallback) {
  auto it = doc.find("mediaType");
  if (it != doc.end() && it->is_string()) return it->get<std::string>();
  return std::string(fallback);
}

}  // namespace

absl::StatusOr<Manifest> Manifest::Parse(absl::string_view bytes,
                                         absl::string_view what) {
  auto doc = ParseJsonObject(bytes, what);
  if (!doc.ok()) return doc.status();
  if (absl::Status s = CheckSchemaVersion(*doc, what); !s.ok()) return s;
  Manifest m;
  m.media_type_ = MediaTypeOf(*doc, kOciManifest);
  if (!IsManifest(m.media_type_)) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, ": media type ", m.media_type_, " is not an image manifest"));
  }
  auto config = doc->find("config");
  if (config == doc->end()) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": no config"));
  }
  auto config_desc =
      Descriptor::FromJson(*config, absl::StrCat("config of ", what));
  if (!config_desc.ok()) return config_desc.status();
  m.config_ = *config_desc;
  auto layers = doc->find("layers");
  if (layers == doc->end() || !layers->is_array()) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": no layers array"));
  }
  for (size_t i = 0; i < layers->size(); ++i) {
    auto layer = Descriptor::FromJson(
        (*layers)[i], absl::StrCat("layer ", i + 1, " of ", what));
    if (!layer.ok()) return layer.status();
    m.layers_.push_back(*layer);
  }
  m.doc_ = std::move(*doc);
  return m;
}

Manifest Manifest::Make(MediaTypeFormat format, const Descriptor& config,
                        const std::vector<Descriptor>& layers) {
  Manifest m;
  m.media_type_ = std::string(
      format == MediaTypeFormat::kOci ? kOciManifest : kDockerManifest);
  m.doc_ = Json::object();
  m.doc_["schemaVersion"] = 2;
  m.doc_["mediaType"] = m.media_type_;
  m.set_config(config);
  m.set_layers(layers);
  return m;
}

void Manifest::set_config(const Descriptor& config) {
  config_ = config;
  doc_["config"] = config.ToJson();
}

void Manifest::set_layers(const std::vector<Descriptor>& layers) {
  layers_ = layers;
  Json array = Json::array();
  for (const Descriptor& layer : layers) array.push_back(layer.ToJson());
  doc_["layers"] = array;
}

absl::StatusOr<Index> Index::Parse(absl::string_view bytes,
                                   absl::string_view what) {
  auto doc = ParseJsonObject(bytes, what);
  if (!doc.ok()) return doc.status();
  if (absl::Status s = CheckSchemaVersion(*doc, what); !s.ok()) return s;
  Index index;
  index.media_type_ = MediaTypeOf(*doc, kOciIndex);
  if (!IsIndex(index.media_type_)) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, ": media type ", index.media_type_, " is not an image index"));
  }
  auto manifests = doc->find("manifests");
  if (manifests == doc->end() || !manifests->is_array()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": no manifests array"));
  }
  for (size_t i = 0; i < manifests->size(); ++i) {
    auto d = Descriptor::FromJson((*manifests)[i],
                                  absl::StrCat("entry ", i + 1, " of ", what));
    if (!d.ok()) return d.status();
    index.manifests_.push_back(*d);
  }
  index.doc_ = std::move(*doc);
  return index;
}

Index Index::Make(MediaTypeFormat format,
                  const std::vector<Descriptor>& manifests) {
  Index index;
  index.media_type_ = std::string(
      format == MediaTypeFormat::kOci ? kOciIndex : kDockerManifestList);
  index.doc_ = Json::object();
  index.doc_["schemaVersion"] = 2;
  index.doc_["mediaType"] = index.media_type_;
  Json array = Json::array();
  for (const Descriptor& d : manifests) array.push_back(d.ToJson());
  index.doc_["manifests"] = array;
  index.manifests_ = manifests;
  return index;
}

}  // namespace hpc::oci
