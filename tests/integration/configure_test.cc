// hpc-content-plugin configure-containerd on the default config of the
// containerd release under test (`containerd config default`): the result
// starts, serves the plugin as its only content store, and a second run
// changes nothing.
#include <filesystem>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/containerd_env.h"
#include "tests/testing/test_data.h"

namespace hpc::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

namespace fs = std::filesystem;

const std::string kPlugin = HPC_BIN_DIR "/hpc-content-plugin";

std::vector<std::string> Backups(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::string name = entry.path().filename().string();
    if (name.rfind("config.toml.bak-", 0) == 0) out.push_back(entry.path());
  }
  return out;
}

TEST(ConfigureContainerdTest, DefaultConfigServesThePluginAsItsOnlyStore) {
  REQUIRE_PREREQUISITES();
  ContainerdEnv env(ContentStore::kPlugin);
  ASSERT_TRUE(env.StartPlugin()) << env.failure_logs();
  const std::string etc = env.dir() + "/etc";
  fs::create_directories(etc);
  const std::string config = etc + "/config.toml";
  RunResult made = RunCommand({"sh", "-c", "\"$0\" config default >\"$1\"",
                               TestedRelease().containerd, config});
  ASSERT_EQ(made.exit_code, 0) << made.output;
  const std::string original = ReadFileOrDie(config);

  const std::vector<std::string> configure = {
      kPlugin,     "configure-containerd", "--config", config,
      "--address", env.plugin_socket(),    "--root",   env.plugin_root()};
  RunResult first = RunCommand(configure);
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_THAT(first.output, HasSubstr("updated"));
  std::vector<std::string> backups = Backups(etc);
  ASSERT_EQ(backups.size(), 1u);
  EXPECT_EQ(ReadFileOrDie(backups[0]), original);
  const std::string configured = ReadFileOrDie(config);
  // Every line of the default is kept, in order, but disabled_plugins.
  size_t at = 0;
  std::istringstream lines(original);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("disabled_plugins", 0) == 0) continue;
    size_t found = configured.find(line + "\n", at);
    ASSERT_NE(found, std::string::npos) << "lost: " << line;
    at = found + line.size();
  }

  RunResult second = RunCommand(configure);
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_THAT(second.output, HasSubstr("already configured"));
  EXPECT_EQ(ReadFileOrDie(config), configured);
  EXPECT_EQ(Backups(etc).size(), 1u);

  ASSERT_TRUE(env.StartContainerdWithConfig(config)) << env.failure_logs();
  EXPECT_THAT(env.ServingContentStores(), ElementsAre("hpc"))
      << env.failure_logs();
  // Content written through containerd lands in the plugin's store.
  const std::string data = "through the configured proxy\n";
  RunResult ingest =
      env.Ctr({"content", "ingest", "configured"}, "default", data);
  ASSERT_EQ(ingest.exit_code, 0) << ingest.output;
  RunResult listed = env.Ctr({"content", "ls", "-q"});
  ASSERT_EQ(listed.exit_code, 0) << listed.output;
  std::string digest = listed.output.substr(0, listed.output.find('\n'));
  ASSERT_THAT(digest, HasSubstr("sha256:"));
  EXPECT_EQ(
      ReadFileOrDie(env.plugin_root() + "/blobs/sha256/" + digest.substr(7)),
      data);
  if (TestedRelease().major >= 2) {
    // From config version 3 the proxy exports its root.
    RunResult detailed = env.Ctr({"plugins", "ls", "--detailed"});
    EXPECT_THAT(detailed.output, HasSubstr(env.plugin_root()))
        << detailed.output;
  }
  EXPECT_TRUE(env.Stop()) << env.failure_logs();
}

}  // namespace
}  // namespace hpc::testing
