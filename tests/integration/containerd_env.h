// A private containerd for integration tests: its own root, state and
// sockets in a temporary directory, using either its built-in content store
// or hpc-content-plugin as a proxy plugin, plus the real tools around it
// (ctr, skopeo, umoci, docker-registry).
#ifndef HPC_TESTS_INTEGRATION_CONTAINERD_ENV_H_
#define HPC_TESTS_INTEGRATION_CONTAINERD_ENV_H_

#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/integration/containerd_release.h"
#include "tests/integration/registry_env.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/temp_dir.h"

namespace hpc::testing {

// Which content store containerd uses.
enum class ContentStore { kBuiltin, kPlugin };

// Runs a parameterised suite on containerd's built-in store and on the
// plugin, naming the instances Builtin and Plugin.
#define INSTANTIATE_FOR_BOTH_STORES(suite)                         \
  INSTANTIATE_TEST_SUITE_P(                                        \
      Stores, suite,                                               \
      ::testing::Values(::hpc::testing::ContentStore::kBuiltin,    \
                        ::hpc::testing::ContentStore::kPlugin),    \
      [](const auto& info) {                                       \
        return info.param == ::hpc::testing::ContentStore::kPlugin \
                   ? "Plugin"                                      \
                   : "Builtin";                                    \
      })

// The reason the tests cannot run here, or "" when they can: root, the real
// tools and the built plugin are needed.
std::string MissingPrerequisites();

// Integration tests run in CI as root with every tool installed; there a
// missing prerequisite is a failure, elsewhere a skip.
#define REQUIRE_PREREQUISITES()                                   \
  do {                                                            \
    std::string missing = ::hpc::testing::MissingPrerequisites(); \
    if (!missing.empty()) {                                       \
      if (std::getenv("CI") != nullptr) FAIL() << missing;        \
      GTEST_SKIP() << missing;                                    \
    }                                                             \
  } while (0)

// containerd's CRI plugin as kubelet finds it on a node: the sandbox image
// a test imports (as an airgapped node preloads pause), pods with the host's
// network only (no CNI is installed), runc's state under the test's
// directory, and registries set up by containerd's hosts.toml folder.
struct CriSettings {
  std::string sandbox_image;
  std::string registry_config_path;  // a hosts.toml folder; "" for none
};

// crictl from $HPC_CRICTL, else the one the build unpacked from the peers
// folder; "" when there is none.
std::string CrictlPath();

class ContainerdEnv {
 public:
  explicit ContainerdEnv(ContentStore store,
                         std::vector<std::string> plugin_args = {});
  ~ContainerdEnv();

  // Enables CRI in the config written for containerd; call before Start.
  void EnableCri(CriSettings cri);
  // Runs crictl against this containerd's CRI (runtime and image service).
  RunResult Crictl(const std::vector<std::string>& args);
  // Where pods of this environment keep their logs.
  std::string pod_log_dir() const { return dir_.Join("pods"); }

  // Starts the plugin (when used) and then containerd; false on failure,
  // with the logs in failure_logs().
  bool Start();
  // Stops containerd, then the plugin, both with SIGTERM; returns whether
  // both exited 0.
  bool Stop();
  bool StartPlugin();
  int StopPlugin(int signal);
  bool StartContainerd();
  // Starts containerd with the config file `config` instead of the one
  // this environment writes, with this environment's root, state and
  // socket given on the command line.
  bool StartContainerdWithConfig(const std::string& config);
  int StopContainerd(int signal);
  // The IDs of the content stores containerd serves (`ctr plugins ls`, type
  // io.containerd.content.v1, status ok).
  std::vector<std::string> ServingContentStores();

  // Runs ctr against this containerd in `namespace`.
  RunResult Ctr(const std::vector<std::string>& args,
                const std::string& ns = "default",
                const std::string& stdin_data = "");

  const std::string& dir() const { return dir_.path(); }
  std::string address() const { return dir_.Join("containerd.sock"); }
  std::string plugin_socket() const { return dir_.Join("content.sock"); }
  std::string plugin_root() const { return dir_.Join("content"); }
  std::string plugin_log() const { return dir_.Join("plugin.log"); }
  // True once the plugin's log holds `text`, polled for up to 10 s.
  bool WaitForPluginLog(const std::string& text) const;
  // Where blobs of the content store in use live.
  std::string blobs_dir() const;
  std::string failure_logs() const;

 private:
  void WriteConfig();
  std::string CriConfig() const;
  bool RunContainerd(std::vector<std::string> argv);

  ContentStore store_;
  std::vector<std::string> plugin_args_;
  std::optional<CriSettings> cri_;
  TempDir dir_;
  std::unique_ptr<Subprocess> plugin_;
  std::unique_ptr<Subprocess> containerd_;
};

// Builds an OCI image layout at `layout` tagged `tag` with one layer holding
// `files` (path -> content), config os/architecture as given, using umoci.
bool MakeOciImage(const std::string& layout, const std::string& tag,
                  const std::map<std::string, std::string>& files,
                  const std::string& os = "windows",
                  const std::string& architecture = "amd64");

// The sha256 hex names of the files in a blobs/sha256 directory.
std::vector<std::string> ListBlobs(const std::string& blobs_dir);

// A suite run on both content stores with a private containerd started for
// each test (env_); its logs are printed when the test fails.
class ContainerdEnvTest : public ::testing::TestWithParam<ContentStore> {
 protected:
  void SetUp() override {
    REQUIRE_PREREQUISITES();
    env_ = std::make_unique<ContainerdEnv>(GetParam());
    ASSERT_TRUE(env_->Start()) << env_->failure_logs();
  }
  void TearDown() override {
    if (HasFailure() && env_) std::cerr << env_->failure_logs() << "\n";
  }
  std::unique_ptr<ContainerdEnv> env_;
};

}  // namespace hpc::testing

#endif  // HPC_TESTS_INTEGRATION_CONTAINERD_ENV_H_
