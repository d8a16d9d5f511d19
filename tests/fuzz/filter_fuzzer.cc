// containerd filter expressions from clients, matched against a blob's
// fields and labels.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "plugin/store/filter.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto filter = hpc::store::Filter::Parse(text);
  if (!filter.ok()) return 0;
  auto adaptor =
      [](const std::vector<std::string>& path) -> std::optional<std::string> {
    if (path.size() == 1 && path[0] == "digest") return "sha256:abc";
    if (path.size() == 1 && path[0] == "size") return "42";
    if (path.size() == 2 && path[0] == "labels" &&
        path[1] == "containerd.io/gc.root") {
      return "2026-11-28T00:00:00Z";
    }
    return std::nullopt;
  };
  (void)filter->Match(adaptor);
  return 0;
}
