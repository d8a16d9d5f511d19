// Dockerfiles: directives, continuations, flags, JSON form, and the
// variable expansion and KEY=VALUE parsing applied to every instruction.
#include <cstddef>
#include <cstdint>
#include <string>

#include "importer/build/dockerfile.h"
#include "importer/build/windows_path.h"
#include "importer/build/word_expansion.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  auto file = hpc::build::ParseDockerfile(text, "Dockerfile");
  if (!file.ok()) return 0;
  hpc::build::Variables variables = {{"A", "x"}, {"PATH", "C:\\bin"}};
  for (const auto& in : file->instructions) {
    auto words = hpc::build::ExpandWords(in.arguments, variables, file->escape);
    if (words.ok()) {
      for (const std::string& w : *words) {
        (void)hpc::build::ResolveImagePath(w, "/app");
      }
    }
    (void)hpc::build::ParseKeyValues(in.arguments, variables, file->escape,
                                     true, false);
    (void)hpc::build::ParseKeyValues(in.arguments, variables, file->escape,
                                     false, true);
  }
  return 0;
}
