// Writing an image as an OCI image layout (oci:, oci-archive:) or as a
// `docker save` archive (docker-archive:, in Docker 25's form: an OCI layout
// plus manifest.json, which docker load, skopeo and ctr import all read).
#ifndef HPC_IMPORTER_TRANSPORT_LAYOUT_SINK_H_
#define HPC_IMPORTER_TRANSPORT_LAYOUT_SINK_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "importer/image/image_source.h"
#include "importer/transport/layout_writer.h"

namespace hpc::transport {

// Told of the bytes of `blob` written so far (`blob.size` once done).
using BlobProgress =
    std::function<void(const oci::Descriptor& blob, int64_t written)>;

struct LayoutOptions {
  // The image's name in the layout: `org.opencontainers.image.ref.name` (the
  // tag part) and `io.containerd.image.name` (the full name). Empty: none.
  std::string image_name;
  // Also write manifest.json for docker load.
  bool docker_manifest = false;
  BlobProgress progress = nullptr;
};

absl::Status WriteLayout(image::ImageSource& source, LayoutWriter& writer,
                         const LayoutOptions& options);

// Copies one blob from `source` into `writer` at blobs/sha256/<hex>,
// checking its size and digest as it streams. Skips blobs already there.
absl::Status CopyBlob(image::ImageSource& source, const oci::Descriptor& blob,
                      LayoutWriter& writer, const BlobProgress& progress = {});

}  // namespace hpc::transport

#endif  // HPC_IMPORTER_TRANSPORT_LAYOUT_SINK_H_
