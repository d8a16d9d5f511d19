// The files of an image being built, by image path ("/app/x.ps1"): what a
// stage holds, what a COPY source expands to, what goes into a layer.
#ifndef HPC_IMPORTER_DOCKERFILE_FILE_TREE_H_
#define HPC_IMPORTER_DOCKERFILE_FILE_TREE_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace hpc::dockerfile {

struct FileNode {
  enum class Type { kDirectory, kFile, kSymlink };
  Type type = Type::kFile;
  std::string host_path;  // a file's bytes are read from here
  int64_t size = 0;
  int mode = 0644;
  std::string link_target;  // a symbolic link's, as written
};

// Image path -> node; directories included.
using FileTree = std::map<std::string, FileNode>;

// What one COPY source matched: a file, or a directory and everything in it.
struct SourceMatch {
  std::string name;  // the last component of the match ("app" for "src/app")
  FileNode node;
  // For a directory, its contents by path relative to it ("x/y.ps1").
  std::vector<std::pair<std::string, FileNode>> contents;
};

// The matches of `pattern` (a path or glob, relative to the tree's root)
// in `tree`, sorted. NotFound names the pattern when nothing matches.
absl::StatusOr<std::vector<SourceMatch>> MatchInTree(const FileTree& tree,
                                                     absl::string_view pattern,
                                                     absl::string_view what);

}  // namespace hpc::dockerfile

#endif  // HPC_IMPORTER_DOCKERFILE_FILE_TREE_H_
