// Reading an image that containerd holds (containerd:NAME): the record's
// target, and blobs streamed through the Content API.
#ifndef HPC_IMPORTER_CONTAINERD_CONTAINERD_SOURCE_H_
#define HPC_IMPORTER_CONTAINERD_CONTAINERD_SOURCE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "importer/containerd/connection.h"
#include "importer/image/image_source.h"

namespace hpc::containerd {

// Takes ownership of `connection`.
absl::StatusOr<std::unique_ptr<image::ImageSource>> OpenContainerdImage(
    std::unique_ptr<Connection> connection, const std::string& name);

}  // namespace hpc::containerd

#endif  // HPC_IMPORTER_CONTAINERD_CONTAINERD_SOURCE_H_
