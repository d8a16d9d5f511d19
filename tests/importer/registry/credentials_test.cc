#include "importer/registry/credentials.h"

#include <cstdlib>
#include <filesystem>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace hpc::registry {
namespace {

using ::hpc::testing::TempDir;
using ::hpc::testing::WriteFileOrDie;
using ::testing::HasSubstr;
using ::testing::Not;

// Points HOME, DOCKER_CONFIG and REGISTRY_AUTH_FILE at a test's files for
// its lifetime.
class CredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : {"HOME", "DOCKER_CONFIG", "REGISTRY_AUTH_FILE"}) {
      const char* v = std::getenv(name);
      saved_.emplace_back(name,
                          v ? std::optional<std::string>(v) : std::nullopt);
    }
    setenv("HOME", dir_.path().c_str(), 1);
    unsetenv("DOCKER_CONFIG");
    unsetenv("REGISTRY_AUTH_FILE");
  }
  void TearDown() override {
    for (const auto& [name, value] : saved_) {
      if (value) {
        setenv(name.c_str(), value->c_str(), 1);
      } else {
        unsetenv(name.c_str());
      }
    }
  }
  std::string Home(const std::string& rel) { return dir_.Join(rel); }

  TempDir dir_;
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

TEST_F(CredentialsTest, CredsFlagComesFirst) {
  WriteFileOrDie(dir_.Join("auth.json"),
                 R"({"auths":{"r.io":{"auth":"dTpw"}}})");  // u:p
  auto found = FindCredentials("r.io", {"me:pa:ss", dir_.Join("auth.json")});
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->credentials.username, "me");
  EXPECT_EQ(found->credentials.password, "pa:ss");
  EXPECT_EQ(found->source, "--creds");
}

TEST_F(CredentialsTest, DockerConfigAuthsByHostOrUrl) {
  std::filesystem::create_directories(Home(".docker"));
  WriteFileOrDie(Home(".docker/config.json"), R"({"auths":{
      "https://index.docker.io/v1/":{"auth":"aHViOmh1YnBhc3M="},
      "r.io:5000":{"username":"u","password":"p"}}})");
  auto hub = FindCredentials("docker.io", {});
  ASSERT_TRUE(hub.ok()) << hub.status();
  EXPECT_EQ(hub->credentials.username, "hub");
  EXPECT_EQ(hub->credentials.password, "hubpass");
  EXPECT_THAT(hub->source, HasSubstr(".docker/config.json"));
  auto other = FindCredentials("r.io:5000", {});
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->credentials.username, "u");
  auto none = FindCredentials("elsewhere.io", {});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->credentials.empty());
  EXPECT_THAT(none->looked_in,
              ::testing::ElementsAre(Home(".docker/config.json")));
}

TEST_F(CredentialsTest, EnvironmentNamesTheFile) {
  WriteFileOrDie(dir_.Join("a.json"), R"({"auths":{"r.io":{"auth":"YTpi"}}})");
  setenv("REGISTRY_AUTH_FILE", dir_.Join("a.json").c_str(), 1);
  auto found = FindCredentials("r.io", {});
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->credentials.username, "a");
  EXPECT_THAT(found->source, HasSubstr("a.json"));
  unsetenv("REGISTRY_AUTH_FILE");
  std::filesystem::create_directories(dir_.Join("dc"));
  WriteFileOrDie(dir_.Join("dc/config.json"),
                 R"({"auths":{"r.io":{"auth":"YzpkCg=="}}})");
  setenv("DOCKER_CONFIG", dir_.Join("dc").c_str(), 1);
  found = FindCredentials("r.io", {});
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->credentials.username, "c");
}

TEST_F(CredentialsTest, BrokenFilesAreErrorsThatQuoteNoSecret) {
  WriteFileOrDie(dir_.Join("bad.json"),
                 R"({"auths":{"r.io":{"auth":"sekrit!"}}})");
  auto bad = FindCredentials("r.io", {"", dir_.Join("bad.json")});
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()),
              AllOf(HasSubstr("bad.json"), HasSubstr("not base64"),
                    Not(HasSubstr("sekrit"))));
  WriteFileOrDie(dir_.Join("junk.json"), "password=hunter2");
  auto junk = FindCredentials("r.io", {"", dir_.Join("junk.json")});
  ASSERT_FALSE(junk.ok());
  EXPECT_THAT(std::string(junk.status().message()), Not(HasSubstr("hunter2")));
  auto missing = FindCredentials("r.io", {"", dir_.Join("none.json")});
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(std::string(missing.status().message()),
              AllOf(HasSubstr("--authfile"), HasSubstr("none.json")));
}

TEST_F(CredentialsTest, MissingCredentialHelperIsNamed) {
  std::filesystem::create_directories(Home(".docker"));
  WriteFileOrDie(Home(".docker/config.json"),
                 R"({"credsStore":"hpc-no-such-helper"})");
  auto found = FindCredentials("r.io", {});
  ASSERT_FALSE(found.ok());
  EXPECT_THAT(std::string(found.status().message()),
              HasSubstr("docker-credential-hpc-no-such-helper"));
}

}  // namespace
}  // namespace hpc::registry
