#include "importer/dockerfile/build_context.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "importer/dockerfile/path_pattern.h"

namespace hpc::dockerfile {
namespace fs = std::filesystem;

namespace {

bool Inside(const fs::path& root, const fs::path& p) {
  std::string r = root.string(), s = p.string();
  return s == r || absl::StartsWith(s, r + "/");
}

}  // namespace

absl::StatusOr<BuildContext> BuildContext::Open(const std::string& directory) {
  std::error_code ec;
  fs::path root = fs::canonical(directory, ec);
  if (ec || !fs::is_directory(root)) {
    return absl::NotFoundError(
        absl::StrCat("build context \"", directory, "\": not a directory",
                     ec ? absl::StrCat(" (", ec.message(), ")") : ""));
  }
  BuildContext context;
  context.directory_ = root.string();
  DockerIgnore ignore;
  if (std::ifstream in(root / ".dockerignore"); in) {
    std::stringstream text;
    text << in.rdbuf();
    ignore = DockerIgnore::Parse(text.str());
  }
  context.tree_["/"] = FileNode{FileNode::Type::kDirectory, "", 0, 0755, ""};
  for (auto it = fs::recursive_directory_iterator(
           root, fs::directory_options::none, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const fs::path& p = it->path();
    // Lexically: fs::relative would follow a link to its target.
    std::string relative = p.lexically_relative(root).generic_string();
    std::string image_path = absl::StrCat("/", relative);
    if (ignore.Excluded(relative)) {
      // An excluded directory may hold exceptions: keep walking into it,
      // but do not list it unless something inside is kept.
      continue;
    }
    fs::file_status status = it->symlink_status(ec);
    if (ec) {
      return absl::InternalError(
          absl::StrCat("build context: cannot read \"", relative, "\""));
    }
    fs::path file = p;
    if (fs::is_symlink(status)) {
      fs::path target = fs::canonical(p, ec);
      if (ec || !Inside(root, target)) {
        ec.clear();
        context.refused_[relative] =
            "is a symbolic link that leads out of the build context";
        continue;
      }
      status = fs::status(target, ec);
      if (ec || !fs::is_regular_file(status)) {
        ec.clear();
        context.refused_[relative] =
            "is a symbolic link to something other than a file";
        continue;
      }
      file = target;
    }
    if (fs::is_directory(status)) {
      context.tree_[image_path] =
          FileNode{FileNode::Type::kDirectory, "", 0, 0755, ""};
    } else if (fs::is_regular_file(status)) {
      auto size = static_cast<int64_t>(fs::file_size(file, ec));
      if (ec) {
        return absl::InternalError(
            absl::StrCat("build context: cannot read \"", relative, "\""));
      }
      const bool executable = (status.permissions() &
                               (fs::perms::owner_exec | fs::perms::group_exec |
                                fs::perms::others_exec)) != fs::perms::none;
      context.tree_[image_path] = FileNode{FileNode::Type::kFile, p.string(),
                                           size, executable ? 0755 : 0644, ""};
      // Keep the parents of a kept file, even inside an excluded directory.
      for (fs::path parent = fs::path(image_path).parent_path();
           parent != "/" && !context.tree_.count(parent.string());
           parent = parent.parent_path()) {
        context.tree_[parent.string()] =
            FileNode{FileNode::Type::kDirectory, "", 0, 0755, ""};
      }
    } else {
      context.refused_[relative] = "is not a file or directory";
    }
  }
  if (ec) {
    return absl::InternalError(
        absl::StrCat("build context \"", directory, "\": ", ec.message()));
  }
  return context;
}

absl::StatusOr<std::vector<SourceMatch>> BuildContext::Resolve(
    absl::string_view source) const {
  std::string clean_source = absl::StrReplaceAll(source, {{"\\", "/"}});
  std::vector<std::string> parts;
  for (absl::string_view part :
       absl::StrSplit(clean_source, '/', absl::SkipEmpty())) {
    if (part == ".") continue;
    if (part == "..") {
      if (parts.empty()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "source \"", source, "\" is outside the build context"));
      }
      parts.pop_back();
      continue;
    }
    parts.emplace_back(part);
  }
  std::string pattern = absl::StrJoin(parts, "/");
  for (const auto& [path, why] : refused_) {
    bool covered = pattern.empty() || PathMatch(pattern, path);
    std::string prefix;
    for (absl::string_view part : absl::StrSplit(path, '/')) {
      if (covered) break;
      prefix =
          prefix.empty() ? std::string(part) : absl::StrCat(prefix, "/", part);
      covered = PathMatch(pattern, prefix);
    }
    if (covered) {
      return absl::InvalidArgumentError(
          absl::StrCat("source \"", source, "\": \"", path, "\" ", why));
    }
  }
  return MatchInTree(tree_, pattern,
                     absl::StrCat("build context ", directory_));
}

}  // namespace hpc::dockerfile
