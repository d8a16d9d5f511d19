// hpcimg build of the upstream HostProcess example straight into a real
// containerd (built-in store and plugin): the image is listed, unpacked,
// holds the script under Files/, and has the ENTRYPOINT and PATH.
#include <filesystem>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "importer/oci/json.h"
#include "tests/integration/containerd_env.h"

namespace hpc::testing {
namespace {

using ::testing::HasSubstr;

const std::string kHpcimg = HPC_BIN_DIR "/hpcimg";

using BuildTest = ContainerdEnvTest;

TEST_P(BuildTest, UpstreamExampleIntoContainerd) {
  const std::string context = env_->dir() + "/hello";
  std::filesystem::create_directories(context);
  std::ofstream(context + "/hello-world.ps1")
      << "Write-Host \"Hello World!\"\n";
  std::ofstream(context + "/Dockerfile.windows")
      << "FROM mcr.microsoft.com/oss/kubernetes/"
         "windows-host-process-containers-base-image:v1.0.0\n"
         "ADD hello-world.ps1 .\n"
         "ENV PATH=\"C:\\Windows\\system32;C:\\Windows;"
         "C:\\WINDOWS\\System32\\WindowsPowerShell\\v1.0\\;\"\n"
         "ENTRYPOINT [\"powershell.exe\", \"./hello-world.ps1\"]\n";
  const std::string name = "example.com/hello-world:v1";
  auto build = [&]() {
    return RunCommand({kHpcimg, "build", "--json", "--address", env_->address(),
                       "-f", context + "/Dockerfile.windows", "-t", name,
                       context});
  };
  RunResult first = build();
  ASSERT_EQ(first.exit_code, 0) << first.output;
  auto summary = hpc::oci::Json::parse(first.output);
  const std::string digest = summary["digest"];
  EXPECT_EQ(summary["layersAdded"], 1);

  // Listed under its name and digest, unpacked, with no lease left.
  RunResult ls = env_->Ctr({"images", "ls"}, "k8s.io");
  EXPECT_THAT(ls.output, HasSubstr(name));
  EXPECT_THAT(ls.output, HasSubstr(digest));
  EXPECT_THAT(env_->Ctr({"images", "check"}, "k8s.io").output,
              HasSubstr("true"));
  EXPECT_EQ(env_->Ctr({"leases", "ls", "-q"}, "k8s.io").output, "");

  // The config, read back from containerd.
  RunResult inspect =
      RunCommand({kHpcimg, "inspect", "--json", "--address", env_->address(),
                  "--namespace", "k8s.io", "containerd:" + name});
  ASSERT_EQ(inspect.exit_code, 0) << inspect.output;
  EXPECT_THAT(inspect.output, HasSubstr("powershell.exe"));
  EXPECT_THAT(inspect.output, HasSubstr("./hello-world.ps1"));
  RunResult config =
      env_->Ctr({"content", "get",
                 hpc::oci::Json::parse(inspect.output)["manifests"][0]["config"]
                     .get<std::string>()},
                "k8s.io");
  ASSERT_EQ(config.exit_code, 0) << config.output;
  auto doc = hpc::oci::Json::parse(config.output);
  EXPECT_EQ(doc["config"]["Env"][0],
            "PATH=C:\\Windows\\system32;C:\\Windows;"
            "C:\\WINDOWS\\System32\\WindowsPowerShell\\v1.0\\;");
  EXPECT_EQ(doc["config"]["Entrypoint"],
            hpc::oci::Json({"powershell.exe", "./hello-world.ps1"}));
  EXPECT_FALSE(doc.contains("os.version"));

  // The unpacked file system holds the script.
  std::string mnt = env_->dir() + "/mnt";
  std::filesystem::create_directories(mnt);
  RunResult mount = env_->Ctr({"images", "mount", name, mnt}, "k8s.io");
  ASSERT_EQ(mount.exit_code, 0) << mount.output;
  EXPECT_EQ(ReadFileOrDie(mnt + "/Files/hello-world.ps1"),
            "Write-Host \"Hello World!\"\n");
  EXPECT_EQ(env_->Ctr({"images", "unmount", "--rm", mnt}, "k8s.io").exit_code,
            0);

  // A second build gives the same digest and changes nothing.
  RunResult second = build();
  ASSERT_EQ(second.exit_code, 0) << second.output;
  auto again = hpc::oci::Json::parse(second.output);
  EXPECT_EQ(again["digest"], digest);
  EXPECT_EQ(again["written"][0]["changed"], false);
}

TEST_P(BuildTest, FailedBuildLeavesNothingBehind) {
  const std::string context = env_->dir() + "/bad";
  std::filesystem::create_directories(context);
  std::ofstream(context + "/Dockerfile")
      << "FROM base:\nCOPY missing.ps1 C:/app/\n";
  RunResult run = RunCommand({kHpcimg, "build", "--address", env_->address(),
                              "-t", "example.com/bad:v1", context});
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_THAT(run.output, HasSubstr("Dockerfile:2:"));
  EXPECT_THAT(run.output, HasSubstr("missing.ps1"));
  EXPECT_THAT(env_->Ctr({"images", "ls", "-q"}, "k8s.io").output,
              ::testing::Not(HasSubstr("example.com/bad")));
  EXPECT_EQ(env_->Ctr({"leases", "ls", "-q"}, "k8s.io").output, "");
}

INSTANTIATE_FOR_BOTH_STORES(BuildTest);

}  // namespace
}  // namespace hpc::testing
