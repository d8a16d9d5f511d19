// Putting blobs into containerd's content store through its Content API.
#ifndef HPC_IMPORTER_CONTAINERD_CONTENT_CLIENT_H_
#define HPC_IMPORTER_CONTAINERD_CONTENT_CLIENT_H_

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "importer/containerd/connection.h"
#include "importer/image/image_source.h"
#include "importer/oci/descriptor.h"

namespace hpc::containerd {

using Labels = std::map<std::string, std::string>;

enum class PutResult {
  kPresent,     // the namespace had it already
  kRegistered,  // the backing store had it: registered without sending bytes
  kWritten,     // bytes were sent
};

// Told how many bytes of a blob were sent so far.
using Progress = std::function<void(const oci::Descriptor& blob, int64_t sent)>;

// Makes sure `blob` is in the connection's namespace with at least `labels`.
// Bytes are sent only when containerd has none of them; a partial ingest is
// resumed. `open` is called only when bytes are needed.
absl::StatusOr<PutResult> PutBlob(
    Connection& connection, const oci::Descriptor& blob, const Labels& labels,
    const std::function<absl::StatusOr<std::unique_ptr<image::BlobStream>>()>&
        open,
    const Progress& progress = nullptr);

}  // namespace hpc::containerd

#endif  // HPC_IMPORTER_CONTAINERD_CONTENT_CLIENT_H_
