#include "importer/dockerfile/file_tree.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "importer/dockerfile/path_pattern.h"

namespace hpc::dockerfile {

absl::StatusOr<std::vector<SourceMatch>> MatchInTree(const FileTree& tree,
                                                     absl::string_view pattern,
                                                     absl::string_view what) {
  while (absl::ConsumePrefix(&pattern, "/")) {
  }
  const std::string glob(pattern);
  std::vector<SourceMatch> matches;
  for (const auto& [path, node] : tree) {
    absl::string_view relative = path;
    absl::ConsumePrefix(&relative, "/");
    bool match = glob.empty() ? relative.empty() : PathMatch(glob, relative);
    if (!match) continue;
    SourceMatch m;
    size_t slash = relative.rfind('/');
    m.name = std::string(slash == absl::string_view::npos
                             ? relative
                             : relative.substr(slash + 1));
    m.node = node;
    if (node.type == FileNode::Type::kDirectory) {
      std::string prefix = path == "/" ? "/" : absl::StrCat(path, "/");
      for (auto it = tree.upper_bound(path);
           it != tree.end() && absl::StartsWith(it->first, prefix); ++it) {
        m.contents.emplace_back(it->first.substr(prefix.size()), it->second);
      }
    }
    matches.push_back(std::move(m));
  }
  if (matches.empty()) {
    return absl::NotFoundError(
        absl::StrCat(what, ": no file or directory \"", pattern, "\""));
  }
  return matches;
}

}  // namespace hpc::dockerfile
