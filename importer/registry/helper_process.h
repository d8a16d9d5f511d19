// Running a docker credential helper as a child process: what it was
// given on stdin, what it printed on stdout, and how it ended. One file
// per system (helper_process_posix.cc, helper_process_windows.cc).
#ifndef HPC_IMPORTER_REGISTRY_HELPER_PROCESS_H_
#define HPC_IMPORTER_REGISTRY_HELPER_PROCESS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace hpc::registry {

struct HelperExit {
  bool exited_zero = false;
  std::string output;  // stdout, at most 1 MiB
};

// Runs `program` (looked up on PATH) with the one argument `argument`,
// writes `input` to its stdin and reads its stdout to the end. NotFound
// when the program is not on PATH; Unavailable when it cannot be started.
absl::StatusOr<HelperExit> RunHelperProcess(const std::string& program,
                                            const std::string& argument,
                                            const std::string& input);

}  // namespace hpc::registry

#endif  // HPC_IMPORTER_REGISTRY_HELPER_PROCESS_H_
