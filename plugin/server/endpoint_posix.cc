// The plugin's endpoint on Linux: a unix socket, mode 0660.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "absl/strings/str_cat.h"
#include "plugin/server/endpoint.h"
#include "plugin/server/unix_socket.h"
#include "plugin/store/file_system.h"

namespace hpc::server {

namespace {

class UnixSocketEndpoint final : public Endpoint {
 public:
  explicit UnixSocketEndpoint(std::string path) : Endpoint(std::move(path)) {}

  std::string grpc_address() const override {
    return absl::StrCat("unix:", address());
  }

  // The socket is created by bind(2) inside gRPC's start; the umask makes
  // it 0660 from its first moment rather than after a chmod.
  void BeforeListen() override { old_mask_ = ::umask(0117); }

  absl::Status Listening() override {
    ::umask(old_mask_);
    if (::chmod(address().c_str(), 0660) != 0) {
      return store::ErrnoStatus(errno, "chmod", address());
    }
    return absl::OkStatus();
  }

  void Close() override { ::unlink(address().c_str()); }

 private:
  mode_t old_mask_ = 0;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Endpoint>> Endpoint::Prepare(
    const std::string& address) {
  if (absl::Status s = PrepareSocketPath(address); !s.ok()) return s;
  return std::make_unique<UnixSocketEndpoint>(address);
}

std::string DefaultEndpointAddress() { return "/run/hpc-content/content.sock"; }

}  // namespace hpc::server
