#include "importer/registry/registry_reference.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "importer/registry/auth_challenge.h"

namespace hpc::registry {
namespace {

using ::testing::HasSubstr;

// Docker Hub's short names normalise as containerd's
// reference.ParseNormalizedNamed does: docker.io, library/ for one-component
// names, latest when untagged.
TEST(RegistryReferenceTest, DockerHubShortNames) {
  auto busybox = RegistryReference::Parse("busybox");
  ASSERT_TRUE(busybox.ok()) << busybox.status();
  EXPECT_EQ(busybox->domain, "docker.io");
  EXPECT_EQ(busybox->repository, "library/busybox");
  EXPECT_EQ(busybox->tag, "latest");
  EXPECT_EQ(busybox->ToString(), "docker.io/library/busybox:latest");
  EXPECT_EQ(busybox->ApiHost(), "registry-1.docker.io");

  auto user = RegistryReference::Parse("someone/tool:1.2");
  ASSERT_TRUE(user.ok());
  EXPECT_EQ(user->ToString(), "docker.io/someone/tool:1.2");

  auto explicit_hub = RegistryReference::Parse("docker.io/busybox:1");
  ASSERT_TRUE(explicit_hub.ok());
  EXPECT_EQ(explicit_hub->repository, "library/busybox");
}

TEST(RegistryReferenceTest, HostsPortsTagsAndDigests) {
  const std::string digest =
      "sha256:0fd2ca6d13eeedfe8a478e142d30a40f2059c4d1e6473912c457c9677f8189b6";
  auto r = RegistryReference::Parse("127.0.0.1:5000/hpc/app:v1@" + digest);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->domain, "127.0.0.1:5000");
  EXPECT_EQ(r->ApiHost(), "127.0.0.1:5000");
  EXPECT_EQ(r->repository, "hpc/app");
  EXPECT_EQ(r->tag, "v1");
  EXPECT_EQ(r->digest, digest);
  EXPECT_EQ(r->ManifestReference(), digest);
  EXPECT_EQ(r->Name(), "127.0.0.1:5000/hpc/app");

  auto by_digest = RegistryReference::Parse("mcr.microsoft.com/a/b@" + digest);
  ASSERT_TRUE(by_digest.ok());
  EXPECT_EQ(by_digest->tag, "");
  EXPECT_EQ(by_digest->ToString(), "mcr.microsoft.com/a/b@" + digest);

  auto local = RegistryReference::Parse("localhost/app");
  ASSERT_TRUE(local.ok());
  EXPECT_EQ(local->domain, "localhost");
  EXPECT_EQ(local->ManifestReference(), "latest");
}

TEST(RegistryReferenceTest, BadReferencesSayWhatIsWrong) {
  struct Case {
    const char* text;
    const char* says;
  } cases[] = {
      {"", "needs HOST/REPOSITORY"},
      {"host:5000/", "names no repository"},
      {"host:5000/App", "lower-case"},
      {"host:5000/a//b", "repository component"},
      {"host:5000/a:-bad", "tag \"-bad\""},
      {"host:5000/a@sha256:abc", "digest"},
      {"ho$t.io/a", "registry host \"ho$t.io\""},
  };
  for (const Case& c : cases) {
    auto r = RegistryReference::Parse(c.text);
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(r.status().message()),
                HasSubstr(std::string("docker://") + c.text));
    EXPECT_THAT(std::string(r.status().message()), HasSubstr(c.says)) << c.text;
  }
}

TEST(AuthChallengeTest, BearerAndBasic) {
  auto bearer = ParseAuthChallenge(
      R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull")");
  ASSERT_TRUE(bearer.has_value());
  EXPECT_EQ(bearer->scheme, "bearer");
  EXPECT_EQ(bearer->Param("realm"), "https://auth.docker.io/token");
  EXPECT_EQ(bearer->Param("service"), "registry.docker.io");
  EXPECT_EQ(bearer->Param("scope"), "repository:library/busybox:pull");

  auto basic = ParseAuthChallenge(R"(Basic realm="hpc \"test\"")");
  ASSERT_TRUE(basic.has_value());
  EXPECT_EQ(basic->scheme, "basic");
  EXPECT_EQ(basic->Param("realm"), "hpc \"test\"");

  auto unquoted = ParseAuthChallenge("bearer realm=http://x/token, service=s");
  ASSERT_TRUE(unquoted.has_value());
  EXPECT_EQ(unquoted->Param("realm"), "http://x/token");
  EXPECT_EQ(unquoted->Param("service"), "s");

  EXPECT_FALSE(ParseAuthChallenge("").has_value());
  EXPECT_FALSE(ParseAuthChallenge("   ").has_value());
}

}  // namespace
}  // namespace hpc::registry
