// A blob read from a file on disk.
#ifndef HPC_IMPORTER_IMAGE_FILE_STREAM_H_
#define HPC_IMPORTER_IMAGE_FILE_STREAM_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "importer/image/image_source.h"

namespace hpc::image {

// Opens `path` without following a link there. NotFound (with errno's
// reason) when it cannot be opened.
absl::StatusOr<std::unique_ptr<BlobStream>> OpenFileStream(
    const std::string& path);

}  // namespace hpc::image

#endif  // HPC_IMPORTER_IMAGE_FILE_STREAM_H_
