#include "importer/cli/exit_status.h"

#include <iostream>

namespace hpc::cli {

int ReportError(absl::string_view program, const absl::Status& status) {
  if (status.ok()) return kExitOk;
  std::cerr << program << ": " << status.message() << "\n";
  return status.code() == absl::StatusCode::kInvalidArgument ? kExitUsage
                                                             : kExitFailure;
}

}  // namespace hpc::cli
