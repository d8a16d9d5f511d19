#include <algorithm>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "importer/runtime/runtime_spec.h"
#include "importer/runtime/stage_user.h"

namespace hpc::runtime {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

std::vector<std::string> NamespaceTypes(const nlohmann::json& spec) {
  std::vector<std::string> types;
  for (const auto& ns : spec["linux"]["namespaces"]) types.push_back(ns["type"]);
  return types;
}

std::vector<std::string> Destinations(const nlohmann::json& spec) {
  std::vector<std::string> out;
  for (const auto& m : spec["mounts"]) out.push_back(m["destination"]);
  return out;
}

TEST(RuntimeSpecTest, HostNetworkSharesTheHostsNamesAndStack) {
  RunSpec run;
  run.args = {"/bin/sh", "-c", "curl -fLO https://example.com/x.exe"};
  run.env = {"FOO=bar"};
  run.cwd = "/kube-proxy";
  run.user = {1000, 1000, {10}};
  auto spec = MakeRuntimeSpec(run, "/tmp/b/rootfs");
  EXPECT_EQ(spec["ociVersion"], "1.0.2");
  EXPECT_EQ(spec["root"]["path"], "/tmp/b/rootfs");
  EXPECT_EQ(spec["root"]["readonly"], false);
  EXPECT_EQ(spec["process"]["args"], run.args);
  EXPECT_EQ(spec["process"]["cwd"], "/kube-proxy");
  EXPECT_EQ(spec["process"]["terminal"], false);
  EXPECT_EQ(spec["process"]["noNewPrivileges"], true);
  EXPECT_EQ(spec["process"]["user"]["uid"], 1000);
  EXPECT_EQ(spec["process"]["user"]["additionalGids"], nlohmann::json({10}));
  EXPECT_THAT(spec["process"]["env"].get<std::vector<std::string>>(),
              ElementsAre(std::string("PATH=") + kDefaultPath, "FOO=bar"));
  EXPECT_THAT(NamespaceTypes(spec), ElementsAre("pid", "ipc", "uts", "mount"));
  EXPECT_THAT(Destinations(spec),
              ElementsAre("/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue",
                          "/sys", "/etc/resolv.conf", "/etc/hosts"));
  for (const auto& m : spec["mounts"]) {
    if (m["destination"] == "/sys" || m["type"] == "bind") {
      EXPECT_THAT(m["options"].get<std::vector<std::string>>(), Contains("ro"))
          << m.dump();
    }
  }
  auto caps = spec["process"]["capabilities"]["bounding"].get<std::vector<std::string>>();
  EXPECT_EQ(caps.size(), 14u);
  EXPECT_THAT(caps, Contains("CAP_NET_RAW"));
  EXPECT_THAT(caps, Not(Contains("CAP_SYS_ADMIN")));
  EXPECT_EQ(spec["process"]["capabilities"]["effective"], spec["process"]["capabilities"]["bounding"]);
}

TEST(RuntimeSpecTest, NoNetworkIsANamespaceOfItsOwn) {
  RunSpec run;
  run.args = {"true"};
  run.env = {"PATH=/go/bin:/usr/bin"};
  run.network = Network::kNone;
  auto spec = MakeRuntimeSpec(run, "/r");
  EXPECT_THAT(NamespaceTypes(spec), Contains("network"));
  EXPECT_THAT(Destinations(spec), Not(Contains("/etc/resolv.conf")));
  EXPECT_THAT(spec["process"]["env"].get<std::vector<std::string>>(),
              ElementsAre("PATH=/go/bin:/usr/bin"))
      << "the stage's PATH is kept";
}

constexpr char kPasswd[] =
    "root:x:0:0:root:/root:/bin/sh\n"
    "curl_user:x:100:101:Linux User,,,:/home/curl_user:/sbin/nologin\n"
    "nobody:x:65534:65534:nobody:/:/sbin/nologin\n";
constexpr char kGroup[] =
    "root:x:0:root\n"
    "curl_group:x:101:\n"
    "wheel:x:10:root,curl_user\n"
    "nogroup:x:65533:\n";

TEST(StageUserTest, NamesAndNumbersAsDockerReadsThem) {
  auto root = ResolveUserIn(kPasswd, kGroup, "");
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(root->uid, 0u);
  auto curl = ResolveUserIn(kPasswd, kGroup, "curl_user");
  ASSERT_TRUE(curl.ok()) << curl.status();
  EXPECT_EQ(curl->uid, 100u);
  EXPECT_EQ(curl->gid, 101u);
  EXPECT_THAT(curl->additional_gids, ElementsAre(10u));
  auto numeric = ResolveUserIn(kPasswd, kGroup, "100");
  ASSERT_TRUE(numeric.ok());
  EXPECT_EQ(numeric->gid, 101u) << "the passwd entry of a numeric uid gives its group";
  auto unknown_uid = ResolveUserIn(kPasswd, kGroup, "4242:4243");
  ASSERT_TRUE(unknown_uid.ok());
  EXPECT_EQ(unknown_uid->uid, 4242u);
  EXPECT_EQ(unknown_uid->gid, 4243u);
  auto group = ResolveUserIn(kPasswd, kGroup, "nobody:nogroup");
  ASSERT_TRUE(group.ok());
  EXPECT_EQ(group->gid, 65533u);
  EXPECT_TRUE(group->additional_gids.empty());
}

TEST(StageUserTest, UnknownNamesAreErrors) {
  auto user = ResolveUserIn(kPasswd, kGroup, "builder");
  ASSERT_FALSE(user.ok());
  EXPECT_THAT(user.status().message(), HasSubstr("no user \"builder\""));
  auto group = ResolveUserIn(kPasswd, kGroup, "root:staff");
  ASSERT_FALSE(group.ok());
  EXPECT_THAT(group.status().message(), HasSubstr("no group \"staff\""));
}

}  // namespace
}  // namespace hpc::runtime
