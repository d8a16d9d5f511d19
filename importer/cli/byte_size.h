// Sizes on the command line: 1048576, 512KiB, 64MiB, 10GiB, 1TiB (also
// K, M, G, T and KB, MB, GB, TB, all powers of 1024).
#ifndef HPC_IMPORTER_CLI_BYTE_SIZE_H_
#define HPC_IMPORTER_CLI_BYTE_SIZE_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace hpc::cli {

// `flag` names the flag in errors.
absl::StatusOr<int64_t> ParseByteSize(absl::string_view text,
                                      absl::string_view flag);

}  // namespace hpc::cli

#endif  // HPC_IMPORTER_CLI_BYTE_SIZE_H_
