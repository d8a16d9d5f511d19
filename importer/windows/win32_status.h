// Win32 error codes as absl::Status, in the same codes ErrnoStatus gives
// errno values on Linux, so callers test absl::IsNotFound and friends alike
// on both systems.
#ifndef HPC_IMPORTER_WINDOWS_WIN32_STATUS_H_
#define HPC_IMPORTER_WINDOWS_WIN32_STATUS_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace hpc::windows {

// "<what> <subject>: <the system's message> (error <code>)".
absl::Status Win32Status(uint32_t error, absl::string_view what,
                         absl::string_view subject);

// The system's text for `error`, without a trailing newline.
std::string Win32Message(uint32_t error);

}  // namespace hpc::windows

namespace hpc::store {
using hpc::windows::Win32Status;
}  // namespace hpc::store

#endif  // HPC_IMPORTER_WINDOWS_WIN32_STATUS_H_
