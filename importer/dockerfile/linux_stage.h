// A Linux build stage of a Dockerfile: the root file system of its FROM
// image, applied into a private directory under the build's scratch
// directory (importer/rootfs), where RUN executes through runc
// (importer/runtime), COPY and ADD write, and from which a Windows stage's
// COPY --from takes files. Nothing of it outlives the build: the
// destructor removes the root. Linux only; elsewhere Create refuses.
#ifndef HPC_IMPORTER_DOCKERFILE_LINUX_STAGE_H_
#define HPC_IMPORTER_DOCKERFILE_LINUX_STAGE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "importer/archive/archive_reader.h"
#include "importer/dockerfile/file_tree.h"
#include "importer/image/image_source.h"
#include "importer/oci/descriptor.h"

namespace hpc::runtime {
class Interrupt;
}

namespace hpc::dockerfile {

struct LinuxStageOptions {
  std::string scratch_dir;  // the root goes in a new directory here
  archive::ArchiveLimits limits;
  bool network_host = true;  // RUN --network: host, or none
  std::string runtime = "runc";
  const runtime::Interrupt* interrupt = nullptr;  // stops a RUN, an apply
};

// One RUN: exec form, or the shell form already wrapped in SHELL.
struct RunCommand {
  std::vector<std::string> args;
  std::vector<std::string> env;  // KEY=VALUE: ENV, then ARGs
  std::string workdir = "/";
  std::string user;  // USER as written; resolved in the stage's root
  std::optional<bool> network_host;  // RUN --network; else the stage's
};

class LinuxStage {
 public:
  // A root with `layers` of `source` applied, in order.
  static absl::StatusOr<std::unique_ptr<LinuxStage>> Create(
      image::ImageSource* source, const std::vector<oci::Descriptor>& layers,
      const LinuxStageOptions& options);
  // A root that starts as a copy of `parent`'s (FROM an earlier stage).
  static absl::StatusOr<std::unique_ptr<LinuxStage>> CopyOf(
      const LinuxStage& parent, const LinuxStageOptions& options);
  virtual ~LinuxStage() = default;

  // Writes `files` (by path in the root) into the root: directories made,
  // files copied from their host paths, links made; owners as given
  // (COPY --chown), else root.
  virtual absl::Status AddFiles(const FileTree& files, int64_t uid,
                                int64_t gid) = 0;
  // WORKDIR: makes the directory when it is not there.
  virtual absl::Status MakeDirectory(const std::string& path) = 0;
  // Whether `path` is a directory in the root.
  virtual bool IsDirectory(const std::string& path) const = 0;
  // What a COPY --from source pattern matches in the root (globs in any
  // component), each with what it holds.
  virtual absl::StatusOr<std::vector<SourceMatch>> Match(
      const std::string& pattern, absl::string_view what) const = 0;
  // Resolves USER "name[:group]" in the root: uid and gid.
  virtual absl::StatusOr<std::pair<int64_t, int64_t>> ResolveOwner(
      const std::string& user) const = 0;
  // Runs `command` in the root; `output` gets each line. The exit code, or
  // Cancelled when interrupted.
  virtual absl::StatusOr<int> Run(
      const RunCommand& command,
      const std::function<void(absl::string_view)>& output) = 0;

  virtual const std::string& root_path() const = 0;
};

}  // namespace hpc::dockerfile

#endif  // HPC_IMPORTER_DOCKERFILE_LINUX_STAGE_H_
