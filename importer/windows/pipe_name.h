// Named pipe addresses as containerd writes them.
#ifndef HPC_IMPORTER_WINDOWS_PIPE_NAME_H_
#define HPC_IMPORTER_WINDOWS_PIPE_NAME_H_

#include <string>

#include "absl/status/statusor.h"

namespace hpc::windows {

// \\.\pipe\NAME (any case) as it is; npipe://./pipe/NAME, which containerd
// also takes, as \\.\pipe\NAME. InvalidArgument, naming `address`, for
// anything else.
absl::StatusOr<std::string> PipeName(const std::string& address);

}  // namespace hpc::windows

#endif  // HPC_IMPORTER_WINDOWS_PIPE_NAME_H_
