// What OpenDialTarget says of a unix socket address before gRPC dials it.
#include "importer/containerd/dial_target.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace hpc::containerd {
namespace {

class DialTargetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("dial_target_test." + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    if (fd_ >= 0) ::close(fd_);
    std::filesystem::remove_all(dir_);
  }
  // A socket bound at `path`, listening when `listen` is set.
  std::string Bind(const std::string& name, bool listen) {
    std::string path = (dir_ / name).string();
    fd_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    path.copy(sa.sun_path, sizeof(sa.sun_path) - 1);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)), 0);
    if (listen) {
      EXPECT_EQ(::listen(fd_, 4), 0);
    }
    return path;
  }

  std::filesystem::path dir_;
  int fd_ = -1;
};

TEST_F(DialTargetTest, ListeningSocketIsDialledAsUnixTarget) {
  std::string path = Bind("listening.sock", true);
  auto target = OpenDialTarget(path);
  ASSERT_TRUE(target.ok()) << target.status();
  EXPECT_EQ((*target)->grpc_target(), "unix:" + path);
}

TEST_F(DialTargetTest, BoundSocketNobodyListensOnIsRefused) {
  std::string path = Bind("bound.sock", false);
  auto target = OpenDialTarget(path);
  ASSERT_TRUE(absl::IsUnavailable(target.status())) << target.status();
  EXPECT_NE(target.status().message().find("connection refused"),
            std::string::npos)
      << target.status();
}

TEST_F(DialTargetTest, MissingSocketIsUnavailable) {
  auto target = OpenDialTarget((dir_ / "absent.sock").string());
  ASSERT_TRUE(absl::IsUnavailable(target.status())) << target.status();
  EXPECT_NE(target.status().message().find("No such file"), std::string::npos)
      << target.status();
}

TEST_F(DialTargetTest, RegularFileIsNotASocket) {
  std::string path = (dir_ / "file").string();
  std::ofstream(path) << "not a socket";
  auto target = OpenDialTarget(path);
  ASSERT_TRUE(absl::IsUnavailable(target.status())) << target.status();
  EXPECT_EQ(target.status().message(), "it is not a unix socket");
}

}  // namespace
}  // namespace hpc::containerd
