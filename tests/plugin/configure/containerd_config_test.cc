// The edit of containerd's config.toml, on texts written here, and
// configure-containerd on files.
#include "plugin/configure/containerd_config.h"

#include <filesystem>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "plugin/configure/configure_containerd.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/temp_dir.h"

namespace hpc::configure {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

ContentProxy Proxy() {
  ContentProxy p;
  p.address = "/run/hpc-content/content.sock";
  p.root = "/var/lib/hpc-content";
  return p;
}

// Edits, and checks that a second edit of the result changes nothing.
ConfigEdit EditTwice(const std::string& text,
                     const ContentProxy& proxy = Proxy()) {
  auto first = AddContentProxy(text, "config.toml", proxy);
  EXPECT_TRUE(first.ok()) << first.status();
  if (!first.ok()) return {};
  auto second = AddContentProxy(first->text, "config.toml", proxy);
  EXPECT_TRUE(second.ok()) << second.status();
  if (second.ok()) {
    EXPECT_THAT(second->changes, IsEmpty()) << first->text;
    EXPECT_EQ(second->text, first->text);
  }
  return *first;
}

TEST(ContainerdConfigTest, EmptyBecomesVersion2) {
  ConfigEdit e = EditTwice("");
  EXPECT_EQ(e.version, 2);
  EXPECT_EQ(e.text,
            "version = 2\n"
            "disabled_plugins = [\"io.containerd.content.v1.content\"]\n"
            "# containerd's only content store: hpc-content-plugin\n"
            "[proxy_plugins.hpc]\n"
            "  type = \"content\"\n"
            "  address = \"/run/hpc-content/content.sock\"\n");
}

TEST(ContainerdConfigTest, CommentsAndSettingsStay) {
  const std::string text =
      "# node config, owned by the platform team\n"
      "version = 2 # keep\n"
      "root = \"/data/containerd\"\n"
      "disabled_plugins = [\"io.containerd.internal.v1.opt\"] # opt off\n"
      "\n"
      "[plugins.\"io.containerd.grpc.v1.cri\"]\n"
      "  # sandbox image pinned by policy\n"
      "  sandbox_image = \"registry.k8s.io/pause:3.9\"\n";
  ConfigEdit e = EditTwice(text);
  EXPECT_EQ(e.text,
            "# node config, owned by the platform team\n"
            "version = 2 # keep\n"
            "root = \"/data/containerd\"\n"
            "disabled_plugins = [\"io.containerd.internal.v1.opt\", "
            "\"io.containerd.content.v1.content\"] # opt off\n"
            "\n"
            "[plugins.\"io.containerd.grpc.v1.cri\"]\n"
            "  # sandbox image pinned by policy\n"
            "  sandbox_image = \"registry.k8s.io/pause:3.9\"\n"
            "\n"
            "# containerd's only content store: hpc-content-plugin\n"
            "[proxy_plugins.hpc]\n"
            "  type = \"content\"\n"
            "  address = \"/run/hpc-content/content.sock\"\n");
  EXPECT_EQ(e.changes.size(), 2u);
}

TEST(ContainerdConfigTest, DisabledPluginsAddedAfterTheVersion) {
  ConfigEdit e = EditTwice("version = 3\n[grpc]\n  address = \"/run/c.sock\"");
  EXPECT_EQ(e.version, 3);
  EXPECT_THAT(e.text,
              StartsWith("version = 3\ndisabled_plugins = "
                         "[\"io.containerd.content.v1.content\"]\n[grpc]\n"
                         "  address = \"/run/c.sock\"\n\n"));
  // Version 3 and later: the root is exported.
  EXPECT_THAT(e.text, HasSubstr("  exports = { root = "
                                "\"/var/lib/hpc-content\" }\n"));
}

TEST(ContainerdConfigTest, OurProxyIsUpdatedInPlace) {
  const std::string text =
      "version = 3\n"
      "disabled_plugins = [\"io.containerd.content.v1.content\"]\n"
      "[proxy_plugins.hpc]\n"
      "  type = \"content\" # ours\n"
      "  address = \"/run/old.sock\"\n"
      "[plugins.x]\n"
      "  y = 1\n";
  ConfigEdit e = EditTwice(text);
  EXPECT_EQ(e.text,
            "version = 3\n"
            "disabled_plugins = [\"io.containerd.content.v1.content\"]\n"
            "[proxy_plugins.hpc]\n"
            "  type = \"content\" # ours\n"
            "  address = \"/run/hpc-content/content.sock\"\n"
            "  exports = { root = \"/var/lib/hpc-content\" }\n"
            "[plugins.x]\n"
            "  y = 1\n");
}

TEST(ContainerdConfigTest, WindowsPipeIsALiteralString) {
  ContentProxy proxy = Proxy();
  proxy.address = "\\\\.\\pipe\\hpc-content";
  proxy.root = "C:\\ProgramData\\hpc-content";
  ConfigEdit e = EditTwice("version = 2\n", proxy);
  EXPECT_THAT(e.text, HasSubstr("  address = '\\\\.\\pipe\\hpc-content'\n"));
}

TEST(ContainerdConfigTest, RefusalsNameTheLine) {
  struct Case {
    std::string text, why;
  };
  for (const Case& c : std::vector<Case>{
           {"version = 2\n[plugins\n", "config.toml:2:"},
           {"root = \"/x\"\n", "has no version"},
           {"version = 1\n", "config.toml:1: config version must be 2, 3 or 4"},
           {"version = 5\n", "config version must be 2, 3 or 4"},
           {"version = 2\ndisabled_plugins = \"x\"\n",
            "config.toml:2: disabled_plugins is not a list"},
           {"version = 2\n\n[proxy_plugins.other]\n  type = \"content\"\n"
            "  address = \"/run/other.sock\"\n",
            "config.toml:3: [proxy_plugins.other] is another content proxy "
            "(at /run/other.sock)"},
           {"version = 2\n[proxy_plugins.hpc]\n  type = \"snapshot\"\n",
            "is not a content proxy"},
           {"version = 2\nproxy_plugins = {}\n", "add the proxy by hand"},
       }) {
    auto e = AddContentProxy(c.text, "config.toml", Proxy());
    ASSERT_FALSE(e.ok()) << c.text;
    EXPECT_EQ(e.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(e.status().message(), HasSubstr(c.why)) << c.text;
    EXPECT_THAT(e.status().message(), HasSubstr("nothing was written"));
  }
}

TEST(ConfigureContainerdTest, BackupOnceAndNothingOnTheSecondRun) {
  hpc::testing::TempDir dir;
  const std::string path = dir.Join("etc/config.toml");
  // A missing file is created, with no backup.
  auto created = ConfigureContainerd(path, Proxy(), false);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_TRUE(created->created);
  EXPECT_TRUE(created->backup.empty());
  EXPECT_EQ(hpc::testing::ReadFileOrDie(path), created->edit.text);

  const std::string before = "version = 2\nroot = \"/x\"\n";
  hpc::testing::WriteFileOrDie(path, before);
  std::filesystem::permissions(path, std::filesystem::perms::owner_read |
                                         std::filesystem::perms::owner_write);
  auto dry = ConfigureContainerd(path, Proxy(), true);
  ASSERT_TRUE(dry.ok()) << dry.status();
  EXPECT_FALSE(dry->written);
  EXPECT_EQ(hpc::testing::ReadFileOrDie(path), before);

  auto done = ConfigureContainerd(path, Proxy(), false);
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_TRUE(done->written);
  EXPECT_EQ(hpc::testing::ReadFileOrDie(done->backup), before);
  EXPECT_EQ(hpc::testing::ReadFileOrDie(path), dry->edit.text);
  EXPECT_EQ(
      std::filesystem::status(path).permissions(),
      std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  auto again = ConfigureContainerd(path, Proxy(), false);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_FALSE(again->written);
  EXPECT_TRUE(again->backup.empty());
  int files = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(dir.Join("etc"))) {
    (void)entry;
    ++files;
  }
  EXPECT_EQ(files, 2) << "the config and one backup";
}

// The command: refusals change nothing; --dry-run prints.
TEST(ConfigureContainerdTest, CommandRefusesAndDryRuns) {
  hpc::testing::TempDir dir;
  const std::string path = dir.Join("config.toml");
  const std::string plugin = std::string(HPC_BIN_DIR) + "/hpc-content-plugin";
  hpc::testing::WriteFileOrDie(path, "version = 2\n[plugins\n");
  auto r = hpc::testing::RunCommand(
      {plugin, "configure-containerd", "--config", path});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr(path + ":2:"));
  EXPECT_EQ(hpc::testing::ReadFileOrDie(path), "version = 2\n[plugins\n");

  hpc::testing::WriteFileOrDie(path, "version = 2\n");
  r = hpc::testing::RunCommand({plugin, "configure-containerd", "--config",
                                path, "--address", "/run/x.sock", "--dry-run"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("address = \"/run/x.sock\""));
  EXPECT_EQ(hpc::testing::ReadFileOrDie(path), "version = 2\n");
}

}  // namespace
}  // namespace hpc::configure
