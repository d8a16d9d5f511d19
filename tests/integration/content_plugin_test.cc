// A real containerd (Debian's 1.6, or the release in $HPC_CONTAINERD_DIR) on
// hpc-content-plugin, and the same containerd on its built-in store as the
// reference: every scenario must give the same result on both.
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "importer/oci/digester.h"
#include "tests/integration/containerd_env.h"
#include "tests/testing/test_data.h"

namespace hpc::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class ContainerdTest : public ContainerdEnvTest {
 protected:
  // Every blob in the store in use verifies against its name.
  // Every blob (or those of `blobs`, sha256 hex names) matches its name.
  void ExpectBlobsVerify(std::vector<std::string> blobs = {}) {
    if (blobs.empty()) blobs = ListBlobs(env_->blobs_dir());
    for (const std::string& hex : blobs) {
      std::string data = ReadFileOrDie(env_->blobs_dir() + "/" + hex);
      EXPECT_EQ(DigestOf(data), "sha256:" + hex);
    }
  }

  // Waits for the garbage collector to leave only `expected` blobs.
  bool WaitForBlobCount(size_t expected) {
    for (int i = 0; i < 200; ++i) {
      if (ListBlobs(env_->blobs_dir()).size() == expected) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  std::string MakeImage(const std::string& name,
                        const std::string& file_content) {
    std::string layout = env_->dir() + "/" + name;
    EXPECT_TRUE(MakeOciImage(layout, "v1",
                             {{"Files/hello.txt", file_content},
                              {"Files/big.bin", Pattern(3 << 20, 42)}}));
    return layout;
  }
};

// The daemon answering is the release the test names, and with the plugin
// the proxy is its only content store.
TEST_P(ContainerdTest, ServesTheReleaseUnderTest) {
  const ContainerdRelease& release = TestedRelease();
  std::cout << "containerd " << release.version << " (" << release.containerd
            << ")\n";
  RecordProperty("containerd", release.version);
  RunResult version = env_->Ctr({"version"});
  ASSERT_EQ(version.exit_code, 0) << version.output;
  // ctr prints the client's and then the server's version.
  size_t server = version.output.find("Server:");
  ASSERT_NE(server, std::string::npos) << version.output;
  EXPECT_THAT(version.output.substr(server), HasSubstr(release.version));

  std::vector<std::string> content_stores = env_->ServingContentStores();
  EXPECT_THAT(content_stores,
              ::testing::ElementsAre(
                  GetParam() == ContentStore::kPlugin ? "hpc" : "content"));
}

TEST_P(ContainerdTest, ContentIngestListGetRemove) {
  const std::string data = Pattern(5 << 20, 1);
  const std::string digest = DigestOf(data);
  RunResult ingest =
      env_->Ctr({"content", "ingest", "test-ingest"}, "default", data);
  ASSERT_EQ(ingest.exit_code, 0) << ingest.output;

  RunResult ls = env_->Ctr({"content", "ls", "-q"});
  ASSERT_EQ(ls.exit_code, 0) << ls.output;
  EXPECT_THAT(ls.output, HasSubstr(digest));

  RunResult get = env_->Ctr({"content", "get", digest});
  ASSERT_EQ(get.exit_code, 0);
  EXPECT_EQ(get.output.size(), data.size());
  EXPECT_TRUE(get.output == data) << "ctr content get returned other bytes";
  EXPECT_THAT(ListBlobs(env_->blobs_dir()),
              ::testing::Contains(digest.substr(7)));

  RunResult rm = env_->Ctr({"content", "rm", digest});
  ASSERT_EQ(rm.exit_code, 0) << rm.output;
  EXPECT_THAT(env_->Ctr({"content", "ls", "-q"}).output,
              Not(HasSubstr(digest)));
  EXPECT_EQ(env_->Ctr({"content", "get", digest}).exit_code, 1);
}

TEST_P(ContainerdTest, ImportArchiveMadeWithSkopeo) {
  std::string layout = MakeImage("img", "imported through ctr\n");
  std::string archive = env_->dir() + "/img.tar";
  RunResult copy = RunCommand({"skopeo", "copy", "oci:" + layout + ":v1",
                               "oci-archive:" + archive + ":test/imported:v1"});
  ASSERT_EQ(copy.exit_code, 0) << copy.output;

  RunResult import =
      env_->Ctr({"images", "import", "--all-platforms", archive});
  ASSERT_EQ(import.exit_code, 0) << import.output;
  RunResult ls = env_->Ctr({"images", "ls", "-q"});
  EXPECT_THAT(ls.output, HasSubstr("test/imported:v1"));
  RunResult check = env_->Ctr({"images", "check"});
  EXPECT_THAT(check.output, HasSubstr("complete (2/2)"));
  std::vector<std::string> blobs = ListBlobs(env_->blobs_dir());
  // The manifest, config and layer; and the archive's index.json, which
  // every release writes and leaves unreferenced until a garbage collection
  // takes it at a moment of its choosing: left out of the count and of the
  // reads.
  RunResult index = RunCommand({"tar", "-xOf", archive, "index.json"});
  ASSERT_EQ(index.exit_code, 0);
  std::erase(blobs, DigestOf(index.output).substr(7));
  EXPECT_EQ(blobs.size(), 3u) << ::testing::PrintToString(blobs);
  ExpectBlobsVerify(blobs);
}

TEST_P(ContainerdTest, PullUnpackMountRestartRemove) {
  Registry registry;
  ASSERT_TRUE(registry.ok());
  std::string layout = MakeImage("pulled", "pulled from a registry\n");
  std::string ref = registry.host() + "/test/pulled:v1";
  RunResult push = RunCommand({"skopeo", "copy", "--dest-tls-verify=false",
                               "oci:" + layout + ":v1", "docker://" + ref});
  ASSERT_EQ(push.exit_code, 0) << push.output;

  // Pull unpacks: containerd reads every layer back through ReadAt.
  RunResult pull = env_->Ctr({"images", "pull", "--plain-http", ref});
  ASSERT_EQ(pull.exit_code, 0) << pull.output;
  EXPECT_THAT(env_->Ctr({"images", "check"}).output,
              HasSubstr("complete (2/2)"));
  RunResult snapshots = env_->Ctr({"snapshots", "ls"});
  EXPECT_THAT(snapshots.output, HasSubstr("Committed"));

  std::string mnt = env_->dir() + "/mnt";
  std::filesystem::create_directories(mnt);
  RunResult mount = env_->Ctr({"images", "mount", ref, mnt});
  ASSERT_EQ(mount.exit_code, 0) << mount.output;
  EXPECT_EQ(ReadFileOrDie(mnt + "/Files/hello.txt"),
            "pulled from a registry\n");
  EXPECT_EQ(ReadFileOrDie(mnt + "/Files/big.bin"), Pattern(3 << 20, 42));
  ASSERT_EQ(env_->Ctr({"images", "unmount", mnt}).exit_code, 0);

  // Both daemons restart; the image is still whole.
  ASSERT_TRUE(env_->Stop()) << "plugin and containerd exit 0 on SIGTERM";
  ASSERT_TRUE(env_->Start()) << env_->failure_logs();
  EXPECT_THAT(env_->Ctr({"images", "check"}).output,
              HasSubstr("complete (2/2)"));
  ExpectBlobsVerify();

  // Removing the image lets the garbage collector empty the store.
  RunResult rm = env_->Ctr({"images", "rm", "--sync", ref});
  ASSERT_EQ(rm.exit_code, 0) << rm.output;
  EXPECT_TRUE(WaitForBlobCount(0))
      << ListBlobs(env_->blobs_dir()).size() << " blobs left";
}

INSTANTIATE_FOR_BOTH_STORES(ContainerdTest);

// The plugin process itself: permissions, stale sockets, signals.
class PluginProcessTest : public ::testing::Test {
 protected:
  void SetUp() override { REQUIRE_PREREQUISITES(); }
  TempDir dir_;
};

TEST_F(PluginProcessTest, PermissionsStaleSocketAndSigterm) {
  const std::string socket = dir_.Join("run/content.sock");
  const std::string root = dir_.Join("store");
  // A socket left behind by a killed plugin.
  {
    Subprocess first({HPC_BIN_DIR "/hpc-content-plugin", "--root", root,
                      "--address", socket},
                     dir_.Join("first.log"));
    ASSERT_TRUE(WaitForSocket(socket, 10000));
    first.Stop(SIGKILL);
  }
  ASSERT_TRUE(std::filesystem::exists(socket));

  Subprocess plugin(
      {HPC_BIN_DIR "/hpc-content-plugin", "--root", root, "--address", socket},
      dir_.Join("plugin.log"));
  ASSERT_TRUE(WaitForSocket(socket, 10000))
      << ReadFileOrDie(dir_.Join("plugin.log"));
  struct stat st;
  ASSERT_EQ(stat(socket.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0660u);
  ASSERT_EQ(stat(root.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);

  // A second plugin on the same socket refuses instead of stealing it.
  RunResult second = RunCommand({HPC_BIN_DIR "/hpc-content-plugin", "--root",
                                 dir_.Join("other"), "--address", socket});
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_THAT(second.output, HasSubstr("another process is serving"));

  int status = plugin.Stop(SIGTERM);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_FALSE(std::filesystem::exists(socket))
      << "the socket is removed on exit";
}

TEST_F(PluginProcessTest, BadFlagsAreRefused) {
  RunResult bad =
      RunCommand({HPC_BIN_DIR "/hpc-content-plugin", "--no-such-flag"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.output, HasSubstr("unknown flag --no-such-flag"));
  RunResult level =
      RunCommand({HPC_BIN_DIR "/hpc-content-plugin", "--log-level", "loud"});
  EXPECT_EQ(level.exit_code, 2);
  EXPECT_THAT(level.output, HasSubstr("loud"));
  RunResult root = RunCommand({HPC_BIN_DIR "/hpc-content-plugin", "--root",
                               "relative", "--address", dir_.Join("s.sock")});
  EXPECT_EQ(root.exit_code, 1);
  EXPECT_THAT(root.output, HasSubstr("absolute"));
  RunResult help = RunCommand({HPC_BIN_DIR "/hpc-content-plugin", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.output, HasSubstr("proxy_plugins"));
}

}  // namespace
}  // namespace hpc::testing

namespace hpc::testing {
namespace {

// The plugin's Prometheus endpoint, scraped after real traffic through
// containerd and an injection.
TEST(MetricsTest, ScrapedAfterCallsAndInjection) {
  REQUIRE_PREREQUISITES();
  const std::string address = "127.0.0.1:" + std::to_string(FreeLoopbackPort());
  ContainerdEnv env(ContentStore::kPlugin,
                    {"--metrics-address", address, "--inject-base",
                     "--no-unpack", "--containerd", "@CONTAINERD@"});
  ASSERT_TRUE(env.Start()) << env.failure_logs();
  ASSERT_TRUE(env.WaitForPluginLog("base image registered"))
      << env.failure_logs();
  const std::string data(300000, 'm');
  ASSERT_EQ(
      env.Ctr({"content", "ingest", "scraped"}, "default", data).exit_code, 0);
  const std::string digest = DigestOf(data);
  RunResult got = env.Ctr({"content", "get", digest});
  ASSERT_EQ(got.output, data);

  RunResult scrape =
      RunCommand({"curl", "-sf", "http://" + address + "/metrics"});
  ASSERT_EQ(scrape.exit_code, 0) << scrape.output;
  // name{labels} -> value
  std::map<std::string, double> values;
  std::istringstream lines(scrape.output);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    size_t space = line.rfind(' ');
    values[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  EXPECT_GE(values["hpc_content_calls_total{method=\"Write\",code=\"OK\"}"], 1);
  EXPECT_GE(values["hpc_content_calls_total{method=\"Read\",code=\"OK\"}"], 1);
  EXPECT_GE(values["hpc_content_written_bytes_total"], data.size());
  EXPECT_GE(values["hpc_content_read_bytes_total"], data.size());
  double write_calls = 0;
  for (const auto& [key, value] : values) {
    if (key.rfind("hpc_content_calls_total{method=\"Write\"", 0) == 0)
      write_calls += value;
  }
  EXPECT_EQ(values["hpc_content_call_duration_seconds_count{method=\"Write\"}"],
            write_calls);
  EXPECT_EQ(values["hpc_content_call_duration_seconds_bucket{method=\"Write\","
                   "le=\"+Inf\"}"],
            write_calls);
  EXPECT_EQ(values["hpc_content_store_blobs"],
            ListBlobs(env.plugin_root() + "/blobs/sha256").size());
  EXPECT_EQ(values["hpc_content_ingests_open"], 0);
  EXPECT_EQ(values["hpc_content_image_outcomes_total{source=\"inject\",outcome="
                   "\"registered\"}"],
            1)
      << scrape.output;
  EXPECT_TRUE(env.Stop());
}

}  // namespace
}  // namespace hpc::testing
