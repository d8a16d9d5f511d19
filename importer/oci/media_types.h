// Media types of OCI and Docker schema 2 images.
#ifndef HPC_IMPORTER_OCI_MEDIA_TYPES_H_
#define HPC_IMPORTER_OCI_MEDIA_TYPES_H_

#include "absl/strings/string_view.h"

namespace hpc::oci {

inline constexpr absl::string_view kOciIndex =
    "application/vnd.oci.image.index.v1+json";
inline constexpr absl::string_view kOciManifest =
    "application/vnd.oci.image.manifest.v1+json";
inline constexpr absl::string_view kOciConfig =
    "application/vnd.oci.image.config.v1+json";
inline constexpr absl::string_view kOciLayer =
    "application/vnd.oci.image.layer.v1.tar";
inline constexpr absl::string_view kOciLayerGzip =
    "application/vnd.oci.image.layer.v1.tar+gzip";
inline constexpr absl::string_view kOciLayerZstd =
    "application/vnd.oci.image.layer.v1.tar+zstd";

inline constexpr absl::string_view kDockerManifestList =
    "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr absl::string_view kDockerManifest =
    "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr absl::string_view kDockerConfig =
    "application/vnd.docker.container.image.v1+json";
inline constexpr absl::string_view kDockerLayer =
    "application/vnd.docker.image.rootfs.diff.tar";
inline constexpr absl::string_view kDockerLayerGzip =
    "application/vnd.docker.image.rootfs.diff.tar.gzip";

// Which family of media types an image is written with.
enum class MediaTypeFormat { kOci, kDocker };

bool IsIndex(absl::string_view media_type);
bool IsManifest(absl::string_view media_type);
// Layers registries may not hold copies of: Docker's foreign layers and
// OCI's non-distributable ones (Windows base layers); fetched from `urls`.
bool IsNonDistributable(absl::string_view media_type);

}  // namespace hpc::oci

#endif  // HPC_IMPORTER_OCI_MEDIA_TYPES_H_
