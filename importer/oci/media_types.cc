#include "importer/oci/media_types.h"

namespace hpc::oci {

bool IsIndex(absl::string_view media_type) {
  return media_type == kOciIndex || media_type == kDockerManifestList;
}

bool IsManifest(absl::string_view media_type) {
  return media_type == kOciManifest || media_type == kDockerManifest;
}

}  // namespace hpc::oci
