#include <sys/stat.h>

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
  return std::make_unique<UnixSocketTarget>(address);
}

std::string DefaultContainerdAddress() {
  return "/run/containerd/containerd.sock";
}

}  // namespace hpc::containerd
