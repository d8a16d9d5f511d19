// Writes a Windows layer for files of a build: a gzip'd tar with every path
// under Files/, parents before children, sorted, owner 0:0, one file time.
// The blob goes to a file; its digest and diff ID are taken on the way.
#ifndef HPC_IMPORTER_DOCKERFILE_LAYER_WRITER_H_
#define HPC_IMPORTER_DOCKERFILE_LAYER_WRITER_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "importer/dockerfile/file_tree.h"
#include "importer/oci/descriptor.h"

namespace hpc::dockerfile {

struct WrittenLayer {
  oci::Descriptor descriptor;
  oci::Digest diff_id;  // of the uncompressed tar
  std::string file;
};

// `files` by image path (parents are added when missing). Writes `file`.
absl::StatusOr<WrittenLayer> WriteLayer(const FileTree& files, absl::Time mtime,
                                        absl::string_view media_type,
                                        const std::string& file);

}  // namespace hpc::dockerfile

#endif  // HPC_IMPORTER_DOCKERFILE_LAYER_WRITER_H_
