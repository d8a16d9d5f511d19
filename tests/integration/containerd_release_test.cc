#include "tests/integration/containerd_release.h"

#include <gtest/gtest.h>

namespace hpc::testing {
namespace {

TEST(ContainerdReleaseTest, ReadsDebianAndUpstreamVersionLines) {
  ContainerdRelease debian = ParseContainerdVersion(
      "containerd github.com/containerd/containerd 1.6.20~ds1 "
      "1.6.20~ds1-1+deb12u3\n");
  EXPECT_EQ(debian.version, "1.6.20");
  EXPECT_EQ(debian.config_version(), 2);
  EXPECT_FALSE(debian.AtLeast(1, 7));
  EXPECT_TRUE(debian.AtLeast(1, 6, 20));
  EXPECT_FALSE(debian.AtLeast(1, 6, 22));

  ContainerdRelease v17 = ParseContainerdVersion(
      "containerd github.com/containerd/containerd v1.7.13 7c3aca7a\n");
  EXPECT_EQ(v17.version, "1.7.13");
  EXPECT_TRUE(v17.AtLeast(1, 7));
  EXPECT_TRUE(v17.AtLeast(1, 7, 3));
  EXPECT_FALSE(v17.AtLeast(1, 7, 14));
  EXPECT_TRUE(v17.AtLeast(1, 6, 22));
  EXPECT_EQ(v17.config_version(), 2);

  ContainerdRelease v2 = ParseContainerdVersion(
      "containerd github.com/containerd/containerd/v2 2.1.5+unknown \n");
  EXPECT_EQ(v2.version, "2.1.5");
  EXPECT_EQ(v2.major, 2);
  EXPECT_EQ(v2.minor, 1);
  EXPECT_EQ(v2.config_version(), 3);
}

TEST(ContainerdReleaseTest, NoVersionIsEmpty) {
  EXPECT_EQ(ParseContainerdVersion("containerd: not found").version, "");
}

}  // namespace
}  // namespace hpc::testing
