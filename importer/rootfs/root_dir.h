// A directory used as the root of a Linux file system being assembled: the
// root file system of a build stage. Every path given to it is resolved
// inside it, as the kernel resolves paths in a container whose root it is
// (openat2 with RESOLVE_IN_ROOT): "..", absolute symbolic links and links
// that climb are held at the root, so no layer, COPY or WORKDIR reaches a
// file outside it. Paths are relative to the root or absolute in it
// ("/etc/passwd" and "etc/passwd" are the same file).
#ifndef HPC_IMPORTER_ROOTFS_ROOT_DIR_H_
#define HPC_IMPORTER_ROOTFS_ROOT_DIR_H_

#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "importer/rootfs/unique_fd.h"

namespace hpc::rootfs {

// A directory that holds a path's last component, open, and that name.
struct ParentDir {
  UniqueFd fd;
  std::string name;  // one component; "" for the root itself
};

class RootDir {
 public:
  // `path` must be a directory.
  static absl::StatusOr<RootDir> Open(const std::string& path);

  const std::string& path() const { return path_; }
  int fd() const { return fd_.get(); }

  // Opens `path` with `flags` (O_PATH, O_RDONLY, O_DIRECTORY...), every
  // symbolic link on the way, the last one included unless O_NOFOLLOW is
  // in `flags`, resolved inside the root.
  absl::StatusOr<UniqueFd> Resolve(absl::string_view path, int flags) const;

  // The directory `path` is in, its parents resolved inside the root; with
  // `create`, missing ones are made (mode 0755, owner root). A parent that
  // exists but is not a directory is an error.
  absl::StatusOr<ParentDir> Parent(absl::string_view path, bool create) const;

  // Makes `path` and its missing parents as directories (mode 0755), as
  // WORKDIR does; an existing directory is kept.
  absl::Status MakeDirectories(absl::string_view path) const;

  // Where the resolved `path` is on the host ("/tmp/x/rootfs/usr/bin"), for
  // reading the files it holds later. NotFound when it does not exist.
  absl::StatusOr<std::string> HostPath(absl::string_view path) const;

 private:
  RootDir(std::string path, UniqueFd fd)
      : path_(std::move(path)), fd_(std::move(fd)) {}
  absl::Status MakeDirectories(absl::string_view path, int links) const;

  std::string path_;
  UniqueFd fd_;
};

// Removes `name` in `dir_fd` and, for a directory, everything in it,
// without following symbolic links. A missing `name` is not an error.
absl::Status RemoveAllAt(int dir_fd, const std::string& name);

// The clean components of `path` ("./a//b/" -> "a/b"), "" for the root;
// ".." is kept as a component (RootDir resolves it inside the root).
std::string CleanRootPath(absl::string_view path);

}  // namespace hpc::rootfs

#endif  // HPC_IMPORTER_ROOTFS_ROOT_DIR_H_
