#include "importer/dockerfile/linux_path.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace hpc::dockerfile {

std::string LinuxPath(absl::string_view path, absl::string_view workdir) {
  std::vector<absl::string_view> parts;
  auto add = [&](absl::string_view text) {
    for (absl::string_view p : absl::StrSplit(text, '/', absl::SkipEmpty())) {
      if (p == ".") continue;
      if (p == "..") {
        if (!parts.empty()) parts.pop_back();
        continue;
      }
      parts.push_back(p);
    }
  };
  if (path.empty() || path[0] != '/') add(workdir);
  add(path);
  return absl::StrCat("/", absl::StrJoin(parts, "/"));
}

}  // namespace hpc::dockerfile
