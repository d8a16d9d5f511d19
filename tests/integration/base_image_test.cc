// The HostProcess base image end to end: written by hpcimg to every sink,
// read by skopeo and umoci, put into a real containerd by hpcimg and by the
// plugin's --inject-base.
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/containerd_env.h"

namespace hpc::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kBaseName[] =
    "mcr.microsoft.com/oss/kubernetes/"
    "windows-host-process-containers-base-image:v1.0.0";
constexpr char kBaseRepo[] =
    "mcr.microsoft.com/oss/kubernetes/"
    "windows-host-process-containers-base-image";
const std::string kHpcimg = HPC_BIN_DIR "/hpcimg";

// The manifest digest `hpcimg inspect base:` reports.
std::string BaseDigest() {
  RunResult r = RunCommand({kHpcimg, "inspect", "--json", "base:"});
  size_t at = r.output.find("\"digest\": \"");
  return r.output.substr(at + 11, 71);
}

class BaseSinkTest : public ::testing::Test {
 protected:
  void SetUp() override { REQUIRE_PREREQUISITES(); }
  TempDir dir_;
};

TEST_F(BaseSinkTest, SkopeoReadsOciArchive) {
  std::string archive = dir_.Join("base.tar");
  RunResult copy =
      RunCommand({kHpcimg, "copy", "base:", "oci-archive:" + archive});
  ASSERT_EQ(copy.exit_code, 0) << copy.output;
  RunResult inspect =
      RunCommand({"skopeo", "inspect", "oci-archive:" + archive});
  ASSERT_EQ(inspect.exit_code, 0) << inspect.output;
  EXPECT_THAT(inspect.output, HasSubstr("\"Os\": \"windows\""));
  EXPECT_THAT(inspect.output, HasSubstr("\"Architecture\": \"amd64\""));
  EXPECT_THAT(inspect.output, HasSubstr(BaseDigest()));
  RunResult raw =
      RunCommand({"skopeo", "inspect", "--raw", "oci-archive:" + archive});
  EXPECT_THAT(raw.output, Not(HasSubstr("platform")));
}

TEST_F(BaseSinkTest, SkopeoReadsDockerArchiveAndUmociTheLayout) {
  std::string archive = dir_.Join("docker.tar");
  ASSERT_EQ(RunCommand({kHpcimg, "copy", "base:", "docker-archive:" + archive})
                .exit_code,
            0);
  RunResult inspect =
      RunCommand({"skopeo", "inspect", "docker-archive:" + archive});
  ASSERT_EQ(inspect.exit_code, 0) << inspect.output;
  EXPECT_THAT(inspect.output, HasSubstr("\"Os\": \"windows\""));
  RunResult manifest = RunCommand({"tar", "-xOf", archive, "manifest.json"});
  EXPECT_THAT(manifest.output,
              HasSubstr(std::string("\"RepoTags\":[\"") + kBaseName));

  std::string layout = dir_.Join("layout");
  ASSERT_EQ(RunCommand({kHpcimg, "copy", "base:", "oci:" + layout}).exit_code,
            0);
  RunResult ls = RunCommand({"umoci", "ls", "--layout", layout});
  EXPECT_EQ(ls.exit_code, 0) << ls.output;
  EXPECT_THAT(ls.output, HasSubstr("v1.0.0"));
  RunResult stat = RunCommand({"umoci", "stat", "--image", layout + ":v1.0.0"});
  EXPECT_EQ(stat.exit_code, 0) << stat.output;
}

TEST_F(BaseSinkTest, SameBytesEveryRun) {
  ASSERT_EQ(RunCommand(
                {kHpcimg, "copy", "base:", "oci-archive:" + dir_.Join("a.tar")})
                .exit_code,
            0);
  ASSERT_EQ(RunCommand(
                {kHpcimg, "copy", "base:", "oci-archive:" + dir_.Join("b.tar")})
                .exit_code,
            0);
  EXPECT_EQ(ReadFileOrDie(dir_.Join("a.tar")),
            ReadFileOrDie(dir_.Join("b.tar")));
}

