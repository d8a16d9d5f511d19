// Reading files out of a root file system: what COPY --from takes from a
// Linux stage. A path is resolved inside the root (its last symbolic link
// followed, as COPY follows its source); under a directory, symbolic links
// are listed as links and not followed; device nodes, FIFOs and sockets
// are left out.
#ifndef HPC_IMPORTER_ROOTFS_ROOT_FILES_H_
#define HPC_IMPORTER_ROOTFS_ROOT_FILES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "importer/rootfs/root_dir.h"

namespace hpc::rootfs {

struct RootFile {
  enum class Type { kDirectory, kFile, kSymlink };
  std::string path;  // relative to the listed path; "" for the path itself
  Type type = Type::kFile;
  std::string host_path;  // where a file's bytes are, on the host
  int64_t size = 0;
  int mode = 0;
  std::string link_target;
};

// `path` and, for a directory, everything under it, sorted by path.
// NotFound when `path` does not exist.
absl::StatusOr<std::vector<RootFile>> ListTree(const RootDir& root,
                                               absl::string_view path);

// The names in directory `path` (resolved inside the root), sorted.
absl::StatusOr<std::vector<std::string>> ListDirectory(const RootDir& root,
                                                       absl::string_view path);

}  // namespace hpc::rootfs

#endif  // HPC_IMPORTER_ROOTFS_ROOT_FILES_H_
