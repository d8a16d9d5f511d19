#include "importer/inspect/describe.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "importer/oci/image_config.h"
#include "importer/oci/manifest.h"
#include "importer/oci/media_types.h"

namespace hpc::inspect {

namespace {

absl::StatusOr<oci::Json> DescribeManifest(image::ImageSource& source,
                                           const oci::Descriptor& d) {
  auto bytes = image::ReadSmallBlob(source, d);
  if (!bytes.ok()) return bytes.status();
  auto manifest =
      oci::Manifest::Parse(*bytes, absl::StrCat("manifest ", d.digest.str()));
  if (!manifest.ok()) return manifest.status();
  auto config_bytes = image::ReadSmallBlob(source, manifest->config());
  if (!config_bytes.ok()) return config_bytes.status();
  auto config = oci::ImageConfig::Parse(*config_bytes, "config");
  if (!config.ok()) return config.status();

  oci::Json out = {{"digest", d.digest.str()},
                   {"mediaType", d.media_type},
                   {"config", manifest->config().digest.str()},
                   {"os", config->os()},
                   {"architecture", config->architecture()},
                   {"layers", oci::Json::array()}};
  if (d.platform.has_value()) out["platform"] = *d.platform;
  if (!config->os_version().empty()) out["os.version"] = config->os_version();
  const oci::Json& runtime =
      config->json().value("config", oci::Json::object());
  if (runtime.contains("Cmd")) out["cmd"] = runtime["Cmd"];
  if (runtime.contains("Entrypoint")) out["entrypoint"] = runtime["Entrypoint"];
  int64_t total = d.size + manifest->config().size;
  for (const oci::Descriptor& layer : manifest->layers()) {
    out["layers"].push_back({{"digest", layer.digest.str()},
                             {"mediaType", layer.media_type},
                             {"size", layer.size}});
    total += layer.size;
  }
  out["size"] = total;
  return out;
}

}  // namespace

absl::StatusOr<oci::Json> Describe(image::ImageSource& source) {
  const oci::Descriptor& root = source.root();
  oci::Json out = {{"image", source.name()},
                   {"names", source.image_names()},
                   {"digest", root.digest.str()},
                   {"mediaType", root.media_type},
                   {"manifests", oci::Json::array()}};
  if (oci::IsManifest(root.media_type)) {
    out["kind"] = "manifest";
    auto m = DescribeManifest(source, root);
    if (!m.ok()) return m.status();
    out["manifests"].push_back(*m);
  } else if (oci::IsIndex(root.media_type)) {
    out["kind"] = "index";
    auto bytes = image::ReadSmallBlob(source, root);
    if (!bytes.ok()) return bytes.status();
    auto index = oci::Index::Parse(*bytes, source.name());
    if (!index.ok()) return index.status();
    for (const oci::Descriptor& d : index->manifests()) {
      if (!oci::IsManifest(d.media_type)) {
        out["manifests"].push_back(
            {{"digest", d.digest.str()}, {"mediaType", d.media_type}});
        continue;
      }
      auto m = DescribeManifest(source, d);
      if (!m.ok()) return m.status();
      out["manifests"].push_back(*m);
    }
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat(source.name(), ": root media type ", root.media_type,
                     " is neither a manifest nor an index"));
  }
  return out;
}

std::string FormatDescription(const oci::Json& d) {
  std::string out = absl::StrFormat("Image:      %s\n", d.value("image", ""));
  for (const auto& name : d.value("names", oci::Json::array())) {
    absl::StrAppendFormat(&out, "Name:       %s\n", name.get<std::string>());
  }
  absl::StrAppendFormat(&out, "Digest:     %s\n", d.value("digest", ""));
  absl::StrAppendFormat(&out, "Media type: %s\n", d.value("mediaType", ""));
  if (d.value("kind", "") == "manifest") {
    absl::StrAppend(
        &out,
        "Kind:       single manifest, no platform list: containerd uses it "
        "as is on any node\n");
  } else {
    absl::StrAppendFormat(
        &out,
        "Kind:       index of %d manifests: containerd picks one by "
        "platform\n",
        d["manifests"].size());
  }
  for (const auto& m : d["manifests"]) {
    absl::StrAppendFormat(&out, "\nManifest %s\n", m.value("digest", ""));
    if (!m.contains("os")) continue;
    std::string platform =
        absl::StrCat(m.value("os", ""), "/", m.value("architecture", ""));
    if (m.contains("os.version"))
      absl::StrAppend(&platform, " ", m.value("os.version", ""));
    absl::StrAppendFormat(&out, "  Platform:   %s%s\n", platform,
                          m.contains("os.version") ? "" : " (no os.version)");
    if (m.contains("entrypoint")) {
      absl::StrAppendFormat(&out, "  Entrypoint: %s\n", m["entrypoint"].dump());
    }
    if (m.contains("cmd"))
      absl::StrAppendFormat(&out, "  Cmd:        %s\n", m["cmd"].dump());
    absl::StrAppendFormat(&out, "  Config:     %s\n", m.value("config", ""));
    absl::StrAppendFormat(&out, "  Size:       %d bytes\n",
                          m.value("size", int64_t{0}));
    size_t i = 1;
    for (const auto& layer : m["layers"]) {
      absl::StrAppendFormat(&out, "  Layer %d:    %s %d bytes (%s)\n", i++,
                            layer.value("digest", ""),
                            layer.value("size", int64_t{0}),
                            layer.value("mediaType", ""));
    }
  }
  return out;
}

}  // namespace hpc::inspect
