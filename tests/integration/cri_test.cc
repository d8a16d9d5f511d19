// What kubelet sees: containerd's CRI plugin, with hpc-content-plugin as
// its only content store, read through crictl 1.31 (the CRI client that
// speaks to containerd as kubelet does). The injected base image, a
// preloaded archive and images `hpcimg import` wrote are listed with their
// repo digests and pinned as the release reports pinning; `crictl rmi
// --prune` keeps what is pinned; an imported Linux image runs as a pod's
// container with its registry stopped; `crictl pull` writes through the
// plugin. Pods use the host's network, so no CNI is needed. Run against
// each containerd release the integration suite covers.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "importer/base/base_image.h"
#include "nlohmann/json.hpp"
#include "tests/integration/busybox_image.h"
#include "tests/integration/containerd_env.h"
#include "tests/integration/registry_env.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/temp_dir.h"

namespace hpc::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string kHpcimg = HPC_BIN_DIR "/hpcimg";
// The name the plugin injects the base image under, by default.
const std::string kBaseRepo(base::kBaseImageRepository);
const std::string kBaseName =
    absl::StrCat(kBaseRepo, ":", base::kDefaultBaseVersion);
constexpr char kPause[] = "registry.k8s.io/pause:3.9";
constexpr char kPreloaded[] = "example.test/preloaded:v1";
constexpr char kApp[] = "example.test/app:v1";
// What the app container prints, from a file of its image and its env.
constexpr char kMessage[] = "served from the plugin's store";

// CRI reports the io.cri-containerd.pinned label from 1.6.22 and 1.7.3.
bool ReportsPinned() { return TestedRelease().AtLeast(1, 6, 22); }

nlohmann::json ParseJson(const RunResult& r) {
  size_t at = r.output.find_first_of("{[");
  if (r.exit_code != 0 || at == std::string::npos) return nlohmann::json();
  return nlohmann::json::parse(r.output.substr(at), nullptr, false);
}

// Images in the OCI layout `layout`, made once for the whole suite, and
// docker archives of them named as a node would have them.
struct TestImages {
  TempDir dir;
  std::string layout, error;
  std::string pause_tar, preloaded_tar, app_tar;
  void Make() {
    layout = dir.Join("layout");
    BusyboxImage pause;
    pause.entrypoint = {"/bin/sleep"};
    pause.cmd = {"3600"};
    error = MakeBusyboxImage(layout, "pause", pause);
    // Distinct images (CRI lists images by config digest, and containerd
    // does not fetch a layer whose snapshot is there already), each saying
    // which it is.
    for (const char* tag : {"app", "preloaded", "pulled"}) {
      if (!error.empty()) return;
      BusyboxImage app;
      app.files = {{"/etc/message", absl::StrCat(tag, " ", kMessage)}};
      app.env = {"GREETING=hello"};
      app.cmd = {"/bin/sh", "-c", "echo \"$GREETING: $(cat /etc/message)\""};
      error = MakeBusyboxImage(layout, tag, app);
    }
    if (!error.empty()) return;
    pause_tar = Archive("pause", kPause);
    preloaded_tar = Archive("preloaded", kPreloaded);
    app_tar = Archive("app", kApp);
  }
  std::string Archive(const std::string& tag, const std::string& name) {
    const std::string tar = dir.Join(tag + ".tar");
    RunResult r =
        RunCommand({"skopeo", "copy", "-q", "oci:" + layout + ":" + tag,
                    "docker-archive:" + tar + ":" + name});
    if (r.exit_code != 0 && error.empty()) error = r.output;
    return tar;
  }
};

class CriTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    images_ = new TestImages;
    if (geteuid() == 0 && !CrictlPath().empty()) images_->Make();
  }
  static void TearDownTestSuite() {
    delete images_;
    images_ = nullptr;
  }

  void SetUp() override {
    REQUIRE_PREREQUISITES();
    if (CrictlPath().empty()) {
      GTEST_SKIP() << "crictl is absent (../shared/peers/crictl-1.31.0): "
                      "the CRI tests did not run";
    }
    ASSERT_EQ(images_->error, "");
    const std::string preload = dir_.Join("preload");
    fs::create_directories(preload);
    fs::copy_file(images_->preloaded_tar, preload + "/preloaded.tar");
    env_ = std::make_unique<ContainerdEnv>(
        ContentStore::kPlugin,
        std::vector<std::string>{"--inject-base", "--containerd",
                                 "@CONTAINERD@", "--preload", preload});
    std::cout << "containerd " << TestedRelease().version << ", CRI through "
              << CrictlPath() << "\n";
  }
  void TearDown() override {
    if (HasFailure() && env_) std::cerr << env_->failure_logs() << "\n";
  }

  // Starts containerd with CRI, waits until CRI lists the injected and the
  // preloaded image, then imports pause (pinned, as a node preloads it) and
  // the app image with hpcimg.
  void StartNode(const std::string& registry_config_path = "") {
    env_->EnableCri({kPause, registry_config_path});
    ASSERT_TRUE(env_->Start()) << env_->failure_logs();
    ASSERT_TRUE(WaitForImage(kBaseName)) << Images().dump(2);
    ASSERT_TRUE(WaitForImage(kPreloaded)) << Images().dump(2);
    for (const auto& [tar, pin] :
         {std::pair{images_->pause_tar, true}, {images_->app_tar, false}}) {
      std::vector<std::string> argv = {kHpcimg,     "import",        "-q",
                                       "--address", env_->address(), tar};
      if (pin) argv.push_back("--pin");
      RunResult r = RunCommand(argv);
      ASSERT_EQ(r.exit_code, 0) << r.output;
    }
  }

  nlohmann::json Images() {
    return ParseJson(env_->Crictl({"images", "-o", "json"}))["images"];
  }
  // The image CRI lists with `tag` among its repoTags, or null.
  nlohmann::json Image(const std::string& tag) {
    for (const auto& image : Images()) {
      if (image["repoTags"].is_array() &&
          std::find(image["repoTags"].begin(), image["repoTags"].end(), tag) !=
              image["repoTags"].end())
        return image;
    }
    return nullptr;
  }
  bool WaitForImage(const std::string& tag) {
    for (int i = 0; i < 200; ++i) {
      if (!Image(tag).is_null()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }
  nlohmann::json Status(const std::string& ref) {
    return ParseJson(env_->Crictl({"inspecti", "-o", "json", ref}))["status"];
  }
  // The manifest digest of `name`'s record in containerd (k8s.io).
  std::string RecordDigest(const std::string& name) {
    RunResult r = env_->Ctr({"images", "ls", "name==" + name}, "k8s.io");
    size_t at = r.output.find("sha256:");
    return at == std::string::npos ? "" : r.output.substr(at, 71);
  }

  // A pod on the host's network running `image` once; returns its
  // container's log, or "" with a failure.
  std::string RunOnce(const std::string& image) {
    const std::string pod = dir_.Join("pod.json"), ctr = dir_.Join("ctr.json");
    std::ofstream(pod) << nlohmann::json{
        {"metadata",
         {{"name", "app"}, {"namespace", "default"}, {"uid", "hpc-cri-test"}}},
        {"log_directory", env_->pod_log_dir()},
        {"linux",
         {{"security_context", {{"namespace_options", {{"network", 2}}}}}}}};
    std::ofstream(ctr) << nlohmann::json{{"metadata", {{"name", "app"}}},
                                         {"image", {{"image", image}}},
                                         {"log_path", "app.log"}};
    RunResult runp = env_->Crictl({"runp", pod});
    EXPECT_EQ(runp.exit_code, 0) << runp.output;
    if (runp.exit_code != 0) return "";
    const std::string pod_id = runp.output.substr(0, runp.output.find('\n'));
    RunResult create = env_->Crictl({"create", "--no-pull", pod_id, ctr, pod});
    EXPECT_EQ(create.exit_code, 0) << create.output;
    if (create.exit_code != 0) return "";
    const std::string id = create.output.substr(0, create.output.find('\n'));
    RunResult start = env_->Crictl({"start", id});
    EXPECT_EQ(start.exit_code, 0) << start.output;
    std::string state;
    for (int i = 0; i < 100 && state != "CONTAINER_EXITED"; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      nlohmann::json status =
          ParseJson(env_->Crictl({"inspect", "-o", "json", id}));
      if (status.is_object()) state = status["status"].value("state", "");
    }
    EXPECT_EQ(state, "CONTAINER_EXITED");
    nlohmann::json status =
        ParseJson(env_->Crictl({"inspect", "-o", "json", id}));
    EXPECT_EQ(status["status"].value("exitCode", -1), 0) << status.dump(2);
    RunResult logs = env_->Crictl({"logs", id});
    EXPECT_EQ(logs.exit_code, 0) << logs.output;
    RunResult stop = env_->Crictl({"stopp", pod_id});
    EXPECT_EQ(stop.exit_code, 0) << stop.output;
    RunResult remove = env_->Crictl({"rmp", pod_id});
    EXPECT_EQ(remove.exit_code, 0) << remove.output;
    return logs.output;
  }

  static TestImages* images_;
  TempDir dir_;
  std::unique_ptr<ContainerdEnv> env_;
};

TestImages* CriTest::images_ = nullptr;

TEST_F(CriTest, ListsInjectedPreloadedAndImportedImagesWithRepoDigests) {
  StartNode();
  RunResult base = RunCommand({kHpcimg, "inspect", "--json", "base:"});
  ASSERT_EQ(base.exit_code, 0) << base.output;
  const std::string base_digest = ParseJson(base).value("digest", "");
  ASSERT_THAT(base_digest, HasSubstr("sha256:"));

  nlohmann::json injected = Image(kBaseName);
  ASSERT_FALSE(injected.is_null()) << Images().dump(2);
  EXPECT_THAT(injected["repoDigests"], Contains(kBaseRepo + "@" + base_digest));
  for (const char* name : {kPreloaded, kApp, kPause}) {
    nlohmann::json image = Image(name);
    ASSERT_FALSE(image.is_null())
        << name << " not listed: " << Images().dump(2);
    const std::string digest = RecordDigest(name);
    ASSERT_THAT(digest, HasSubstr("sha256:")) << name;
    const std::string repo =
        std::string(name).substr(0, std::string(name).rfind(':'));
    EXPECT_THAT(image["repoDigests"], Contains(repo + "@" + digest)) << name;
  }
  // The image ID CRI reports is the config digest, as kubelet compares it.
  nlohmann::json status = Status(kBaseName);
  EXPECT_EQ(status.value("id", ""), injected.value("id", ""));
  EXPECT_THAT(ParseJson(env_->Crictl(
                  {"inspecti", "-o", "json", kBaseName}))["info"]["imageSpec"]
                  .value("os", ""),
              "windows");

  // Pinned: what the plugin injects and preloads, and pause imported with
  // --pin; not the app imported without it. Releases before 1.6.22/1.7.3
  // do not report the label.
  for (const std::string& name :
       {kBaseName, std::string(kPreloaded), std::string(kPause)}) {
    EXPECT_EQ(Status(name).value("pinned", !ReportsPinned()), ReportsPinned())
        << name << " on containerd " << TestedRelease().version;
  }
  EXPECT_EQ(Status(kApp).value("pinned", true), false);
}

TEST_F(CriTest, PruneKeepsPinnedImagesAndRemovesUnusedOnes) {
  StartNode();
  RunResult prune = env_->Crictl({"rmi", "--prune"});
  ASSERT_EQ(prune.exit_code, 0) << prune.output;
  EXPECT_THAT(prune.output, HasSubstr(kApp));
  EXPECT_TRUE(Image(kApp).is_null()) << Images().dump(2);
  EXPECT_EQ(RecordDigest(kApp), "");
  for (const std::string& name :
       {kBaseName, std::string(kPreloaded), std::string(kPause)}) {
    // Before pinning was reported, prune took them too: a node on such a
    // release loses its preloaded images to kubelet's image GC.
    EXPECT_EQ(!Image(name).is_null(), ReportsPinned())
        << name << " on containerd " << TestedRelease().version << ": "
        << Images().dump(2);
    EXPECT_EQ(RecordDigest(name).empty(), !ReportsPinned()) << name;
  }
}

TEST_F(CriTest, ImportedImageRunsWithItsRegistryStopped) {
  std::string name;
  {
    Registry registry;
    ASSERT_TRUE(registry.ok());
    name = registry.host() + "/hpc/app:v1";
    RunResult push =
        RunCommand({"skopeo", "copy", "-q", "--dest-tls-verify=false",
                    "oci:" + images_->layout + ":app", "docker://" + name});
    ASSERT_EQ(push.exit_code, 0) << push.output;
    StartNode();
    RunResult import =
        RunCommand({kHpcimg, "import", "-q", "--plain-http", "--address",
                    env_->address(), "docker://" + name});
    ASSERT_EQ(import.exit_code, 0) << import.output;
  }
  const int port = std::stoi(name.substr(name.find(':') + 1));
  ASSERT_FALSE(LoopbackPortAccepts(port)) << "the registry still answers";

  EXPECT_THAT(RunOnce(name), HasSubstr(absl::StrCat("hello: app ", kMessage)));
}

TEST_F(CriTest, PullWritesThroughThePlugin) {
  Registry registry;
  ASSERT_TRUE(registry.ok());
  const std::string name = registry.host() + "/hpc/pulled:v1";
  RunResult push =
      RunCommand({"skopeo", "copy", "-q", "--dest-tls-verify=false",
                  "oci:" + images_->layout + ":pulled", "docker://" + name});
  ASSERT_EQ(push.exit_code, 0) << push.output;
  RunResult digest =
      RunCommand({"skopeo", "inspect", "--tls-verify=false", "--format",
                  "{{.Digest}}", "docker://" + name});
  ASSERT_EQ(digest.exit_code, 0) << digest.output;
  const std::string manifest = digest.output.substr(0, 71);

  // The registry as a node's hosts.toml names it: plain HTTP on loopback.
  const std::string hosts = dir_.Join("certs.d");
  fs::create_directories(hosts + "/" + registry.host());
  std::ofstream(hosts + "/" + registry.host() + "/hosts.toml")
      << "server = \"http://" << registry.host() << "\"\n[host.\"http://"
      << registry.host() << "\"]\n  capabilities = [\"pull\", \"resolve\"]\n";
  StartNode(hosts);

  RunResult pull = env_->Crictl({"pull", name});
  ASSERT_EQ(pull.exit_code, 0) << pull.output;
  nlohmann::json image = Image(name);
  ASSERT_FALSE(image.is_null()) << Images().dump(2);
  EXPECT_THAT(image["repoDigests"],
              Contains(registry.host() + "/hpc/pulled@" + manifest));
  // Every blob of the image is in the plugin's store, the only one there is.
  EXPECT_TRUE(fs::exists(env_->blobs_dir() + "/" + manifest.substr(7)));
  RunResult raw = RunCommand(
      {"skopeo", "inspect", "--tls-verify=false", "--raw", "docker://" + name});
  nlohmann::json parsed = ParseJson(raw);
  ASSERT_TRUE(parsed.is_object()) << raw.output;
  EXPECT_TRUE(
      fs::exists(env_->blobs_dir() + "/" +
                 parsed["config"]["digest"].get<std::string>().substr(7)));
  for (const auto& layer : parsed["layers"])
    EXPECT_TRUE(fs::exists(env_->blobs_dir() + "/" +
                           layer["digest"].get<std::string>().substr(7)));
  EXPECT_THAT(env_->ServingContentStores(), ::testing::ElementsAre("hpc"));
  // And kubelet's next step works on it.
  EXPECT_THAT(RunOnce(name),
              HasSubstr(absl::StrCat("hello: pulled ", kMessage)));
}

}  // namespace
}  // namespace hpc::testing
