// Hive writing, round-tripped through an independent reader (hivex): any
// root key name the writer accepts must give a hive hivex opens, whose root
// key has that name.
#include <hivex.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "importer/base/registry_hive.h"
#include "tests/fuzz/memory_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 8) return 0;
  int64_t seconds = 0;
  std::memcpy(&seconds, data, sizeof(seconds));
  hpc::base::HiveOptions options;
  options.root_name.assign(reinterpret_cast<const char*>(data + 8), size - 8);
  // Any time from 1601 (FILETIME's epoch) to 30828.
  options.timestamp =
      absl::FromUnixSeconds(seconds % 900000000000LL - 11644473600LL);
  auto hive = hpc::base::WriteMinimalHive(options);
  if (!hive.ok()) return 0;
  hpc::fuzz::MemoryFile file(reinterpret_cast<const uint8_t*>(hive->data()),
                             hive->size());
  hive_h* h = hivex_open(file.path().c_str(), 0);
  if (h == nullptr) __builtin_trap();  // the writer made a hive hivex refuses
  char* name = hivex_node_name(h, hivex_root(h));
  if (name == nullptr || options.root_name != name) __builtin_trap();
  std::free(name);
  hivex_close(h);
  return 0;
}
