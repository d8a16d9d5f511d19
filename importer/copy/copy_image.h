// hpcimg copy: from any source transport to any destination transport.
#ifndef HPC_IMPORTER_COPY_COPY_IMAGE_H_
#define HPC_IMPORTER_COPY_COPY_IMAGE_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "importer/archive/archive_reader.h"
#include "importer/image/image_source.h"
#include "importer/oci/media_types.h"
#include "importer/registry/registry_options.h"
#include "importer/transport/reference.h"

namespace hpc::copy {

struct SourceOptions {
  oci::MediaTypeFormat format = oci::MediaTypeFormat::kOci;  // for base:
  std::string containerd_address;                            // containerd:
  std::string containerd_namespace;                          // containerd:
  archive::ArchiveLimits archive_limits;  // oci-archive:, docker-archive:
  registry::RegistryOptions registry;     // docker://
};

struct DestinationOptions {
  bool force = false;                // replace an existing file or layout entry
  std::string containerd_address;    // containerd:
  std::string containerd_namespace;  // containerd:
  bool cri_records = true;           // containerd: in k8s.io
  // containerd: unpack into this snapshotter; empty: do not unpack.
  std::string snapshotter;
  registry::RegistryOptions registry;     // docker://
  int jobs = 4;                           // docker://: blobs in flight
  bool include_nondistributable = false;  // docker://: push foreign layers
  // docker://: repositories of the destination's registry to mount blobs
  // from (the source's, when it is there too).
  std::vector<std::string> mount_from;
  // Told of the bytes of each blob written, and of each blob that needed
  // none sent (`what` says why: "already there", "mounted").
  std::function<void(const oci::Descriptor& blob, int64_t written)> progress;
  std::function<void(const oci::Descriptor& blob, absl::string_view what)> done;
};

struct CopyReport {
  std::string source;
  std::string destination;
  oci::Descriptor root;
  std::vector<std::string> names;  // image records or names written
  int blobs = 0;
  int blobs_written = 0;  // containerd, docker://: blobs whose bytes were sent
  int blobs_mounted = 0;  // docker://: mounted from another repository
  bool changed = true;
};

absl::StatusOr<std::unique_ptr<image::ImageSource>> OpenSource(
    const transport::Reference& reference, const SourceOptions& options);

// The repositories a push to `destination` may mount blobs from: the
// source's, when both are in the same registry.
std::vector<std::string> MountSources(const transport::Reference& source,
                                      const transport::Reference& destination);

absl::StatusOr<CopyReport> WriteImage(image::ImageSource& source,
                                      const transport::Reference& destination,
                                      const DestinationOptions& options);

}  // namespace hpc::copy

#endif  // HPC_IMPORTER_COPY_COPY_IMAGE_H_
