#include "importer/dockerfile/dockerignore.h"

#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "importer/dockerfile/path_pattern.h"

namespace hpc::dockerfile {
namespace {

// A pattern made relative and clean: no leading '/', no "." components,
// ".." dropped where it would climb out of the context.
std::string CleanPattern(absl::string_view pattern) {
  std::vector<std::string> parts;
  for (absl::string_view part :
       absl::StrSplit(pattern, '/', absl::SkipEmpty())) {
    if (part == ".") continue;
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    parts.emplace_back(part);
  }
  return absl::StrJoin(parts, "/");
}

}  // namespace

DockerIgnore DockerIgnore::Parse(absl::string_view text) {
  DockerIgnore ignore;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || absl::StartsWith(line, "#")) continue;
    Pattern p;
    if (absl::ConsumePrefix(&line, "!")) {
      p.exception = true;
      line = absl::StripLeadingAsciiWhitespace(line);
    }
    p.glob = CleanPattern(line);
    if (p.glob.empty()) continue;
    ignore.patterns_.push_back(std::move(p));
  }
  return ignore;
}

bool DockerIgnore::Excluded(absl::string_view path) const {
  bool excluded = false;
  std::vector<absl::string_view> parts =
      absl::StrSplit(path, '/', absl::SkipEmpty());
  for (const Pattern& p : patterns_) {
    bool match = PathMatch(p.glob, path);
    // A pattern that matches a parent directory covers what is inside it.
    std::string parent;
    for (size_t i = 0; !match && i + 1 < parts.size(); ++i) {
      if (i > 0) parent += '/';
      parent.append(parts[i].data(), parts[i].size());
      match = PathMatch(p.glob, parent);
    }
    if (match) excluded = !p.exception;
  }
  return excluded;
}

}  // namespace hpc::dockerfile
