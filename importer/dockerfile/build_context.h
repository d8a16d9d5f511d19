// The build context: a directory on disk, less what .dockerignore leaves
// out, read once into a file tree. Sources may not leave it: ".." past its
// root is refused, and a symbolic link is followed only to a file inside it.
#ifndef HPC_IMPORTER_DOCKERFILE_BUILD_CONTEXT_H_
#define HPC_IMPORTER_DOCKERFILE_BUILD_CONTEXT_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "importer/dockerfile/dockerignore.h"
#include "importer/dockerfile/file_tree.h"

namespace hpc::dockerfile {

class BuildContext {
 public:
  static absl::StatusOr<BuildContext> Open(const std::string& directory);

  // What a COPY or ADD source names: a path or glob relative to the
  // context (backslashes read as '/').
  absl::StatusOr<std::vector<SourceMatch>> Resolve(
      absl::string_view source) const;

  const std::string& directory() const { return directory_; }

 private:
  std::string directory_;
  FileTree tree_;
  // Paths left out of the tree and why: links out of the context, sockets...
  std::map<std::string, std::string> refused_;
};

}  // namespace hpc::dockerfile

#endif  // HPC_IMPORTER_DOCKERFILE_BUILD_CONTEXT_H_
