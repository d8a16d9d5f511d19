// *.txt lists in the preload folder: each listed image pulled by the plugin
// from a real docker-registry (with htpasswd authentication, reached as a
// node's hosts.toml names it), registered, unpacked, pinned and journaled;
// a missing image journaled as failed and tried again only when the list
// changes; a line that is no reference reported once; a line removed
// unpinned; a registry answering 500 retried with backoff while the other
// lines and the Content API go on; credentials in no journal, log or
// metric.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "tests/integration/containerd_env.h"
#include "tests/integration/fault_proxy.h"
#include "tests/integration/registry_env.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/temp_dir.h"

namespace hpc::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kUser[] = "hpc-node";
constexpr char kPassword[] = "s3cret-Pa55word";

int Count(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + needle.size()))
    ++n;
  return n;
}

class PreloadListTest : public ::testing::Test {
 protected:
  void SetUp() override { REQUIRE_PREREQUISITES(); }

  // Pushes a one-layer Windows image as REGISTRY/hpc/NAME:v1.
  void Push(const Registry& registry, const std::string& name,
            const std::string& creds = "") {
    const std::string layout = dir_.Join("layout-" + name);
    ASSERT_TRUE(MakeOciImage(layout, "v1", {{"Files/" + name, name}}));
    std::vector<std::string> argv = {"skopeo", "copy", "-q", "--dest-tls-verify=false",
                                     "oci:" + layout + ":v1",
                                     "docker://" + registry.host() + "/hpc/" + name + ":v1"};
    if (!creds.empty()) argv.push_back("--dest-creds=" + creds);
    RunResult r = RunCommand(argv);
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  // A hosts.toml for `host`, plain HTTP, as a node's certs.d has it.
  void AddHost(const std::string& host) {
    fs::create_directories(hosts_ + "/" + host);
    std::ofstream(hosts_ + "/" + host + "/hosts.toml")
        << "server = \"http://" << host << "\"\n";
  }
  bool WaitFor(const std::function<bool()>& done, int seconds = 20) {
    for (int i = 0; i < seconds * 10; ++i) {
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }
  std::string PluginLog() { return ReadFileOrDie(env_->plugin_log()); }
  bool WaitForLogCount(const std::string& text, int n) {
    return WaitFor([&] { return Count(PluginLog(), text) >= n; });
  }
  std::string Pinned() {
    return env_
        ->Ctr({"images", "ls", "-q", "labels.\"io.cri-containerd.pinned\"==pinned"},
              "k8s.io")
        .output;
  }
  std::string Metrics() {
    httplib::Client client("127.0.0.1", metrics_port_);
    auto got = client.Get("/metrics");
    return got ? got->body : "";
  }
  void StartPlugin(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--containerd", "@CONTAINERD@", "--preload",
                                     preload_, "--hosts-dir", hosts_,
                                     "--metrics-address",
                                     absl::StrCat("127.0.0.1:", metrics_port_)};
    args.insert(args.end(), extra.begin(), extra.end());
    env_ = std::make_unique<ContainerdEnv>(ContentStore::kPlugin, args);
    ASSERT_TRUE(env_->Start()) << env_->failure_logs();
  }
  void TearDown() override {
    if (HasFailure() && env_) std::cerr << env_->failure_logs() << "\n";
  }

  TempDir dir_;
  const std::string preload_ = dir_.Join("preload");
  const std::string hosts_ = dir_.Join("certs.d");
  const int metrics_port_ = FreeLoopbackPort();
  std::unique_ptr<ContainerdEnv> env_;
};

TEST_F(PreloadListTest, PullsListedImagesAndFollowsTheList) {
  Registry registry({.user = kUser, .password = kPassword});
  ASSERT_TRUE(registry.ok());
  const std::string creds = absl::StrCat(kUser, ":", kPassword);
  Push(registry, "a", creds);
  Push(registry, "b", creds);
  AddHost(registry.host());
  const std::string authfile = dir_.Join("auth.json");
  WriteFileOrDie(authfile, R"({"auths":{")" + registry.host() + R"(":{"auth":")" +
                               absl::Base64Escape(creds) + R"("}}})");
  const std::string a = registry.host() + "/hpc/a:v1";
  const std::string b = registry.host() + "/hpc/b:v1";
  const std::string missing = registry.host() + "/hpc/missing:v1";
  fs::create_directories(preload_);
  const std::string list = preload_ + "/images.txt";
  WriteFileOrDie(list, "# this node's images\n" + a + "\n\n" + missing +
                           "\nNot A Reference\n");

  StartPlugin({"--authfile", authfile});
  ASSERT_TRUE(WaitForLogCount("images.txt:2: " + a + " pulled as", 1)) << PluginLog();
  ASSERT_TRUE(WaitForLogCount("images.txt:4: " + missing + " failed", 1)) << PluginLog();
  EXPECT_EQ(Count(PluginLog(), "images.txt:5: "), 1) << PluginLog();

  // Registered under the registry's manifest digest, unpacked, pinned.
  RunResult digest = RunCommand({"skopeo", "inspect", "--tls-verify=false", "--creds",
                                 creds, "--format", "{{.Digest}}", "docker://" + a});
  ASSERT_EQ(digest.exit_code, 0) << digest.output;
  RunResult ls = env_->Ctr({"images", "ls", "name==" + a}, "k8s.io");
  EXPECT_THAT(ls.output, HasSubstr(digest.output.substr(0, 71)));
  EXPECT_THAT(Pinned(), HasSubstr(a + "\n"));
  RunResult check = env_->Ctr({"images", "check", "name==" + a}, "k8s.io");
  EXPECT_THAT(check.output, HasSubstr("complete"));
  EXPECT_THAT(check.output, Not(HasSubstr("false"))) << "unpacked: " << check.output;

  const std::string journal_path = env_->plugin_root() + "/preload.journal";
  std::string journal = ReadFileOrDie(journal_path);
  EXPECT_THAT(journal, HasSubstr("\t" + a + "\n"));
  EXPECT_THAT(journal, HasSubstr("failed\t"));
  EXPECT_THAT(journal, HasSubstr("no manifest v1"));
  const std::string metrics = Metrics();
  EXPECT_THAT(metrics, HasSubstr(
      "hpc_content_image_outcomes_total{source=\"preload\",outcome=\"pulled\"} 1"));
  EXPECT_THAT(metrics, HasSubstr(
      "hpc_content_image_outcomes_total{source=\"preload\",outcome=\"pull_failed\"} 1"));

  // A restart pulls nothing again, and the missing image waits for a change.
  const std::string missing_get = "GET /v2/hpc/missing/manifests/v1";
  const int asked = Count(registry.Log(), missing_get);
  EXPECT_GE(asked, 1);
  ASSERT_TRUE(env_->Stop());
  ASSERT_TRUE(env_->Start()) << env_->failure_logs();
  ASSERT_TRUE(WaitForLogCount("0 listed images to pull", 1)) << PluginLog();
  std::this_thread::sleep_for(std::chrono::seconds(1));
  EXPECT_EQ(Count(registry.Log(), missing_get), asked);
  EXPECT_EQ(Count(PluginLog(), " pulled as "), 1);

  // The list changes: a's line goes (unpinned, kept), b's comes, and the
  // missing image is tried again.
  WriteFileOrDie(list, missing + "\n" + b + "\n");
  ASSERT_TRUE(WaitForLogCount("images.txt:2: " + b + " pulled as", 1)) << PluginLog();
  ASSERT_TRUE(WaitForLogCount("images.txt:1: " + missing + " failed", 1)) << PluginLog();
  EXPECT_THAT(PluginLog(), HasSubstr("images.txt no longer lists " + a + "; unpinned"));
  EXPECT_GT(Count(registry.Log(), missing_get), asked);
  const std::string pinned = Pinned();
  EXPECT_THAT(pinned, HasSubstr(b + "\n"));
  EXPECT_THAT(pinned, Not(HasSubstr(a + "\n")));
  EXPECT_THAT(env_->Ctr({"images", "ls", "-q"}, "k8s.io").output, HasSubstr(a + "\n"))
      << "unpinned, not removed";

  // The list leaves the folder: b is unpinned too.
  fs::remove(list);
  ASSERT_TRUE(WaitForLogCount("images.txt no longer lists " + b, 1)) << PluginLog();
  EXPECT_THAT(Pinned(), Not(HasSubstr(b + "\n")));

  // The password, and its base64 form, appear nowhere the plugin writes.
  for (const std::string& secret : {std::string(kPassword), absl::Base64Escape(creds)}) {
    EXPECT_THAT(PluginLog(), Not(HasSubstr(secret)));
    EXPECT_THAT(ReadFileOrDie(journal_path), Not(HasSubstr(secret)));
    EXPECT_THAT(Metrics(), Not(HasSubstr(secret)));
  }
}

