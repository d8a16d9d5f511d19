// systemd's notify protocol, as a Type=notify unit sees it: the plugin, run
// with NOTIFY_SOCKET set, sends READY=1 only once its socket serves, and
// STOPPING=1 when asked to stop.
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/temp_dir.h"

namespace hpc::testing {
namespace {

using ::testing::HasSubstr;

// A datagram socket in the place of systemd's notify socket.
class NotifySocket {
 public:
  explicit NotifySocket(const std::string& path) : path_(path) {
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    path.copy(address.sun_path, sizeof(address.sun_path) - 1);
    bound_ = fd_ >= 0 && bind(fd_, reinterpret_cast<sockaddr*>(&address),
                              sizeof(address)) == 0;
    timeval wait{10, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof(wait));
  }
  ~NotifySocket() {
    if (fd_ >= 0) close(fd_);
  }
  bool bound() const { return bound_; }
  // The next message, or "" after 10 s.
  std::string Receive() {
    char buffer[4096];
    ssize_t n = recv(fd_, buffer, sizeof(buffer), 0);
    return n > 0 ? std::string(buffer, n) : "";
  }

 private:
  std::string path_;
  int fd_ = -1;
  bool bound_ = false;
};

TEST(ReadinessTest, ReadyOnlyOnceServingAndStoppingOnStop) {
  TempDir dir;
  NotifySocket notify(dir.Join("notify.sock"));
  ASSERT_TRUE(notify.bound());
  const std::string socket = dir.Join("content.sock");
  Subprocess plugin({"env", "NOTIFY_SOCKET=" + dir.Join("notify.sock"),
                     HPC_BIN_DIR "/hpc-content-plugin", "--root",
                     dir.Join("store"), "--address", socket},
                    dir.Join("plugin.log"));
  std::string ready = notify.Receive();
  EXPECT_THAT(ready, HasSubstr("READY=1"))
      << ReadFileOrDie(dir.Join("plugin.log"));
  // When READY=1 arrives, the socket already accepts: one try, no wait.
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  socket.copy(address.sun_path, sizeof(address.sun_path) - 1);
  EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)),
            0);
  close(fd);
  EXPECT_EQ(plugin.Stop(SIGTERM), 0);
  EXPECT_THAT(notify.Receive(), HasSubstr("STOPPING=1"));
}

}  // namespace
}  // namespace hpc::testing
