// Runs one command of a build stage in its root file system through runc's
// CLI, as BuildKit's OCI worker does: a bundle (config.json from
// runtime_spec.h) and runc's state live under a work directory of the
// caller's; `runc run` in the foreground, its output (stdout and stderr
// together) handed over line by line; then `runc delete --force`, so no
// container, cgroup or state remains, whether the command ends, fails or
// is interrupted (an Interrupt kills the container first).
#ifndef HPC_IMPORTER_RUNTIME_RUNC_H_
#define HPC_IMPORTER_RUNTIME_RUNC_H_

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "importer/runtime/interrupt.h"
#include "importer/runtime/runtime_spec.h"

namespace hpc::runtime {

class Runc {
 public:
  // `binary` ("runc", or a path) found in PATH; root is needed. The errors
  // say how to get there.
  static absl::StatusOr<Runc> Find(const std::string& binary = "runc");

  const std::string& binary() const { return binary_; }

  using LineSink = std::function<void(absl::string_view line)>;

  // Runs `spec` in the root file system at `rootfs`, with its bundle and
  // state under `work_dir` (which must exist). The command's exit code;
  // Cancelled when `interrupt` asked to stop.
  absl::StatusOr<int> Run(const std::string& rootfs,
                          const std::string& work_dir, const RunSpec& spec,
                          const LineSink& output,
                          const Interrupt* interrupt) const;

 private:
  explicit Runc(std::string binary) : binary_(std::move(binary)) {}
  std::string binary_;
};

}  // namespace hpc::runtime

#endif  // HPC_IMPORTER_RUNTIME_RUNC_H_
