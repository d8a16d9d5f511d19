#include "plugin/inject/preload_list.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "importer/registry/registry_reference.h"

namespace hpc::inject {

PreloadList ParsePreloadList(absl::string_view path, absl::string_view text) {
  PreloadList list;
  std::set<std::string> seen;
  int number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || absl::StartsWith(line, "#")) continue;
    std::vector<absl::string_view> words =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    auto problem = [&](absl::string_view what) {
      list.problems.push_back(absl::StrCat(path, ":", number, ": ", what));
    };
    absl::string_view reference = words[0];
    absl::ConsumePrefix(&reference, "docker://");
    auto parsed = registry::RegistryReference::Parse(reference);
    if (!parsed.ok()) {
      problem(parsed.status().message());
      continue;
    }
    ListedImage image;
    image.line = number;
    bool bad_option = false;
    for (size_t i = 1; i < words.size(); ++i) {
      if (words[i] == "--keep-index") {
        image.keep_index = true;
      } else {
        problem(absl::StrCat("\"", words[i], "\" after the reference: the only "
                             "option a line takes is --keep-index"));
        bad_option = true;
        break;
      }
    }
    if (bad_option) continue;
    image.reference = parsed->ToString();
    if (!seen.insert(image.reference).second) continue;
    list.images.push_back(std::move(image));
  }
  return list;
}

}  // namespace hpc::inject
