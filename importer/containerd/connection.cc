#include "importer/containerd/connection.h"

#include <grpc/impl/codegen/grpc_types.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include "absl/strings/str_cat.h"

namespace hpc::containerd {

absl::StatusOr<std::unique_ptr<Connection>> Connection::Dial(
    const std::string& address, const std::string& ns, absl::Duration timeout) {
  if (ns.empty())
    return absl::InvalidArgumentError("containerd namespace must not be empty");
  auto target = OpenDialTarget(address);
  if (!target.ok()) {
    return absl::UnavailableError(
        absl::StrCat("containerd does not answer on ", address, ": ",
                     target.status().message(),
                     "; is it running? (--address sets its address)"));
  }
  std::unique_ptr<Connection> c(new Connection());
  c->target_ = std::move(*target);
  c->address_ = address;
  c->namespace_ = ns;
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(16 << 20);
  args.SetMaxSendMessageSize(16 << 20);
  // Reconnect quickly: a socket is bound a moment before containerd listens
  // on it, and a caller that dials in between should be answered within
  // milliseconds of containerd serving, not after gRPC's usual second.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 10);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 10);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  c->channel_ = grpc::CreateCustomChannel(
      c->target_->grpc_target(), grpc::InsecureChannelCredentials(), args);
  if (!c->channel_->WaitForConnected(
          absl::ToChronoTime(absl::Now() + timeout))) {
    return absl::UnavailableError(
        absl::StrCat("containerd does not answer on ", address,
                     "; is it running? (--address sets its address)"));
  }
  return c;
}

std::unique_ptr<grpc::ClientContext> Connection::Context(
    absl::Duration timeout) const {
  auto context = std::make_unique<grpc::ClientContext>();
  context->AddMetadata("containerd-namespace", namespace_);
  if (!lease_.empty()) context->AddMetadata("containerd-lease", lease_);
  context->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  return context;
}

absl::Status Connection::Error(const grpc::Status& status,
                               absl::string_view call) const {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(
      static_cast<absl::StatusCode>(status.error_code()),
      absl::StrCat("containerd (", address_, ", namespace ", namespace_,
                   "): ", call, ": ", status.error_message()));
}

}  // namespace hpc::containerd
