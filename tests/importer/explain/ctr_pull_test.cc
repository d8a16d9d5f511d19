// `ctr images pull` without --platform on a Windows amd64 node, release by
// release. The expected answers follow containerd's code at the tags named:
//  - 1.6.x: cmd/ctr/commands/content/fetch.go fetches with
//    platforms.Any(Parse(DefaultString())), "windows/amd64" and the plain
//    matcher (os and architecture, normalised); images/pull.go unpacks with
//    platforms.Only(DefaultSpec()), an Ordered comparer of plain matchers
//    for windows/amd64 then windows/386, so os.version is never compared
//    and index order decides; images.Manifest sorts entries without
//    platform last and reads their config's os and architecture.
//  - 1.7.0-beta.1 on: --local is BoolT, so ctr still pulls locally. Its
//    Windows NewMatcher is windowsmatcher: with an empty os.version prefix
//    strings.HasPrefix(x, "") takes every version (1.7.0 to 1.7.5); from
//    1.7.6 platforms.Parse gives a windows platform the host's os.version,
//    so the fetch filter is the compatibility matcher; from 1.7.19
//    (containerd/platforms v0.2.1) Parse no longer does, and the matcher's
//    `m.OSVersion == ""` takes every version again. Unpack is
//    Only(DefaultSpec()), which is what CRI's Default() is in 1.7.
//  - 2.0.0: --local is Bool, so ctr pulls through Transfer:
//    imagestore.ImageFilter uses platforms.Ordered(DefaultSpec()) (no
//    windows/386) without a limit, and the transfer plugin's unpack target is
//    platforms.All unless check_platform_supported: every fetched manifest
//    is unpacked. An index with nothing fetched is still registered.
#include "importer/explain/ctr_pull.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "importer/explain/containerd_version.h"
#include "importer/explain/matching_era.h"

