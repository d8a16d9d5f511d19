#include "importer/dockerfile/windows_path.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"

namespace hpc::dockerfile {

absl::StatusOr<std::string> ResolveImagePath(absl::string_view path,
                                             absl::string_view workdir) {
  std::string p = absl::StrReplaceAll(path, {{"\\", "/"}});
  bool absolute = false;
  if (p.size() >= 2 && absl::ascii_isalpha(p[0]) && p[1] == ':') {
    if (absl::ascii_tolower(p[0]) != 'c') {
      return absl::InvalidArgumentError(absl::StrCat(
          "path \"", path, "\": only drive C: exists in an image"));
    }
    p = p.substr(2);  // "C:app" is relative to the working directory on C:
  }
  if (!p.empty() && p[0] == '/') absolute = true;
  if (p.find('\0') != std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("path \"", path, "\": contains a NUL character"));
  }
  std::vector<std::string> parts;
  if (!absolute) {
    for (absl::string_view part :
         absl::StrSplit(workdir, '/', absl::SkipEmpty()))
      parts.emplace_back(part);
  }
  for (absl::string_view part : absl::StrSplit(p, '/', absl::SkipEmpty())) {
    if (part == ".") continue;
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    for (char c : part) {
      if (c == ':' || c == '*' || c == '?' || c == '"' || c == '<' ||
          c == '>' || c == '|' || static_cast<unsigned char>(c) < 32) {
        return absl::InvalidArgumentError(
            absl::StrCat("path \"", path, "\": \"", part,
                         "\" is not a valid Windows file name"));
      }
    }
    parts.emplace_back(part);
  }
  return absl::StrCat("/", absl::StrJoin(parts, "/"));
}

std::string WindowsPath(absl::string_view image_path) {
  return absl::StrCat("C:", absl::StrReplaceAll(image_path, {{"/", "\\"}}));
}

std::string LayerPath(absl::string_view image_path) {
  if (image_path == "/" || image_path.empty()) return "Files";
  return absl::StrCat("Files", image_path);
}

bool EndsWithSeparator(absl::string_view path) {
  return !path.empty() && (path.back() == '/' || path.back() == '\\');
}

}  // namespace hpc::dockerfile
