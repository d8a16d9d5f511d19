// The one place where errors become what a command-line user sees: a
// message on standard error and an exit code (2 for a wrong invocation or
// input, 1 for anything else; 3 when `hpcimg explain` finds that a pull or
// import fails).
#ifndef HPC_IMPORTER_CLI_EXIT_STATUS_H_
#define HPC_IMPORTER_CLI_EXIT_STATUS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace hpc::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitExplainFails = 3;

// Prints "<program>: <message>" and returns the exit code for `status`.
int ReportError(absl::string_view program, const absl::Status& status);

}  // namespace hpc::cli

#endif  // HPC_IMPORTER_CLI_EXIT_STATUS_H_
