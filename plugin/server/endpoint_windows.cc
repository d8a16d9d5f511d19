// The plugin's endpoint on Windows: a named pipe, relayed by the pipe front
// to gRPC on an ephemeral loopback port that serves only the front.
#include "importer/log/log.h"
#include "importer/windows/pipe_name.h"
#include "plugin/server/endpoint.h"
#include "plugin/server/pipe_front.h"

namespace hpc::server {

namespace {

class NamedPipeEndpoint final : public Endpoint {
 public:
  NamedPipeEndpoint(std::string name, std::unique_ptr<PipeFront> front)
      : Endpoint(std::move(name)), front_(std::move(front)) {}

  std::string grpc_address() const override { return "127.0.0.1:0"; }
  int* selected_port() override { return &port_; }

  absl::Status Listening() override {
    if (port_ <= 0) {
      return absl::UnavailableError(
          "gRPC did not listen on a loopback port behind the pipe");
    }
    front_->Serve(port_);
    log::Info("gRPC listens on 127.0.0.1:%d for the pipe %s alone", port_,
              address());
    return absl::OkStatus();
  }

  const PeerFilter* peers() const override { return front_.get(); }
  void Close() override { front_->Stop(); }

 private:
  std::unique_ptr<PipeFront> front_;
  int port_ = 0;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Endpoint>> Endpoint::Prepare(
    const std::string& address) {
  auto name = windows::PipeName(address);
  if (!name.ok()) return name.status();
  auto front = PipeFront::Create(*name);
  if (!front.ok()) return front.status();
  return std::make_unique<NamedPipeEndpoint>(*name, std::move(*front));
}

std::string DefaultEndpointAddress() { return "\\\\.\\pipe\\hpc-content"; }

}  // namespace hpc::server
