// kill -9 of `hpcimg import` half-way through a large archive: no image
// record is left, only the import's lease, which expires (its content is
// then collected), and a second run completes.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/containerd_env.h"
#include "tests/testing/test_data.h"

namespace hpc::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

using ImportCrashTest = ContainerdEnvTest;

TEST_P(ImportCrashTest, KillNineMidImport) {
  const std::string layout = env_->dir() + "/layout";
  const std::string archive = env_->dir() + "/big.tar";
  ASSERT_TRUE(
      MakeOciImage(layout, "v1", {{"Files/big.bin", Pattern(160 << 20, 11)}}));
  ASSERT_EQ(RunCommand({"skopeo", "copy", "-q", "oci:" + layout + ":v1",
                        "docker-archive:" + archive + ":example.com/big:v1"})
                .exit_code,
            0);

  const std::string log = env_->dir() + "/import.log";
  {
    Subprocess import({HPC_BIN_DIR "/hpcimg", "import", "--address",
                       env_->address(), "--lease-expiry", "2s", archive},
                      log);
    // Kill it once it is writing content.
    // Kill it once it is writing content: an active ingest (a line under
    // the header) shows up.
    bool writing = false;
    for (int i = 0; i < 1000 && !writing; ++i) {
      std::string active = env_->Ctr({"content", "active"}, "k8s.io").output;
      writing = std::count(active.begin(), active.end(), '\n') > 1;
      if (!writing) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ASSERT_TRUE(import.running())
        << "the import ended before it was killed: " << ReadFileOrDie(log);
    import.Stop(SIGKILL);
  }
  EXPECT_THAT(env_->Ctr({"images", "ls", "-q"}, "k8s.io").output,
              Not(HasSubstr("example.com/big")));
  RunResult leases = env_->Ctr({"leases", "ls"}, "k8s.io");
  EXPECT_THAT(leases.output, HasSubstr("containerd.io/gc.expire"));

  // Past the expiry, the next garbage collection takes the lease and what
  // it held.
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  RunResult create = env_->Ctr({"leases", "create"}, "k8s.io");
  ASSERT_EQ(create.exit_code, 0) << create.output;
  std::string id = create.output.substr(0, create.output.find_first_of(" \n"));
  ASSERT_EQ(env_->Ctr({"leases", "delete", "--sync", id}, "k8s.io").exit_code,
            0);
  EXPECT_EQ(env_->Ctr({"leases", "ls", "-q"}, "k8s.io").output, "");
  EXPECT_EQ(env_->Ctr({"content", "ls", "-q"}, "k8s.io").output, "");

  // A second run completes.
  RunResult again = RunCommand(
      {HPC_BIN_DIR "/hpcimg", "import", "--address", env_->address(), archive});
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_THAT(env_->Ctr({"images", "ls", "-q"}, "k8s.io").output,
              HasSubstr("example.com/big:v1"));
  EXPECT_THAT(env_->Ctr({"images", "check"}, "k8s.io").output,
              HasSubstr("true"));
  EXPECT_EQ(env_->Ctr({"leases", "ls", "-q"}, "k8s.io").output, "");
}

INSTANTIATE_FOR_BOTH_STORES(ImportCrashTest);

}  // namespace
}  // namespace hpc::testing
