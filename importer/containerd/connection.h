// A connection to containerd's gRPC API at its address, and the request
// metadata every call carries: the namespace (containerd-namespace) and,
// while one is held, the lease (containerd-lease) that keeps new content and
// snapshots from being garbage collected before an image points at them.
#ifndef HPC_IMPORTER_CONTAINERD_CONNECTION_H_
#define HPC_IMPORTER_CONTAINERD_CONNECTION_H_

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "importer/containerd/dial_target.h"

namespace hpc::containerd {

inline constexpr char kDefaultNamespace[] = "k8s.io";

class Connection {
 public:
  // Connects to `address` (a unix socket; a named pipe on Windows; see
  // dial_target.h); Unavailable, naming the address,
  // when nothing answers within `timeout`.
  static absl::StatusOr<std::unique_ptr<Connection>> Dial(
      const std::string& address, const std::string& ns,
      absl::Duration timeout);

  const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }
  const std::string& address() const { return address_; }
  const std::string& ns() const { return namespace_; }

  // The lease later calls carry; empty for none.
  void set_lease(std::string lease) { lease_ = std::move(lease); }
  const std::string& lease() const { return lease_; }

  // A context for one call, with namespace, lease and a deadline.
  std::unique_ptr<grpc::ClientContext> Context(
      absl::Duration timeout = absl::Minutes(5)) const;

  // `status` of a call as an absl::Status whose message says which call
  // failed against which containerd.
  absl::Status Error(const grpc::Status& status, absl::string_view call) const;

 private:
  Connection() = default;
  std::unique_ptr<DialTarget> target_;  // outlives channel_
  std::shared_ptr<grpc::Channel> channel_;
  std::string address_;
  std::string namespace_;
  std::string lease_;
};

}  // namespace hpc::containerd

#endif  // HPC_IMPORTER_CONTAINERD_CONNECTION_H_
