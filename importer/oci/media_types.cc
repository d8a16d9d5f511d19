#include "importer/oci/media_types.h"

#include "absl/strings/match.h"

namespace hpc::oci {

bool IsIndex(absl::string_view media_type) {
  return media_type == kOciIndex || media_type == kDockerManifestList;
}

bool IsManifest(absl::string_view media_type) {
  return media_type == kOciManifest || media_type == kDockerManifest;
}

bool IsNonDistributable(absl::string_view media_type) {
  return absl::StartsWith(media_type,
                          "application/vnd.docker.image.rootfs.foreign.") ||
         absl::StartsWith(media_type,
                          "application/vnd.oci.image.layer.nondistributable.");
}

}  // namespace hpc::oci
