// A build context's .dockerignore: one pattern per line, '#' comments,
// '!' for exceptions; the last pattern that matches a path (or one of its
// parent directories) decides whether it is left out.
#ifndef HPC_IMPORTER_DOCKERFILE_DOCKERIGNORE_H_
#define HPC_IMPORTER_DOCKERFILE_DOCKERIGNORE_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace hpc::dockerfile {

class DockerIgnore {
 public:
  DockerIgnore() = default;
  static DockerIgnore Parse(absl::string_view text);

  // `path` is relative to the context, '/'-separated.
  bool Excluded(absl::string_view path) const;
  bool empty() const { return patterns_.empty(); }

 private:
  struct Pattern {
    std::string glob;
    bool exception = false;
  };
  std::vector<Pattern> patterns_;
};

}  // namespace hpc::dockerfile

#endif  // HPC_IMPORTER_DOCKERFILE_DOCKERIGNORE_H_