namespace hpc::explain {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::optional<rewrite::Platform> Entry(std::string arch, std::string os_version,
                                       std::string os = "windows") {
  rewrite::Platform p;
  p.os = std::move(os);
  p.architecture = std::move(arch);
  p.os_version = std::move(os_version);
  return p;
}

CtrPullResult Pull(const char* release, uint32_t build,
                   const std::vector<std::optional<rewrite::Platform>>& entries,
                   const std::vector<ConfigOfEntry>& configs = {}) {
  ContainerdVersion v = *ContainerdVersion::Parse(release);
  return SelectCtrPull(CtrPullOf(v), MatchingEraOf(v),
                       NodeVersion{10, 0, build}, entries, configs);
}

TEST(CtrPullTest, ReleasesMapToTheirBehaviour) {
  auto of = [](const char* v) {
    return CtrPullOf(*ContainerdVersion::Parse(v)).releases;
  };
  EXPECT_EQ(of("1.6.0"), "1.6.x");
  EXPECT_EQ(of("1.6.38"), "1.6.x");
  EXPECT_EQ(of("1.7.0"), "1.7.0-beta.0 to 1.7.5");
  EXPECT_EQ(of("1.7.5"), "1.7.0-beta.0 to 1.7.5");
  EXPECT_EQ(of("1.7.6"), "1.7.6 to 1.7.18");
  EXPECT_EQ(of("1.7.18"), "1.7.6 to 1.7.18");
  EXPECT_EQ(of("1.7.19"), "1.7.19 to 1.7.x");
  EXPECT_EQ(of("1.7.30"), "1.7.19 to 1.7.x");
  EXPECT_EQ(of("2.0.0"), "2.0.0 and later");
  EXPECT_EQ(of("2.3.1"), "2.0.0 and later");
}

// ltsc2019 and ltsc2022 entries, pulled on a 20348 node.
TEST(CtrPullTest, TwoBuildsOnWs2022) {
  const std::vector<std::optional<rewrite::Platform>> index = {
      Entry("amd64", "10.0.17763.1"), Entry("amd64", "10.0.20348.1")};
  // 1.6: both fetched; the first windows/amd64 in the index is unpacked,
  // the 17763 one, which this node cannot run (CRI takes #1).
  CtrPullResult r = Pull("1.6.20", 20348, index);
  EXPECT_THAT(r.fetched, ElementsAre(0, 1));
  EXPECT_EQ(r.chosen, 0u);
  EXPECT_THAT(r.unpacked, ElementsAre(0));
  EXPECT_THAT(r.failure, IsEmpty());
  EXPECT_THAT(r.reason, HasSubstr("CRI of this release would not take #0"));
  // 1.7.0: both fetched (empty prefix); the unpack matcher takes #1.
  r = Pull("1.7.0", 20348, index);
  EXPECT_THAT(r.fetched, ElementsAre(0, 1));
  EXPECT_EQ(r.chosen, 1u);
  // 1.7.13: only the compatible one is fetched, and unpacked.
  r = Pull("1.7.13", 20348, index);
  EXPECT_THAT(r.fetched, ElementsAre(1));
  EXPECT_EQ(r.chosen, 1u);
  // 1.7.20: every windows/amd64 again.
  r = Pull("1.7.20", 20348, index);
  EXPECT_THAT(r.fetched, ElementsAre(0, 1));
  EXPECT_EQ(r.chosen, 1u);
  // 2.0.0: what the matcher takes, all of it unpacked.
  r = Pull("2.0.0", 20348, index);
  EXPECT_THAT(r.fetched, ElementsAre(1));
  EXPECT_THAT(r.unpacked, ElementsAre(1));
}

TEST(CtrPullTest, TransferUnpacksEveryCompatibleEntry) {
  // On 26100 with containerd/platforms v1.0.0-rc.1 (2.1.5), 20348 is the
  // only LTSC floor: 20348 and 26100 both match; both are unpacked.
  const std::vector<std::optional<rewrite::Platform>> index = {
      Entry("amd64", "10.0.17763.1"), Entry("amd64", "10.0.20348.1"),
      Entry("amd64", "10.0.26100.1")};
  CtrPullResult r = Pull("2.1.5", 26100, index);
  EXPECT_THAT(r.fetched, ElementsAre(1, 2));
  EXPECT_THAT(r.unpacked, ElementsAre(1, 2));
  EXPECT_EQ(r.chosen, 1u);
  EXPECT_THAT(r.reason, HasSubstr("unpacks every one"));
}

TEST(CtrPullTest, Windows386IsNeverFetched) {
  // A windows/386 entry of the node's build and a windows/amd64 one of
  // another build.
  const std::vector<std::optional<rewrite::Platform>> index = {
      Entry("386", "10.0.20348.1"), Entry("amd64", "10.0.17763.1")};
  // 1.6: the amd64 entry ranks first whatever its version: it is unpacked.
  CtrPullResult r = Pull("1.6.20", 20348, index);
  EXPECT_EQ(r.chosen, 1u);
  // 1.7.0: the unpack matcher wants 10.0.20348; only the 386 entry has it,
  // and it was not fetched.
  r = Pull("1.7.0", 20348, index);
  EXPECT_FALSE(r.chosen);
  EXPECT_THAT(r.failure, HasSubstr("#0 was not fetched"));
  // 2.0.0: nothing fetched; the image is registered with nothing unpacked.
  r = Pull("2.0.0", 20348, index);
  EXPECT_FALSE(r.chosen);
  EXPECT_THAT(r.fetched, IsEmpty());
  EXPECT_THAT(r.failure, HasSubstr("no manifest of it is fetched"));

  // Only windows/386: 1.6's unpack takes it, and it is not there.
  r = Pull("1.6.20", 20348, {Entry("386", "10.0.20348.1")});
  EXPECT_FALSE(r.chosen);
  EXPECT_THAT(r.failure, HasSubstr("not fetched"));
}

TEST(CtrPullTest, OsIsNormalisedByCtrIn16) {
  // CRI of 1.6.18+ compares os as written; ctr's plain matchers lower-case.
  const std::vector<std::optional<rewrite::Platform>> index = {
      Entry("amd64", "10.0.20348.1", "Windows")};
  CtrPullResult r = Pull("1.6.20", 20348, index);
  EXPECT_EQ(r.chosen, 0u);
  EXPECT_THAT(r.fetched, ElementsAre(0));
}

TEST(CtrPullTest, EntryWithoutPlatform) {
  const std::vector<std::optional<rewrite::Platform>> index = {std::nullopt};
  ConfigOfEntry windows, linux;
  windows.platform = *Entry("amd64", "");
  linux.platform = *Entry("amd64", "", "linux");
  // Always fetched. 1.x unpacks it when its config's os/arch match.
  CtrPullResult r = Pull("1.6.20", 17763, index, {windows});
  EXPECT_EQ(r.chosen, 0u);
  r = Pull("1.7.13", 17763, index, {linux});
  EXPECT_FALSE(r.chosen);
  EXPECT_THAT(r.failure, HasSubstr("no match for platform in manifest"));
  // 2.x unpacks whatever it fetched.
  r = Pull("2.0.0", 17763, index, {linux});
  EXPECT_EQ(r.chosen, 0u);
}

TEST(CtrPullTest, WrappedBuildIsFetchedByTheCompatibilityMatcherOf17) {
  // 1.7.6 to 1.7.18 read os.version with Atoi into uint16: 83299 is 17763.
  const std::vector<std::optional<rewrite::Platform>> index = {
      Entry("amd64", "10.0.83299.1")};
  CtrPullResult r = Pull("1.7.13", 17763, index);
  EXPECT_THAT(r.fetched, ElementsAre(0));
  EXPECT_EQ(r.chosen, 0u);
  // 2.0 parses strictly: nothing.
  r = Pull("2.0.0", 17763, index);
  EXPECT_FALSE(r.chosen);
}

}  // namespace
}  // namespace hpc::explain
