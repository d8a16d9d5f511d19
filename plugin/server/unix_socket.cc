#include "plugin/server/unix_socket.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "importer/log/log.h"
#include "plugin/store/file_system.h"

namespace hpc::server {

bool SocketAcceptsConnections(const std::string& path) {
  sockaddr_un addr{};
  if (path.size() >= sizeof(addr.sun_path)) return false;
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  bool ok =
      ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

absl::Status PrepareSocketPath(const std::string& path) {
  if (path.empty() || path[0] != '/') {
    return absl::InvalidArgumentError(
        absl::StrCat("socket address \"", path, "\" must be an absolute path"));
  }
  if (path.size() >= sizeof(sockaddr_un{}.sun_path)) {
    return absl::InvalidArgumentError(
        absl::StrCat("socket address \"", path, "\" is longer than the ",
                     sizeof(sockaddr_un{}.sun_path) - 1,
                     " bytes a unix socket path may have"));
  }
  std::string parent = path.substr(0, path.find_last_of('/'));
  if (!parent.empty()) {
    if (absl::Status s =
            store::MakeDirs(*store::DefaultFileSystem(), parent, 0711);
        !s.ok()) {
      return s;
    }
  }
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return absl::OkStatus();
    return store::ErrnoStatus(errno, "stat", path);
  }
  if (!S_ISSOCK(st.st_mode)) {
    return absl::FailedPreconditionError(absl::StrCat(
        path,
        " exists and is not a socket; remove it or choose another --address"));
  }
  if (SocketAcceptsConnections(path)) {
    return absl::AlreadyExistsError(
        absl::StrCat("another process is serving on ", path,
                     "; stop it or choose another --address"));
  }
  log::Info("removing stale socket %s", path);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return store::ErrnoStatus(errno, "remove stale socket", path);
  }
  return absl::OkStatus();
}

}  // namespace hpc::server
