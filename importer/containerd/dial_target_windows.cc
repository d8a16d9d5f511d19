#include "absl/strings/str_cat.h"
#include "importer/containerd/dial_target.h"
#include "importer/containerd/pipe_bridge.h"
#include "importer/windows/pipe_name.h"

namespace hpc::containerd {

namespace {

class PipeTarget final : public DialTarget {
 public:
  explicit PipeTarget(std::unique_ptr<PipeBridge> bridge)
      : bridge_(std::move(bridge)) {}
  std::string grpc_target() const override {
    return absl::StrCat("127.0.0.1:", bridge_->port());
  }

 private:
  std::unique_ptr<PipeBridge> bridge_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<DialTarget>> OpenDialTarget(
    const std::string& address) {
  auto name = windows::PipeName(address);
  if (!name.ok()) return name.status();
  auto bridge = PipeBridge::Start(*name);
  if (!bridge.ok()) return bridge.status();
  return std::make_unique<PipeTarget>(std::move(*bridge));
}

std::string DefaultContainerdAddress() {
  return "\\\\.\\pipe\\containerd-containerd";
}

}  // namespace hpc::containerd
