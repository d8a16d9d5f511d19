// The Windows HostProcess base image, generated in memory.
//
// One layer: Files/License.txt and five minimal registry hives under
// Files/Windows/System32/config. The config says windows/amd64 with
// cmd.exe as the command and no os.version, so the image runs on every
// Windows Server version; the manifest carries no platform. Everything is
// deterministic: the same version and creation time give the same digests.
#ifndef HPC_IMPORTER_BASE_BASE_IMAGE_H_
#define HPC_IMPORTER_BASE_BASE_IMAGE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "importer/image/memory_image.h"
#include "importer/oci/media_types.h"

namespace hpc::base {

// The name the base image is published under upstream; images are tagged
// with it unless told otherwise.
inline constexpr absl::string_view kBaseImageRepository =
    "mcr.microsoft.com/oss/kubernetes/"
    "windows-host-process-containers-base-image";
inline constexpr absl::string_view kDefaultBaseVersion = "v1.0.0";

struct BaseImageOptions {
  std::string version = std::string(kDefaultBaseVersion);
  oci::MediaTypeFormat format = oci::MediaTypeFormat::kOci;
  // Time of every file and of the image; see ReproducibleTime().
  absl::Time created;
};

// SOURCE_DATE_EPOCH when set to a valid number of seconds, else a fixed
// epoch (2022-01-01T00:00:00Z), so builds are reproducible by default.
absl::StatusOr<absl::Time> ReproducibleTime();

absl::StatusOr<std::unique_ptr<image::MemoryImage>> GenerateBaseImage(
    const BaseImageOptions& options);

// The five hives of a base layer.
inline constexpr const char* kHiveNames[] = {"DEFAULT", "SAM", "SECURITY",
                                             "SOFTWARE", "SYSTEM"};

// The license put in the image: a CC0 1.0 dedication.
absl::string_view LicenseText();

}  // namespace hpc::base

#endif  // HPC_IMPORTER_BASE_BASE_IMAGE_H_
