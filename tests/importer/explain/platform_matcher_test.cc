// The matchers' expected results, taken as facts from containerd's and
// containerd/platforms' own tests (platforms/defaults_windows_test.go at
// v1.6.17 and v1.6.18; platform_windows_compat_test.go).
#include "importer/explain/platform_matcher.h"

#include "gtest/gtest.h"
#include "importer/explain/containerd_version.h"
#include "importer/explain/manifest_selection.h"
#include "importer/explain/matching_era.h"

namespace hpc::explain {
namespace {

NodeVersion Node(uint32_t build) { return NodeVersion{10, 0, build}; }

const MatchingEra& Era(const char* release) {
  return MatchingEraOf(*ContainerdVersion::Parse(release));
}

rewrite::Platform Windows(std::string os_version) {
  rewrite::Platform p;
  p.os = "windows";
  p.architecture = "amd64";
  p.os_version = std::move(os_version);
  return p;
}

struct CompatCase {
  uint32_t host, image;
  bool runs;
};

class BuildCompatibilityTest : public testing::TestWithParam<CompatCase> {};

TEST_P(BuildCompatibilityTest, MatchesContainerdPlatforms) {
  const CompatCase& c = GetParam();
  ImageBuild image = ParseImageBuild("10.0." + std::to_string(c.image));
  ASSERT_TRUE(image.valid);
  EXPECT_EQ(BuildsCompatible(Node(c.host), image, /*knows_ltsc2025=*/true),
            c.runs)
      << "host " << c.host << " image " << c.image;
  // The same through the matcher of a release that uses the rule.
  EXPECT_EQ(MatchPlatform(Era("2.2.0"), Node(c.host),
                          Windows("10.0." + std::to_string(c.image) + ".1"))
                .matched,
            c.runs);
}

// ltsc2019 17763, ltsc2022 20348, Windows 11 22H2 22621, 23H2 25398,
// ltsc2025 26100.
INSTANTIATE_TEST_SUITE_P(
    Platforms, BuildCompatibilityTest,
    testing::Values(
        CompatCase{17763, 17763, true}, CompatCase{17763, 20348, false},
        CompatCase{20348, 17763, false}, CompatCase{20348, 20348, true},
        CompatCase{22621, 17763, false}, CompatCase{22621, 20348, true},
        CompatCase{25398, 17763, false}, CompatCase{25398, 20348, true},
        CompatCase{26100, 20348, true}, CompatCase{20348, 26100, false},
        CompatCase{20348, 22621, false}, CompatCase{26100, 22621, true}));

TEST(BuildCompatibilityTest, Ltsc2025ChangesOnlyNodesAbove26100) {
  ImageBuild ws2022 = ParseImageBuild("10.0.20348");
  EXPECT_TRUE(BuildsCompatible(Node(26100), ws2022, false));
  EXPECT_TRUE(BuildsCompatible(Node(26100), ws2022, true));
  EXPECT_TRUE(BuildsCompatible(Node(26200), ws2022, false));
  EXPECT_FALSE(BuildsCompatible(Node(26200), ws2022, true));
  EXPECT_FALSE(BuildsCompatible(NodeVersion{6, 3, 20348}, ws2022, true));
}

struct MatchCase {
  const char* release;
  rewrite::Platform platform;
  bool matched;
};

class MatchTest : public testing::TestWithParam<MatchCase> {};

TEST_P(MatchTest, OnWindowsServer2019) {
  const MatchCase& c = GetParam();
  PlatformMatch m = MatchPlatform(Era(c.release), Node(17763), c.platform);
  EXPECT_EQ(m.matched, c.matched)
      << c.release << " " << c.platform.ToString() << ": " << m.why;
  EXPECT_FALSE(m.why.empty());
}

rewrite::Platform Other(std::string os, std::string arch,
                        std::string os_version = "") {
  rewrite::Platform p = Windows(std::move(os_version));
  p.os = std::move(os);
  p.architecture = std::move(arch);
  return p;
}

INSTANTIATE_TEST_SUITE_P(
    Containerd, MatchTest,
    testing::Values(
        // TestMatchComparerMatch at v1.6.18 (host 10.0.17763).
        MatchCase{"1.6.18", Windows("10.0.17763"), true},
        MatchCase{"1.6.18", Windows("10.0.17763.1"), true},
        MatchCase{"1.6.18", Windows("10.0.17763.2"), true},
        MatchCase{"1.6.18", Windows("10.0.17762.1"), false},
        MatchCase{"1.6.18", Windows("10.0.17764.1"), false},
        MatchCase{"1.6.18", Windows(""), true},
        // v1.6.17: the same, except an empty os.version never matches.
        MatchCase{"1.6.17", Windows("10.0.17763.2"), true},
        MatchCase{"1.6.17", Windows(""), false},
        // A plain text prefix: 10.0.177630 starts with 10.0.17763.
        MatchCase{"1.6.17", Windows("10.0.177630.1"), true},
        // 1.6 compares os as written; later releases normalise it.
        MatchCase{"1.6.18", Other("Windows", "amd64", "10.0.17763.1"), false},
        MatchCase{"2.0.0", Other("Windows", "amd64", "10.0.17763.1"), true},
        MatchCase{"2.0.0", Other("windows", "x86_64", "10.0.17763.1"), true},
        MatchCase{"2.0.0", Other("linux", "amd64"), false},
        MatchCase{"1.6.18", Other("linux", "amd64"), false},
        MatchCase{"2.0.0", Other("windows", "arm64", "10.0.17763.1"), false},
        // windows/386 is in the amd64 vector of Only() (1.7 to 2.1.5).
        MatchCase{"1.7.6", Other("windows", "386", "10.0.17763.1"), true},
        MatchCase{"1.6.18", Other("windows", "386", "10.0.17763.1"), false},
        MatchCase{"2.2.0", Other("windows", "386", "10.0.17763.1"), false},
        // Below 20348 the compatible-build rule wants the same build.
        MatchCase{"1.7.6", Windows("10.0.17764.1"), false},
        MatchCase{"1.7.6", Windows(""), true},
        MatchCase{"1.7.6", Windows("not-a-version"), false}));

TEST(MatchTest, Win32kInOsFeatures) {
  rewrite::Platform win32k = Windows("10.0.20348.1");
  win32k.os_features = {"win32k"};
  rewrite::Platform other = win32k;
  other.os_features = {"example"};
  // Before containerd/platforms v1.0.0-rc.3 os.features are not compared;
  // from rc.4 (containerd 2.3) "win32k" is dropped before comparing.
  EXPECT_TRUE(MatchPlatform(Era("2.2.0"), Node(20348), win32k).matched);
  EXPECT_TRUE(MatchPlatform(Era("2.2.0"), Node(20348), other).matched);
  EXPECT_TRUE(MatchPlatform(Era("2.3.0"), Node(20348), win32k).matched);
  EXPECT_FALSE(MatchPlatform(Era("2.3.0"), Node(20348), other).matched);
}

std::vector<std::string> SortedVersions(
    const char* release, uint32_t host,
    const std::vector<std::optional<rewrite::Platform>>& entries) {
  ManifestSelection s = SelectManifest(Era(release), Node(host), entries);
  std::vector<std::string> out;
  for (size_t i : s.kept) {
    out.push_back(entries[i] ? entries[i]->os_version : "(none)");
  }
  return out;
}

TEST(OrderTest, HighestRevisionFirstIn16) {
  // TestMatchComparerLess at v1.6.18: matches sorted first, the highest
  // revision first, then the empty os.version; the rest are not kept.
  std::vector<std::optional<rewrite::Platform>> entries = {
      Windows("10.0.17764.1"), Windows(""), Windows("10.0.17763.1"),
      Windows("10.0.17763.2"), Windows("10.0.17762.1")};
  EXPECT_EQ(SortedVersions("1.6.18", 17763, entries),
            (std::vector<std::string>{"10.0.17763.2", "10.0.17763.1", ""}));
  // At v1.6.17 the empty one does not match.
  EXPECT_EQ(SortedVersions("1.6.17", 17763, entries),
            (std::vector<std::string>{"10.0.17763.2", "10.0.17763.1"}));
}

TEST(OrderTest, HighestOsVersionFirstFromPlatformsRc2) {
  // Test_PlatformOrder in containerd/platforms.
  rewrite::Platform linux = Other("linux", "amd64");
  auto ws2022 = Windows("10.0.20348.3091"), ws2025 = Windows("10.0.26100.2894"),
       ws2025r3000 = Windows("10.0.26100.3000");
  EXPECT_EQ(SortedVersions("2.2.0", 20348, {linux, ws2022, ws2025}).front(),
            "10.0.20348.3091");
  EXPECT_EQ(SortedVersions("2.2.0", 26100, {linux, ws2022, ws2025}).front(),
            "10.0.26100.2894");
  EXPECT_EQ(
      SortedVersions("2.2.0", 26100, {linux, ws2022, ws2025r3000}).front(),
      "10.0.26100.3000");
  // The same index in 1.7.6 to 2.1.5: the first match in the index wins.
  EXPECT_EQ(SortedVersions("2.0.0", 26100, {linux, ws2022, ws2025}).front(),
            "10.0.20348.3091");
}

TEST(OrderTest, EntriesWithoutPlatformAreKeptLast) {
  std::vector<std::optional<rewrite::Platform>> entries = {
      std::nullopt, Windows("10.0.20348.1")};
  EXPECT_EQ(SortedVersions("1.6.17", 20348, entries),
            (std::vector<std::string>{"10.0.20348.1", "(none)"}));
  EXPECT_EQ(SortedVersions("1.6.17", 26100, entries),
            (std::vector<std::string>{"(none)"}));
}

rewrite::Platform WithOs(std::string os, std::string os_version) {
  rewrite::Platform p = Windows(std::move(os_version));
  p.os = std::move(os);
  return p;
}

bool Matches(const char* release, uint32_t node,
             const rewrite::Platform& platform) {
  return MatchPlatform(Era(release), Node(node), platform).matched;
}

// platforms/defaults_windows.go at v1.6.23 (to v1.6.39): the compatibility
// rule of hcsshim's osversion.CheckHostAndContainerCompat, whose only LTSC
// floor is 20348; an empty os.version matches; os must be written
// "windows" (the matcher checks p.OS == "windows"); no windows/386.
TEST(EraFactsTest, Release1623UsesBuildCompatibility) {
  EXPECT_TRUE(Matches("1.6.23", 26100, Windows("10.0.20348.1")));
  EXPECT_TRUE(Matches("1.6.39", 22621, Windows("10.0.20348.1")));
  EXPECT_FALSE(Matches("1.6.22", 26100, Windows("10.0.20348.1")));
  EXPECT_FALSE(Matches("1.6.23", 17763, Windows("10.0.20348.1")));
  EXPECT_FALSE(Matches("1.6.23", 20348, Windows("10.0.17763.1")));
  EXPECT_TRUE(Matches("1.6.23", 20348, Windows("")));
  EXPECT_FALSE(Matches("1.6.23", 20348, WithOs("Windows", "10.0.20348.1")));
  rewrite::Platform x86 = Windows("10.0.20348.1");
  x86.architecture = "386";
  EXPECT_FALSE(Matches("1.6.23", 20348, x86));
  EXPECT_TRUE(Matches("1.7.13", 20348, x86));
  // Among matches, the highest revision first (Less of v1.6.23).
  auto kept = SelectManifest(Era("1.6.23"), Node(26100),
                             {Windows("10.0.26100.5"), Windows("10.0.20348.9")})
                  .kept;
  EXPECT_EQ(kept, (std::vector<size_t>{1, 0}));
}

// How os is compared. v1.6.17: Default()'s matcher normalises the entry
// (lower-cased; empty is runtime.GOOS) before comparing, and its defaults
// list windows and linux (for LCOW), the os.version prefix deciding.
// v1.6.18 to v1.6.x: p.OS == "windows" as written. 1.7 and later: the
// windows matcher normalises again.
TEST(EraFactsTest, OsIsNormalisedExceptIn16From18) {
  EXPECT_TRUE(Matches("1.6.17", 17763, WithOs("Windows", "10.0.17763.1")));
  EXPECT_TRUE(Matches("1.6.17", 17763, WithOs("", "10.0.17763.1")));
  EXPECT_TRUE(Matches("1.6.17", 17763, WithOs("linux", "10.0.17763.1")));
  EXPECT_FALSE(Matches("1.6.17", 17763, WithOs("linux", "")));
  for (const char* release : {"1.6.18", "1.6.22", "1.6.23", "1.6.39"}) {
    EXPECT_FALSE(Matches(release, 17763, WithOs("Windows", "10.0.17763.1")))
        << release;
    EXPECT_FALSE(Matches(release, 17763, WithOs("", "10.0.17763.1")))
        << release;
    EXPECT_FALSE(Matches(release, 17763, WithOs("linux", "10.0.17763.1")))
        << release;
  }
  for (const char* release : {"1.7.0", "1.7.13", "2.0.0", "2.1.5", "2.3.0"}) {
    EXPECT_TRUE(Matches(release, 17763, WithOs("Windows", "10.0.17763.1")))
        << release;
    EXPECT_TRUE(Matches(release, 17763, WithOs("", "10.0.17763.1"))) << release;
    EXPECT_FALSE(Matches(release, 17763, WithOs("linux", "10.0.17763.1")))
        << release;
  }
}

// Reading os.version. v1.6.23+ and v1.7.6 to v1.7.x: strconv.Atoi, errors
// ignored, cut to uint8/uint16, so a sign passes and 83299 wraps to 17763
// (83299 - 65536). 2.0+: strconv.ParseUint with the widths, which refuses
// both.
TEST(EraFactsTest, VersionParsingQuirks) {
  for (const char* release : {"1.6.23", "1.7.6", "1.7.13"}) {
    EXPECT_TRUE(Matches(release, 20348, Windows("+10.0.20348.1"))) << release;
    EXPECT_TRUE(Matches(release, 17763, Windows("10.0.83299.1"))) << release;
    EXPECT_FALSE(Matches(release, 17763, Windows("10.0.x.1"))) << release;
  }
  for (const char* release : {"2.0.0", "2.1.5", "2.2.0"}) {
    EXPECT_FALSE(Matches(release, 20348, Windows("+10.0.20348.1"))) << release;
    EXPECT_FALSE(Matches(release, 17763, Windows("10.0.83299.1"))) << release;
  }
  PlatformMatch m =
      MatchPlatform(Era("1.7.13"), Node(17763), Windows("10.0.83299.1"));
  EXPECT_NE(m.why.find("read as 10.0.17763"), std::string::npos) << m.why;
  ImageBuild b = ParseImageBuildAtoi("266.-1.99999999999999999999");
  EXPECT_EQ(b.major, 10u);     // uint8(266)
  EXPECT_EQ(b.minor, 255u);    // uint8(-1)
  EXPECT_EQ(b.build, 65535u);  // uint16(MaxInt64): Atoi's range error
  EXPECT_FALSE(ParseImageBuildAtoi("10.0").valid);
}

struct EraCase {
  const char* release;
  VersionRule version_rule;
  OrderRule order_rule;
};

class EraTest : public testing::TestWithParam<EraCase> {};

TEST_P(EraTest, ReleaseMapsToItsEra) {
  const MatchingEra& era = Era(GetParam().release);
  EXPECT_EQ(era.version_rule, GetParam().version_rule) << GetParam().release;
  EXPECT_EQ(era.order_rule, GetParam().order_rule) << GetParam().release;
}

INSTANTIATE_TEST_SUITE_P(
    Releases, EraTest,
    testing::Values(
        EraCase{"1.5.18", VersionRule::kBuildPrefix,
                OrderRule::kHighestRevision},
        EraCase{"1.6.17", VersionRule::kBuildPrefix,
                OrderRule::kHighestRevision},
        EraCase{"v1.6.18", VersionRule::kBuildPrefixOrEmpty,
                OrderRule::kHighestRevision},
        EraCase{"1.6.22", VersionRule::kBuildPrefixOrEmpty,
                OrderRule::kHighestRevision},
        EraCase{"1.6.23", VersionRule::kCompatibleBuild,
                OrderRule::kHighestRevision},
        EraCase{"1.6.39", VersionRule::kCompatibleBuild,
                OrderRule::kHighestRevision},
        EraCase{"1.7.0-beta.3", VersionRule::kBuildPrefix,
                OrderRule::kIndexOrder},
        EraCase{"1.7.0-beta.4", VersionRule::kBuildPrefixOrEmpty,
                OrderRule::kIndexOrder},
        EraCase{"1.7.0-rc.1", VersionRule::kBuildPrefixOrEmpty,
                OrderRule::kIndexOrder},
        EraCase{"1.7.5", VersionRule::kBuildPrefixOrEmpty,
                OrderRule::kIndexOrder},
        EraCase{"1.7.6", VersionRule::kCompatibleBuild, OrderRule::kIndexOrder},
        EraCase{"2.0.0", VersionRule::kCompatibleBuild, OrderRule::kIndexOrder},
        EraCase{"2.1.5", VersionRule::kCompatibleBuild, OrderRule::kIndexOrder},
        EraCase{"2.1.6", VersionRule::kCompatibleBuild,
                OrderRule::kHighestOsVersionText},
        EraCase{"2.3", VersionRule::kCompatibleBuild,
                OrderRule::kHighestOsVersionText},
        EraCase{"9.0.0", VersionRule::kCompatibleBuild,
                OrderRule::kHighestOsVersionText}));

TEST(VersionTest, RejectsWhatIsNotAVersion) {
  for (const char* bad :
       {"", "1", "1.x.2", "1.6.17.1", "1.6.-1", "1.6.17-", "latest"}) {
    auto v = ContainerdVersion::Parse(bad);
    ASSERT_FALSE(v.ok()) << bad;
    EXPECT_NE(v.status().message().find(bad), std::string::npos);
  }
  for (const char* bad : {"", "10.0", "10.0.x", "10.0.70000", "256.0.1",
                          "10.0.20348.1.2", "10.0.20348a"}) {
    auto v = NodeVersion::Parse(bad);
    ASSERT_FALSE(v.ok()) << bad;
    EXPECT_NE(v.status().message().find("10.0.BUILD"), std::string::npos);
  }
  EXPECT_EQ(NodeVersion::Parse("10.0.20348.2582")->ToString(), "10.0.20348");
  EXPECT_LT(*ContainerdVersion::Parse("1.7.0-beta.10"),
            *ContainerdVersion::Parse("1.7.0-rc.0"));
  EXPECT_LT(*ContainerdVersion::Parse("1.7.0-rc.3"),
            *ContainerdVersion::Parse("1.7.0"));
  EXPECT_EQ(ContainerdVersion::Parse("v2.0")->ToString(), "2.0.0");
}

}  // namespace
}  // namespace hpc::explain
