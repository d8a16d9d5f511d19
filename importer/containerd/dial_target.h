// What a gRPC channel dials to reach containerd (or the plugin) at an
// address: unix:PATH on Linux; on Windows, where gRPC C++ dials only TCP and
// containerd listens only on named pipes, a loopback port that a bridge in
// this process relays to the pipe (see pipe_bridge.h). One file per system.
#ifndef HPC_IMPORTER_CONTAINERD_DIAL_TARGET_H_
#define HPC_IMPORTER_CONTAINERD_DIAL_TARGET_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace hpc::containerd {

class DialTarget {
 public:
  virtual ~DialTarget() = default;
  // The gRPC target; valid while this object lives.
  virtual std::string grpc_target() const = 0;
};

// Unavailable, saying why, when nothing is there to dial.
absl::StatusOr<std::unique_ptr<DialTarget>> OpenDialTarget(
    const std::string& address);

// containerd's own address on this system.
std::string DefaultContainerdAddress();

}  // namespace hpc::containerd

#endif  // HPC_IMPORTER_CONTAINERD_DIAL_TARGET_H_