TEST_F(BaseSinkTest, ExistingOrUnwritableDestinationIsRefused) {
  std::string archive = dir_.Join("base.tar");
  WriteFileOrDie(archive, "precious");
  RunResult again =
      RunCommand({kHpcimg, "copy", "base:", "oci-archive:" + archive});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_THAT(again.output, HasSubstr("exists; pass --force"));
  EXPECT_EQ(ReadFileOrDie(archive), "precious");
  ASSERT_EQ(RunCommand(
                {kHpcimg, "copy", "--force", "base:", "oci-archive:" + archive})
                .exit_code,
            0);
  EXPECT_NE(ReadFileOrDie(archive), "precious");

  RunResult unwritable =
      RunCommand({kHpcimg, "copy", "base:", "oci-archive:/proc/base.tar"});
  EXPECT_NE(unwritable.exit_code, 0);
  EXPECT_THAT(unwritable.output, HasSubstr("/proc"));
  RunResult bad = RunCommand({kHpcimg, "copy", "base:", "tarball:x.tar"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.output, HasSubstr("unknown transport \"tarball\""));
  // Nothing half-written is left next to the destination.
  size_t files = 0;
  for (auto& e : std::filesystem::directory_iterator(dir_.path())) {
    (void)e;
    ++files;
  }
  EXPECT_EQ(files, 1u);
}

// base: -> oci-archive: -> docker-archive: -> (skopeo) oci: -> hpcimg:
// every hop reads what the last wrote, and the image stays the same.
TEST_F(BaseSinkTest, TransportsRoundTrip) {
  auto digest_of = [&](const std::string& src) {
    RunResult r = RunCommand({kHpcimg, "inspect", "--json", src});
    EXPECT_EQ(r.exit_code, 0) << src << ": " << r.output;
    size_t at = r.output.find("\"digest\": \"");
    return at == std::string::npos ? "" : r.output.substr(at + 11, 71);
  };
  const std::string oci_archive = "oci-archive:" + dir_.Join("a.tar");
  const std::string docker_archive = "docker-archive:" + dir_.Join("d.tar");
  ASSERT_EQ(RunCommand({kHpcimg, "copy", "-q", "base:", oci_archive}).exit_code,
            0);
  EXPECT_EQ(digest_of(oci_archive), BaseDigest());
  ASSERT_EQ(RunCommand({kHpcimg, "copy", "-q", oci_archive,
                        docker_archive + ":my/base:v1"})
                .exit_code,
            0);
  // Docker's format: the same image under Docker media types.
  RunResult docker_base =
      RunCommand({kHpcimg, "inspect", "--json", "--format", "docker", "base:"});
  EXPECT_THAT(docker_base.output, HasSubstr(digest_of(docker_archive)));
  RunResult sk = RunCommand({"skopeo", "copy", "-q", docker_archive,
                             "oci:" + dir_.Join("sk") + ":t"});
  ASSERT_EQ(sk.exit_code, 0) << sk.output;
  RunResult back =
      RunCommand({kHpcimg, "copy", "-q", "oci:" + dir_.Join("sk") + ":t",
                  "oci-archive:" + dir_.Join("back.tar")});
  ASSERT_EQ(back.exit_code, 0) << back.output;
  RunResult inspect =
      RunCommand({"skopeo", "inspect", "oci-archive:" + dir_.Join("back.tar")});
  EXPECT_THAT(inspect.output, HasSubstr("\"Os\": \"windows\""));

  RunResult missing =
      RunCommand({kHpcimg, "inspect", "oci:" + dir_.Join("sk") + ":nope"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.output, HasSubstr("no image named \"nope\"; it holds t"));
  WriteFileOrDie(dir_.Join("junk.tar"), "junk");
  RunResult junk =
      RunCommand({kHpcimg, "inspect", "oci-archive:" + dir_.Join("junk.tar")});
  EXPECT_EQ(junk.exit_code, 2);
  EXPECT_THAT(junk.output, HasSubstr("junk.tar"));
}

TEST_F(BaseSinkTest, ContainerdNotRunningIsAClearError) {
  RunResult r = RunCommand({kHpcimg, "copy", "--address",
                            dir_.Join("none.sock"), "base:", "containerd:x:y"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr("containerd does not answer on " +
                                  dir_.Join("none.sock")));
}

class BaseContainerdTest : public ::testing::TestWithParam<ContentStore> {
 protected:
  void SetUp() override { REQUIRE_PREREQUISITES(); }

  // The three CRI records, each managed and pointing at the base manifest;
  // each pinned, or none.
  void ExpectCriRecords(ContainerdEnv& env, bool pinned = false) {
    RunResult ls = env.Ctr({"images", "ls"}, "k8s.io");
    const std::string digest = BaseDigest();
    EXPECT_THAT(ls.output, HasSubstr(kBaseName));
    EXPECT_THAT(ls.output, HasSubstr(std::string(kBaseRepo) + "@" + digest));
    RunResult ids = env.Ctr({"images", "ls", "-q"}, "k8s.io");
    int records = 0, config_ids = 0;
    for (size_t pos = 0;
         (pos = ids.output.find('\n', pos)) != std::string::npos; ++pos)
      ++records;
    for (size_t pos = 0;
         (pos = ids.output.find("\nsha256:", pos)) != std::string::npos;
         ++pos) {
      ++config_ids;
    }
    if (ids.output.rfind("sha256:", 0) == 0) ++config_ids;
    EXPECT_EQ(records, 3) << ids.output;
    EXPECT_EQ(config_ids, 1) << ids.output;
    RunResult managed = env.Ctr(
        {"images", "ls", "-q", "labels.\"io.cri-containerd.image\"==managed"},
        "k8s.io");
    EXPECT_EQ(managed.output, ids.output);
    RunResult pins = env.Ctr(
        {"images", "ls", "-q", "labels.\"io.cri-containerd.pinned\"==pinned"},
        "k8s.io");
    EXPECT_EQ(pins.output, pinned ? ids.output : "");
    RunResult check = env.Ctr({"images", "check"}, "k8s.io");
    size_t complete = 0;
    for (size_t pos = 0;
         (pos = check.output.find("complete (2/2)", pos)) != std::string::npos;
         ++pos) {
      ++complete;
    }
    EXPECT_EQ(complete, 3u) << check.output;
    EXPECT_THAT(check.output, Not(HasSubstr("false")))
        << "unpacked: " << check.output;
    EXPECT_EQ(env.Ctr({"leases", "ls", "-q"}, "k8s.io").output, "")
        << "no lease is left";
  }
};

TEST_P(BaseContainerdTest, HpcimgCopyIsCompleteAndIdempotent) {
  ContainerdEnv env(GetParam());
  ASSERT_TRUE(env.Start()) << env.failure_logs();
  RunResult first =
      RunCommand({kHpcimg, "copy", "--address", env.address(), "--json",
                  "base:", std::string("containerd:") + kBaseName});
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_THAT(first.output, HasSubstr("\"changed\": true"));
  ExpectCriRecords(env);

  RunResult second =
      RunCommand({kHpcimg, "copy", "--address", env.address(), "--json",
                  "base:", std::string("containerd:") + kBaseName});
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_THAT(second.output, HasSubstr("\"changed\": false"));
  EXPECT_THAT(second.output, HasSubstr("\"blobsWritten\": 0"));
  ExpectCriRecords(env);

  // containerd: as a source gives the same image back.
  RunResult out = RunCommand({kHpcimg, "copy", "-q", "--address", env.address(),
                              std::string("containerd:") + kBaseName,
                              "oci-archive:" + env.dir() + "/out.tar"});
  ASSERT_EQ(out.exit_code, 0) << out.output;
  RunResult inspect = RunCommand(
      {kHpcimg, "inspect", "--json", "oci-archive:" + env.dir() + "/out.tar"});
  EXPECT_THAT(inspect.output, HasSubstr(BaseDigest()));

  ASSERT_TRUE(env.Stop());
  ASSERT_TRUE(env.Start()) << env.failure_logs();
  ExpectCriRecords(env);
}

TEST_P(BaseContainerdTest, NoCriRefsAndOtherNamespaces) {
  ContainerdEnv env(GetParam());
  ASSERT_TRUE(env.Start()) << env.failure_logs();
  ASSERT_EQ(RunCommand({kHpcimg, "copy", "-q", "--address", env.address(),
                        "--no-cri-refs", "base:", "containerd:only/this:one"})
                .exit_code,
            0);
  EXPECT_EQ(env.Ctr({"images", "ls", "-q"}, "k8s.io").output,
            "only/this:one\n");
  ASSERT_EQ(
      RunCommand({kHpcimg, "copy", "-q", "--address", env.address(),
                  "--namespace", "default", "base:", "containerd:plain:v1"})
          .exit_code,
      0);
  EXPECT_EQ(env.Ctr({"images", "ls", "-q"}, "default").output, "plain:v1\n");
  EXPECT_THAT(env.Ctr({"images", "check"}, "default").output,
              HasSubstr("complete (2/2)"));
}

INSTANTIATE_FOR_BOTH_STORES(BaseContainerdTest);

class InjectBaseTest : public BaseContainerdTest {};

TEST_F(InjectBaseTest, PluginRegistersBaseImageWhenContainerdComesUp) {
  ContainerdEnv env(ContentStore::kPlugin,
                    {"--inject-base", "--containerd", "@CONTAINERD@"});
  ASSERT_TRUE(env.StartPlugin()) << env.failure_logs();
  // The blobs are in the store before containerd exists.
  EXPECT_EQ(ListBlobs(env.blobs_dir()).size(), 3u);
  std::this_thread::sleep_for(
      std::chrono::milliseconds(1500));  // retries meanwhile
  ASSERT_TRUE(env.StartContainerd()) << env.failure_logs();
  bool listed = false;
  for (int i = 0; i < 100 && !listed; ++i) {
    listed = env.Ctr({"images", "ls", "-q"}, "k8s.io").output.find(kBaseName) !=
             std::string::npos;
    if (!listed) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(listed) << env.failure_logs();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ExpectCriRecords(env, /*pinned=*/true);
  EXPECT_THAT(ReadFileOrDie(env.plugin_log()),
              HasSubstr("not registered yet, retrying"));

  // Restarting both changes nothing.
  ASSERT_TRUE(env.Stop());
  ASSERT_TRUE(env.Start()) << env.failure_logs();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  ExpectCriRecords(env, /*pinned=*/true);
  EXPECT_THAT(ReadFileOrDie(env.plugin_log()), HasSubstr("(already there)"));
}

TEST_F(InjectBaseTest, NoPinLeavesTheRecordsUnpinned) {
  ContainerdEnv env(ContentStore::kPlugin, {"--inject-base", "--containerd",
                                            "@CONTAINERD@", "--no-pin"});
  ASSERT_TRUE(env.Start()) << env.failure_logs();
  ASSERT_TRUE(env.WaitForPluginLog("base image registered"))
      << env.failure_logs();
  ExpectCriRecords(env, /*pinned=*/false);
}

}  // namespace
}  // namespace hpc::testing