TEST_F(PreloadListTest, RegistryAnswering500IsRetriedWhileTheRestGoesOn) {
  Registry registry;
  ASSERT_TRUE(registry.ok());
  Push(registry, "slow");
  Push(registry, "fast");
  FaultProxy proxy(registry.host());
  ASSERT_TRUE(proxy.ok());
  proxy.Fail("", "/manifests/", 500, 3);
  AddHost(registry.host());
  AddHost(proxy.host());
  const std::string slow = proxy.host() + "/hpc/slow:v1";
  const std::string fast = registry.host() + "/hpc/fast:v1";
  fs::create_directories(preload_);
  WriteFileOrDie(preload_ + "/images.txt", slow + "\n" + fast + "\n");

  StartPlugin();
  // The first line waits; the second does not wait for it.
  ASSERT_TRUE(WaitForLogCount("images.txt:1: " + slow + " waits (tried again", 1))
      << PluginLog();
  ASSERT_TRUE(WaitForLogCount("images.txt:2: " + fast + " pulled as", 1)) << PluginLog();
  EXPECT_THAT(PluginLog(), Not(HasSubstr(slow + " pulled as")));
  // The store serves meanwhile.
  RunResult content = env_->Ctr({"content", "ls", "-q"}, "k8s.io");
  EXPECT_EQ(content.exit_code, 0) << content.output;
  EXPECT_FALSE(content.output.empty());

  ASSERT_TRUE(WaitForLogCount("images.txt:1: " + slow + " pulled as", 1)) << PluginLog();
  EXPECT_EQ(proxy.faults_served(), 3);
  EXPECT_EQ(Count(PluginLog(), slow + " waits"), 1) << "logged once";
  EXPECT_THAT(Pinned(), HasSubstr(slow + "\n"));
  EXPECT_THAT(Metrics(), HasSubstr(
      "hpc_content_image_outcomes_total{source=\"preload\",outcome=\"pull_retried\"} 3"));
}

}  // namespace
}  // namespace hpc::testing
