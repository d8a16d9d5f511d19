#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "importer/log/log.h"
#include "plugin/inject/folder_watch.h"

namespace hpc::inject {
namespace {

class InotifyWatch final : public FolderWatch {
 public:
  explicit InotifyWatch(int fd) : fd_(fd) {}
  ~InotifyWatch() override { ::close(fd_); }
  void Wait(absl::Duration timeout) override {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(absl::ToInt64Milliseconds(timeout))) >
        0) {
      // What changed does not matter: the folder is scanned again.
      char events[16 << 10];
      while (::read(fd_, events, sizeof(events)) > 0) {
      }
    }
  }

 private:
  const int fd_;
};

}  // namespace

std::unique_ptr<FolderWatch> FolderWatch::TryOpen(const std::string& dir) {
  int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd >= 0 &&
      ::inotify_add_watch(fd, dir.c_str(),
                          IN_CLOSE_WRITE | IN_CREATE | IN_MODIFY | IN_ATTRIB |
                              IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE) >= 0) {
    return std::make_unique<InotifyWatch>(fd);
  }
  if (fd >= 0) ::close(fd);
  return nullptr;
}

std::unique_ptr<FolderWatch> FolderWatch::Open(const std::string& dir) {
  if (auto watch = TryOpen(dir)) return watch;
  log::Warn(
      "preload: cannot watch %s with inotify; rescanning it every few "
      "seconds instead",
      dir);
  return Timed();
}

}  // namespace hpc::inject
