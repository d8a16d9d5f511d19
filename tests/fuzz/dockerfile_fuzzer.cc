// Dockerfiles: directives, continuations, flags, JSON form, and the
// variable expansion and KEY=VALUE parsing applied to every instruction.
#include <cstddef>
#include <cstdint>
#include <string>

#include "importer/dockerfile/dockerfile.h"
#include "importer/dockerfile/windows_path.h"
#include "importer/dockerfile/word_expansion.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  auto file = hpc::dockerfile::ParseDockerfile(text, "Dockerfile");
  if (!file.ok()) return 0;
  hpc::dockerfile::Variables variables = {{"A", "x"}, {"PATH", "C:\\bin"}};
  for (const auto& in : file->instructions) {
    auto words = hpc::dockerfile::ExpandWords(in.arguments, variables, file->escape);
    if (words.ok()) {
      for (const std::string& w : *words) {
        (void)hpc::dockerfile::ResolveImagePath(w, "/app");
      }
    }
    (void)hpc::dockerfile::ParseKeyValues(in.arguments, variables, file->escape,
                                     true, false);
    (void)hpc::dockerfile::ParseKeyValues(in.arguments, variables, file->escape,
                                     false, true);
  }
  return 0;
}
