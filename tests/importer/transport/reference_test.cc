#include "importer/transport/reference.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "importer/transport/image_name.h"

namespace hpc::transport {
namespace {

using ::testing::HasSubstr;

TEST(ReferenceTest, Transports) {
  auto base = Reference::Parse("base:");
  ASSERT_TRUE(base.ok());
  EXPECT_EQ(base->transport, Transport::kBase);
  EXPECT_EQ(base->path, "");
  EXPECT_EQ(Reference::Parse("base:v1.2.3")->path, "v1.2.3");

  auto oci = Reference::Parse("oci:/tmp/layout:v1");
  ASSERT_TRUE(oci.ok());
  EXPECT_EQ(oci->transport, Transport::kOci);
  EXPECT_EQ(oci->path, "/tmp/layout");
  EXPECT_EQ(oci->tag, "v1");

  // Windows paths keep their drive letter.
  auto drive = Reference::Parse(R"(oci-archive:C:\images\a.tar:v2)");
  ASSERT_TRUE(drive.ok());
  EXPECT_EQ(drive->path, R"(C:\images\a.tar)");
  EXPECT_EQ(drive->tag, "v2");
  EXPECT_EQ(Reference::Parse("oci:c:/layout")->path, "c:/layout");
  EXPECT_EQ(Reference::Parse("oci:c:/layout")->tag, "");

  auto archive =
      Reference::Parse("docker-archive:app.tar:registry:5000/app:v2");
  ASSERT_TRUE(archive.ok());
  EXPECT_EQ(archive->transport, Transport::kDockerArchive);
  EXPECT_EQ(archive->path, "app.tar");
  EXPECT_EQ(archive->tag, "registry:5000/app:v2");

  auto ctrd = Reference::Parse("containerd:mcr.microsoft.com/x:v1");
  ASSERT_TRUE(ctrd.ok());
  EXPECT_EQ(ctrd->transport, Transport::kContainerd);
  EXPECT_EQ(ctrd->path, "mcr.microsoft.com/x:v1");
  EXPECT_EQ(Reference::Parse("oci-archive:a.tar")->transport,
            Transport::kOciArchive);

  auto registry = Reference::Parse("docker://127.0.0.1:5000/app:v1");
  ASSERT_TRUE(registry.ok());
  EXPECT_EQ(registry->transport, Transport::kDocker);
  EXPECT_EQ(registry->path, "127.0.0.1:5000/app:v1");
  EXPECT_EQ(registry->tag, "");
  EXPECT_EQ(TransportName(registry->transport), "docker");
}

TEST(ReferenceTest, Errors) {
  for (const char* bad :
       {"no-transport", "tarball:x", "oci:", "oci-archive::tag",
        "containerd:", "docker:busybox", "docker://"}) {
    auto ref = Reference::Parse(bad);
    EXPECT_FALSE(ref.ok()) << bad;
    EXPECT_EQ(ref.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(std::string(ref.status().message()), HasSubstr(bad));
  }
}

TEST(ImageNameTest, TagAndRepository) {
  EXPECT_EQ(TagOf("mcr.microsoft.com/a/b:v1.0.0"), "v1.0.0");
  EXPECT_EQ(TagOf("registry:5000/a"), "latest");
  EXPECT_EQ(TagOf("registry:5000/a:x@sha256:abc"), "x");
  EXPECT_EQ(RepositoryOf("registry:5000/a:x"), "registry:5000/a");
  EXPECT_EQ(RepositoryOf("a@sha256:abc"), "a");
  EXPECT_EQ(RepositoryOf("a"), "a");
  EXPECT_TRUE(ValidateImageName("a/b:c").ok());
  EXPECT_FALSE(ValidateImageName("").ok());
  EXPECT_FALSE(ValidateImageName("a b").ok());
  EXPECT_FALSE(ValidateImageName(std::string("a\nb")).ok());
}

}  // namespace
}  // namespace hpc::transport
