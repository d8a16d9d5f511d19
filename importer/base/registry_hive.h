// A minimal Windows registry hive file, written from scratch.
//
// The file is a 4096-byte base block followed by one 4096-byte hive bin
// holding the root key (nk cell), its security descriptor (sk cell) and one
// free cell for the rest of the bin: the smallest hive Windows accepts when
// it validates a base layer's hives. Same options, same bytes.
#ifndef HPC_IMPORTER_BASE_REGISTRY_HIVE_H_
#define HPC_IMPORTER_BASE_REGISTRY_HIVE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace hpc::base {

inline constexpr size_t kHiveBlockSize = 4096;

struct HiveOptions {
  std::string root_name;  // name of the root key, e.g. "SYSTEM"
  absl::Time timestamp;   // last-written time of the hive and its root key
};

// The longest root key name a minimal hive holds (the registry's limit for
// a key name).
inline constexpr size_t kMaxKeyNameLength = 255;

// The bytes of a minimal hive: 8192 bytes. The root name must be 1 to 255
// printable ASCII characters other than '\' (it is stored as a compressed,
// one-byte-per-character name); InvalidArgument otherwise.
absl::StatusOr<std::string> WriteMinimalHive(const HiveOptions& options);

// The base block checksum: XOR of its first 127 little-endian dwords, with
// 0 written as 1 and 0xFFFFFFFF as 0xFFFFFFFE.
uint32_t HiveChecksum(absl::string_view base_block);

// A Windows FILETIME: 100 ns ticks since 1601-01-01 UTC.
uint64_t ToFileTime(absl::Time t);

// The self-relative security descriptor given to the root key: owner
// BUILTIN\Administrators, group SYSTEM, and a protected DACL that gives
// SYSTEM and Administrators full control and Users read access, inherited
// by subkeys.
std::string RootKeySecurityDescriptor();

}  // namespace hpc::base

#endif  // HPC_IMPORTER_BASE_REGISTRY_HIVE_H_
