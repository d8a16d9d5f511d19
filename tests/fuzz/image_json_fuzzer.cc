// Image documents from anywhere: manifests, indexes, configs and
// descriptors, OCI and Docker, and the platform matching run on an index.
#include <cstddef>
#include <cstdint>
#include <string>

#include "importer/explain/manifest_selection.h"
#include "importer/explain/matching_era.h"
#include "importer/oci/descriptor.h"
#include "importer/oci/image_config.h"
#include "importer/oci/json.h"
#include "importer/oci/manifest.h"
#include "importer/rewrite/platform.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto m = hpc::oci::Manifest::Parse(text, "fuzz"); m.ok()) {
    std::string again = m->Serialize();
    auto reparsed = hpc::oci::Manifest::Parse(again, "fuzz");
    if (!reparsed.ok() || reparsed->Serialize() != again) __builtin_trap();
  }
  if (auto index = hpc::oci::Index::Parse(text, "fuzz"); index.ok()) {
    std::vector<std::optional<hpc::rewrite::Platform>> platforms;
    for (const auto& d : index->manifests()) {
      if (d.platform) {
        platforms.push_back(hpc::rewrite::Platform::FromJson(*d.platform));
      } else {
        platforms.push_back(std::nullopt);
      }
    }
    for (const char* release : {"1.6.17", "1.7.6", "2.3.0"}) {
      auto selection = hpc::explain::SelectManifest(
          hpc::explain::MatchingEraOf(
              *hpc::explain::ContainerdVersion::Parse(release)),
          {10, 0, 20348}, platforms);
      if (selection.chosen && *selection.chosen >= platforms.size())
        __builtin_trap();
    }
  }
  if (auto config = hpc::oci::ImageConfig::Parse(text, "fuzz"); config.ok()) {
    (void)config->diff_ids();
    (void)config->os_version();
  }
  if (auto doc = hpc::oci::ParseJsonObject(text, "fuzz"); doc.ok()) {
    auto d = hpc::oci::Descriptor::FromJson(*doc, "fuzz");
    if (d.ok()) (void)d->ToJson();
    (void)hpc::rewrite::Platform::FromJson(*doc);
  }
  return 0;
}
