#include <algorithm>
// runc driven for real: a root file system of Debian's busybox-static, a
// command's output and exit code, and an interrupted RUN that leaves no
// container, state or process behind. Needs root and runc (CI has both).
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "importer/runtime/runc.h"
#include "tests/testing/temp_dir.h"

namespace hpc::runtime {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

class RuncTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(geteuid(), 0) << "runc needs root";
    ASSERT_TRUE(fs::exists("/bin/busybox")) << "apt install busybox-static";
    auto runc = Runc::Find();
    ASSERT_TRUE(runc.ok()) << runc.status();
    runc_.emplace(*runc);
    rootfs_ = dir_.Join("rootfs");
    fs::create_directories(rootfs_ + "/bin");
    fs::create_directories(rootfs_ + "/etc");
    fs::copy_file("/bin/busybox", rootfs_ + "/bin/busybox");
    for (const char* tool : {"sh", "echo", "sleep", "cat", "id", "ls", "touch"})
      fs::create_symlink("busybox", rootfs_ + "/bin/" + tool);
    work_ = dir_.Join("work");
    fs::create_directory(work_);
  }

  testing::TempDir dir_;
  std::optional<Runc> runc_;
  std::string rootfs_, work_;
};

TEST_F(RuncTest, OutputLinesAndExitCode) {
  RunSpec spec;
  spec.args = {"/bin/sh", "-c",
               "echo one; echo two >&2; id -u; touch /made; exit 3"};
  spec.env = {"GREETING=hi"};
  std::vector<std::string> lines;
  auto code = runc_->Run(
      rootfs_, work_, spec,
      [&](absl::string_view line) { lines.emplace_back(line); }, nullptr);
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 3);
  // runc run copies the container's standard output and error through a
  // pipe each: each keeps its order, not the order between them.
  EXPECT_THAT(lines, UnorderedElementsAre("one", "two", "0"));
  EXPECT_LT(std::find(lines.begin(), lines.end(), "one"),
            std::find(lines.begin(), lines.end(), "0"));
  EXPECT_TRUE(fs::exists(rootfs_ + "/made")) << "the root is written in place";
  // Nothing of the container is left: no bundle, no runc state.
  EXPECT_FALSE(fs::exists(work_ + "/bundle-0"));
  for (const auto& e : fs::directory_iterator(work_ + "/runc-state"))
    ADD_FAILURE() << "left behind: " << e.path();
}

TEST_F(RuncTest, EnvironmentUserAndNamespaces) {
  RunSpec spec;
  spec.args = {
      "/bin/sh", "-c",
      "echo $GREETING; id -u; id -g; cat /proc/1/cmdline | tr '\\0' ' '; echo; "
      "ls /dev/null /dev/zero /dev/urandom; hostname; pwd"};
  spec.env = {"GREETING=hi"};
  spec.user = {1234, 5678, {}};
  spec.cwd = "/etc";
  std::vector<std::string> lines;
  auto code = runc_->Run(
      rootfs_, work_, spec,
      [&](absl::string_view line) { lines.emplace_back(line); }, nullptr);
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0) << ::testing::PrintToString(lines);
  EXPECT_THAT(
      lines,
      ElementsAre("hi", "1234", "5678", "/bin/sh -c " + spec.args[2] + " ",
                  "/dev/null", "/dev/urandom", "/dev/zero", "hpcimg", "/etc"));
}

TEST_F(RuncTest, InterruptKillsTheContainerAndCleansUp) {
  Interrupt interrupt;
  std::thread signaller([] {
    std::this_thread::sleep_for(std::chrono::milliseconds(700));
    kill(getpid(), SIGTERM);
  });
  RunSpec spec;
  spec.args = {"/bin/sh", "-c", "echo started; sleep 60"};
  std::vector<std::string> lines;
  const auto start = std::chrono::steady_clock::now();
  auto code = runc_->Run(
      rootfs_, work_, spec,
      [&](absl::string_view line) { lines.emplace_back(line); }, &interrupt);
  signaller.join();
  ASSERT_FALSE(code.ok());
  EXPECT_EQ(code.status().code(), absl::StatusCode::kCancelled);
  EXPECT_THAT(code.status().message(), HasSubstr("signal 15"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
  EXPECT_THAT(lines, ElementsAre("started"));
  for (const auto& e : fs::directory_iterator(work_ + "/runc-state"))
    ADD_FAILURE() << "left behind: " << e.path();
  // No sleep of the container lives on.
  for (const auto& proc : fs::directory_iterator("/proc")) {
    std::string cmdline;
    try {
      cmdline = testing::ReadFileOrDie(proc.path() / "cmdline");
    } catch (...) {
      continue;
    }
    EXPECT_EQ(cmdline.find(std::string("sleep 60")), std::string::npos)
        << proc.path();
  }
}

TEST(RuncFindTest, MissingRuncIsAClearError) {
  auto runc = Runc::Find("/nonexistent/runc");
  ASSERT_FALSE(runc.ok());
  EXPECT_THAT(runc.status().message(), HasSubstr("runc"));
  EXPECT_THAT(runc.status().message(), HasSubstr("is not found"));
  EXPECT_THAT(runc.status().message(), HasSubstr("/nonexistent/runc"));
}

}  // namespace
}  // namespace hpc::runtime
