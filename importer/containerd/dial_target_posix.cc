#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "importer/containerd/dial_target.h"

namespace hpc::containerd {

namespace {

class UnixSocketTarget final : public DialTarget {
 public:
  explicit UnixSocketTarget(std::string path) : path_(std::move(path)) {}
  std::string grpc_target() const override {
    return absl::StrCat("unix:", path_);
  }

 private:
  std::string path_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<DialTarget>> OpenDialTarget(
    const std::string& address) {
  struct stat st;
  if (::stat(address.c_str(), &st) != 0) {
    return absl::UnavailableError(std::strerror(errno));
  }
  if (!S_ISSOCK(st.st_mode)) {
    return absl::UnavailableError("it is not a unix socket");
  }
  // A socket nobody listens on (left by a daemon that died, or bound a
  // moment before its daemon listens) refuses at once; say so now rather
  // than after gRPC's connection attempts have run out.
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  if (address.size() < sizeof(sa.sun_path)) {
    address.copy(sa.sun_path, address.size());
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0) {
      const bool refused = ::connect(fd, reinterpret_cast<const sockaddr*>(&sa),
                                     sizeof(sa)) != 0 &&
                           errno == ECONNREFUSED;
      ::close(fd);
      if (refused) {
        return absl::UnavailableError(
            "connection refused: the socket is there but nothing listens on "
            "it");
      }
    }
  }
  return std::make_unique<UnixSocketTarget>(address);
}

std::string DefaultContainerdAddress() {
  return "/run/containerd/containerd.sock";
}

}  // namespace hpc::containerd
