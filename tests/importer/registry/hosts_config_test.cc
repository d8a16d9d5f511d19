#include "importer/registry/hosts_config.h"

#include <filesystem>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace hpc::registry {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

RegistryHost Server() {
  RegistryHost s;
  s.url = "https://registry-1.docker.io";
  s.api_root = s.url + "/v2";
  return s;
}

void Write(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << text;
}

TEST(HostsConfigTest, MirrorsInFileOrderThenTheServer) {
  testing::TempDir dir;
  Write(dir.Join("docker.io/hosts.toml"),
        "server = \"https://registry-1.docker.io\"\n"
        "\n"
        "[host.\"https://zz-mirror.example.com\"]\n"
        "  capabilities = [\"pull\", \"resolve\"]\n"
        "  ca = \"mirror-ca.crt\"\n"
        "  client = [[\"/etc/certs/c.cert\", \"/etc/certs/c.key\"]]\n"
        "  [host.\"https://zz-mirror.example.com\".header]\n"
        "    x-team = \"platform\"\n"
        "\n"
        "[host.\"http://10.0.0.1:5000/registry/v2/proxy\"]\n"
        "  capabilities = [\"pull\"]\n"
        "  override_path = true\n"
        "  skip_verify = true\n");
  auto hosts = LoadRegistryHosts(dir.path(), "docker.io", Server());
  ASSERT_TRUE(hosts.ok()) << hosts.status();
  ASSERT_EQ(hosts->size(), 3u);
  const RegistryHost& a = (*hosts)[0];
  EXPECT_EQ(a.url, "https://zz-mirror.example.com") << "file order, not name order";
  EXPECT_EQ(a.api_root, "https://zz-mirror.example.com/v2");
  EXPECT_TRUE(a.pull && a.resolve && !a.push);
  EXPECT_EQ(a.tls.ca_file, dir.Join("docker.io/mirror-ca.crt"));
  EXPECT_EQ(a.tls.client_cert, "/etc/certs/c.cert");
  EXPECT_EQ(a.tls.client_key, "/etc/certs/c.key");
  EXPECT_THAT(a.headers, ElementsAre("x-team: platform"));
  const RegistryHost& b = (*hosts)[1];
  EXPECT_EQ(b.api_root, "http://10.0.0.1:5000/registry/v2/proxy");
  EXPECT_TRUE(b.pull && !b.resolve && !b.push);
  EXPECT_FALSE(b.tls.verify);
  const RegistryHost& server = (*hosts)[2];
  EXPECT_EQ(server.api_root, "https://registry-1.docker.io/v2");
  EXPECT_TRUE(server.pull && server.resolve && server.push);
}

TEST(HostsConfigTest, DefaultFolderDockerCertsAndNone) {
  testing::TempDir dir;
  EXPECT_EQ(LoadRegistryHosts(dir.path(), "quay.io", Server())->size(), 1u);
  Write(dir.Join("_default/hosts.toml"), "[host.\"http://127.0.0.1:5000\"]\n");
  auto fallback = LoadRegistryHosts(dir.path(), "quay.io", Server());
  ASSERT_TRUE(fallback.ok());
  ASSERT_EQ(fallback->size(), 2u);
  EXPECT_EQ((*fallback)[0].api_root, "http://127.0.0.1:5000/v2");
  // A folder without hosts.toml: Docker's certificate files.
  Write(dir.Join("127.0.0.1:5000/ca.crt"), "pem");
  Write(dir.Join("127.0.0.1:5000/client.cert"), "pem");
  Write(dir.Join("127.0.0.1:5000/client.key"), "pem");
  auto certs = LoadRegistryHosts(dir.path(), "127.0.0.1:5000", Server());
  ASSERT_TRUE(certs.ok());
  ASSERT_EQ(certs->size(), 1u);
  EXPECT_EQ((*certs)[0].tls.ca_file, dir.Join("127.0.0.1:5000/ca.crt"));
  EXPECT_EQ((*certs)[0].tls.client_key, dir.Join("127.0.0.1:5000/client.key"));
}

TEST(HostsConfigTest, BadFilesNameThemselves) {
  testing::TempDir dir;
  Write(dir.Join("docker.io/hosts.toml"), "[host.\"ftp://x\"]\n");
  auto scheme = LoadRegistryHosts(dir.path(), "docker.io", Server());
  ASSERT_FALSE(scheme.ok());
  EXPECT_THAT(scheme.status().message(),
              AllOf(HasSubstr("docker.io/hosts.toml"), HasSubstr("\"ftp://x\"")));
  Write(dir.Join("docker.io/hosts.toml"), "[host.\"https://m\"]\ncapabilities = [\"fly\"]\n");
  EXPECT_THAT(LoadRegistryHosts(dir.path(), "docker.io", Server()).status().message(),
              HasSubstr("unknown capability \"fly\""));
  Write(dir.Join("docker.io/hosts.toml"), "server = \n");
  EXPECT_THAT(LoadRegistryHosts(dir.path(), "docker.io", Server()).status().message(),
              HasSubstr("line 1"));
}

}  // namespace
}  // namespace hpc::registry
