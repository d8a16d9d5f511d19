// A progress line per blob on a terminal: digest, bytes sent of the total,
// rate. Prints nothing when standard error is not a terminal.
#ifndef HPC_IMPORTER_CLI_PROGRESS_H_
#define HPC_IMPORTER_CLI_PROGRESS_H_

#include <string>

#include "absl/time/time.h"
#include "importer/containerd/content_client.h"

namespace hpc::cli {

class TerminalProgress {
 public:
  // Whether standard error is a terminal.
  static bool Available();

  // A callback for containerd::PutBlob; `this` must outlive it.
  containerd::Progress Callback();

 private:
  void Update(const oci::Descriptor& blob, int64_t sent);

  std::string current_;
  absl::Time started_;
  absl::Time last_draw_;
};

// "12.3 MiB"
std::string FormatBytes(double bytes);

}  // namespace hpc::cli

#endif  // HPC_IMPORTER_CLI_PROGRESS_H_
