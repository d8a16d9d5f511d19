// Whole scenarios: an image, the default nodes and releases, and what each
// containerd does with it; and `hpcimg explain` itself, --fix included.
#include "importer/explain/explain.h"

#include <filesystem>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "importer/copy/copy_image.h"
#include "importer/explain/explanation_format.h"
#include "importer/image/memory_image.h"
#include "importer/oci/manifest.h"
#include "importer/oci/media_types.h"
#include "importer/rewrite/rewrite.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/temp_dir.h"

namespace hpc::explain {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

struct Entry {
  std::string os = "windows", arch = "amd64", os_version;
  std::vector<std::string> os_features = {};
  bool has_platform = true;
};

struct TestImage {
  std::unique_ptr<image::MemoryImage> image;
  std::vector<std::string> digests;  // of the entries, in order
};

// One manifest (with its own config and layer) per entry; an index of them,
// or with `single` the first manifest alone.
TestImage MakeImage(const std::vector<Entry>& entries, bool single = false) {
  TestImage t;
  t.image = std::make_unique<image::MemoryImage>("test:image",
                                                 std::vector<std::string>{});
  std::vector<oci::Descriptor> manifests;
  for (size_t i = 0; i < entries.size(); ++i) {
    const Entry& e = entries[i];
    oci::Json config = {{"os", e.os}, {"architecture", e.arch}};
    if (!e.os_version.empty()) config["os.version"] = e.os_version;
    oci::Descriptor layer =
        t.image->Add(oci::kOciLayer, "layer " + std::to_string(i));
    oci::Descriptor c =
        t.image->Add(oci::kOciConfig, oci::CanonicalJson(config));
    oci::Manifest m =
        oci::Manifest::Make(oci::MediaTypeFormat::kOci, c, {layer});
    oci::Descriptor d = t.image->Add(m.media_type(), m.Serialize());
    if (e.has_platform && !single) {
      d.platform = oci::Json{{"os", e.os}, {"architecture", e.arch}};
      if (!e.os_version.empty()) (*d.platform)["os.version"] = e.os_version;
      if (!e.os_features.empty()) (*d.platform)["os.features"] = e.os_features;
    }
    t.digests.push_back(d.digest.str());
    manifests.push_back(d);
  }
  if (single) {
    t.image->set_root(manifests.front());
  } else {
    oci::Index index = oci::Index::Make(oci::MediaTypeFormat::kOci, manifests);
    t.image->set_root(t.image->Add(index.media_type(), index.Serialize()));
  }
  return t;
}

// Explain, and hold its fix to its promise: the image the fix writes (as
// hpcimg explain --fix writes it) explains ok, IMPORT included, on the same
// nodes and releases.
absl::StatusOr<Explanation> ExplainAndCheckFix(
    image::ImageSource& image, const std::vector<NodeVersion>& nodes,
    const std::vector<ContainerdVersion>& releases) {
  auto e = Explain(image, nodes, releases);
  if (!e.ok() || e->fix.empty()) return e;
  EXPECT_TRUE(e->fails || e->import_fails) << "a fix for an image that is ok";
  rewrite::RewriteOptions options;
  options.strip_os_version = e->fix_strips_os_version;
  auto fixed = rewrite::RewriteToSingleManifest(image, options);
  EXPECT_TRUE(fixed.ok()) << fixed.status();
  if (!fixed.ok()) return e;
  auto again = Explain(*fixed->image, nodes, releases);
  EXPECT_TRUE(again.ok()) << again.status();
  if (!again.ok()) return e;
  EXPECT_FALSE(again->fails) << "the fix " << e->fix << " still fails:\n"
                             << FormatTable(*again, false);
  EXPECT_FALSE(again->import_fails)
      << "ctr images import of the fix " << e->fix << " still fails:\n"
      << FormatTable(*again, false);
  EXPECT_TRUE(again->fix.empty());
  return e;
}

// For each default node and release, in order: the digest selected, or "-".
std::vector<std::string> Selected(
    const TestImage& t,
    std::vector<ContainerdVersion> releases = DefaultContainerdVersions()) {
  auto e = ExplainAndCheckFix(*t.image, DefaultNodes(), releases);
  EXPECT_TRUE(e.ok()) << e.status();
  std::vector<std::string> out;
  for (const NodeResult& r : e->results) {
    std::string name = "-";
    for (size_t i = 0; i < t.digests.size(); ++i) {
      if (r.selected == t.digests[i]) name = "#" + std::to_string(i);
    }
    out.push_back(name);
  }
  return out;
}

TEST(ExplainTest, PlatformLessSingleManifestIsUsedAsIsEverywhere) {
  TestImage t = MakeImage({{"windows", "amd64", ""}}, /*single=*/true);
  auto e =
      ExplainAndCheckFix(*t.image, DefaultNodes(), DefaultContainerdVersions());
  ASSERT_TRUE(e.ok());
  EXPECT_FALSE(e->is_index);
  ASSERT_EQ(e->results.size(), 9u);
  for (const NodeResult& r : e->results) {
    EXPECT_EQ(r.selected, t.digests[0]);
    EXPECT_THAT(r.reason, HasSubstr("used as is"));
    EXPECT_TRUE(r.import_ok);
  }
  EXPECT_FALSE(e->fails);
  EXPECT_TRUE(e->fix.empty());
}

TEST(ExplainTest, EmptyOsVersionEntryFailsOnlyBefore1618) {
  // Nodes 17763, 20348, 26100 x releases 1.6.17, 1.6.18, 2.0.0.
  TestImage t = MakeImage({{"windows", "amd64", ""}});
  EXPECT_THAT(Selected(t),
              ElementsAre("-", "#0", "#0", "-", "#0", "#0", "-", "#0", "#0"));
  auto e =
      ExplainAndCheckFix(*t.image, DefaultNodes(), DefaultContainerdVersions());
  EXPECT_TRUE(e->fails);
  EXPECT_THAT(e->fix, HasSubstr("hpcimg copy test:image DEST"));
  EXPECT_FALSE(e->fix_strips_os_version);
  EXPECT_THAT(e->results[0].reason, HasSubstr("no os.version"));
}

TEST(ExplainTest, ExactBuildEntries) {
  TestImage t = MakeImage({{"windows", "amd64", "10.0.17763.5329"},
                           {"windows", "amd64", "10.0.20348.2227"}});
  EXPECT_THAT(Selected(t),
              ElementsAre("#0", "#0", "#0", "#1", "#1", "#1", "-", "-", "#1"));
}

TEST(ExplainTest, Ws2022EntryOnWs2025Node) {
  TestImage t = MakeImage({{"windows", "amd64", "10.0.20348.2227"}});
  auto e = ExplainAndCheckFix(
      *t.image, {NodeVersion{10, 0, 26100}},
      {*ContainerdVersion::Parse("1.6.18"), *ContainerdVersion::Parse("1.7.5"),
       *ContainerdVersion::Parse("1.7.6"), *ContainerdVersion::Parse("2.2.0")});
  ASSERT_TRUE(e.ok());
  EXPECT_FALSE(e->results[0].chosen);
  EXPECT_FALSE(e->results[1].chosen);
  EXPECT_EQ(e->results[2].chosen, 0u);
  EXPECT_EQ(e->results[3].chosen, 0u);
  EXPECT_THAT(e->results[0].reason,
              HasSubstr("does not start with 10.0.26100"));
  EXPECT_THAT(e->results[2].reason, HasSubstr("build 20348 runs on 26100"));
}

TEST(ExplainTest, SeveralRevisionsOfOneBuild) {
  TestImage t = MakeImage({{"windows", "amd64", "10.0.20348.1"},
                           {"windows", "amd64", "10.0.20348.10"},
                           {"windows", "amd64", "10.0.20348.9"}});
  auto e = ExplainAndCheckFix(
      *t.image, {NodeVersion{10, 0, 20348}},
      {*ContainerdVersion::Parse("1.6.18"), *ContainerdVersion::Parse("2.0.0"),
       *ContainerdVersion::Parse("2.2.0")});
  ASSERT_TRUE(e.ok());
  // 1.6: highest revision as a number; 2.0: first in the index; 2.2: the
  // highest os.version as text, where "9" sorts after "10".
  EXPECT_EQ(e->results[0].chosen, 1u);
  EXPECT_THAT(e->results[0].reason, HasSubstr("highest revision (10)"));
  EXPECT_EQ(e->results[1].chosen, 0u);
  EXPECT_THAT(e->results[1].reason, HasSubstr("first in the index"));
  EXPECT_EQ(e->results[2].chosen, 2u);
  EXPECT_THAT(e->results[2].reason, HasSubstr("compared as text"));
}

TEST(ExplainTest, Win32kInOsFeatures) {
  TestImage t = MakeImage({{"windows", "amd64", "10.0.20348.1", {"win32k"}}});
  EXPECT_THAT(Selected(t, {*ContainerdVersion::Parse("2.2.0"),
                           *ContainerdVersion::Parse("2.3.0")}),
              ElementsAre("-", "-", "#0", "#0", "#0", "#0"));
}

TEST(ExplainTest, LinuxOnlyIndexFailsEverywhereWithNoFix) {
  TestImage t = MakeImage({{"linux", "amd64", ""}, {"linux", "arm64", ""}});
  EXPECT_THAT(Selected(t),
              ElementsAre("-", "-", "-", "-", "-", "-", "-", "-", "-"));
  auto e =
      ExplainAndCheckFix(*t.image, DefaultNodes(), DefaultContainerdVersions());
  EXPECT_TRUE(e->fails);
  EXPECT_TRUE(e->fix.empty());
  // 1.6.17's defaults admit linux (LCOW); os.version decides there.
  EXPECT_THAT(e->results[0].reason,
              HasSubstr("#0 (os linux passes this containerd's defaults "
                        "(LCOW); no os.version"));
  EXPECT_THAT(e->results[1].reason, HasSubstr("#0 (os linux)"));
  EXPECT_THAT(
      FormatTable(*e, false),
      HasSubstr("none by rewriting: the index has no Windows manifest"));
}

// An entry without platform sorts after every entry with one, and wins only
// when none of those matches. containerd then reads its config and matches
// the config's platform (images/image.go Manifest in 1.x: os and
// architecture only; core/images/image.go with ConfigPlatform in 2.x: also
// os.version and os.features). On 1.6.17 the prefix rule needs an
// os.version, which 1.x never takes from the config: the pull fails.
TEST(ExplainTest, EntryWithoutPlatformIsTakenWhenItsConfigMatches) {
  TestImage t = MakeImage({{"windows", "amd64", "10.0.17763.1"},
                           {"windows", "amd64", "", {}, false}});
  EXPECT_THAT(Selected(t),
              ElementsAre("#0", "#0", "#0", "-", "#1", "#1", "-", "#1", "#1"));
  auto e =
      ExplainAndCheckFix(*t.image, DefaultNodes(), DefaultContainerdVersions());
  EXPECT_THAT(e->results[3].reason,
              HasSubstr("#1 has no platform and its config's platform "
                        "windows/amd64 does not match"));
}

TEST(ExplainTest, EntryWithoutPlatformWhoseConfigIsLinuxFails) {
  TestImage t = MakeImage({{"windows", "amd64", "10.0.17763.1"},
                           {"linux", "amd64", "", {}, false}});
  EXPECT_THAT(Selected(t),
              ElementsAre("#0", "#0", "#0", "-", "-", "-", "-", "-", "-"));
}

TEST(ExplainTest, ConfigOsVersionOfEntryWithoutPlatformCountsFrom20) {
  TestImage t = MakeImage({{"windows", "amd64", "10.0.17763.1", {}, false}});
  // On 20348: 1.6.18 takes os and architecture from the config and
  // matches; 2.0.0 takes os.version 10.0.17763.1 too, which 20348 does not
  // run.
  EXPECT_THAT(Selected(t),
              ElementsAre("-", "#0", "#0", "-", "#0", "-", "-", "#0", "-"));
}

// 2.1.0 to 2.1.5 pull for CRI through the Transfer service: its fetch
// filter, platforms.Ordered(DefaultSpec()) without a limit
// (core/transfer/image/imagestore.go), has no windows/386, while the
// selection after it (Default() = Only(), which ranks 386 after amd64)
// takes a 386 entry when no amd64 one matches. Earlier 2.x and 1.7 fetch
// what they select; 2.1.6's comparer has no 386 at all.
TEST(ExplainTest, Windows386WinnerIsNotFetchedOn21To215) {
  TestImage t = MakeImage({{"windows", "386", "10.0.20348.1"},
                           {"windows", "amd64", "10.0.17763.1"}});
  std::vector<ContainerdVersion> releases;
  for (const char* r : {"1.7.13", "2.0.0", "2.1.0", "2.1.5", "2.1.6"}) {
    releases.push_back(*ContainerdVersion::Parse(r));
  }
  auto e = ExplainAndCheckFix(*t.image, {NodeVersion{10, 0, 20348}}, releases);
  ASSERT_TRUE(e.ok());
  std::vector<std::string> selected;
  for (const NodeResult& r : e->results) {
    selected.push_back(r.selected == t.digests[0] ? "#0"
                       : r.selected.empty()       ? "-"
                                                  : "?");
  }
  EXPECT_THAT(selected, ElementsAre("#0", "#0", "-", "-", "-"));
  EXPECT_THAT(e->results[2].reason, HasSubstr("Transfer service"));
}

TEST(ExplainTest, CtrImportOfDockerArchiveKeepsConfigOsVersionFrom20) {
  TestImage t =
      MakeImage({{"windows", "amd64", "10.0.17763.5329"}}, /*single=*/true);
  auto e =
      ExplainAndCheckFix(*t.image, DefaultNodes(), DefaultContainerdVersions());
  ASSERT_TRUE(e.ok());
  std::vector<bool> imports;
  for (const NodeResult& r : e->results) imports.push_back(r.import_ok);
  EXPECT_THAT(imports, ElementsAre(true, true, true, true, true, false, true,
                                   true, false));
  EXPECT_FALSE(e->fails);
  EXPECT_TRUE(e->import_fails);
  EXPECT_THAT(e->fix, HasSubstr("--strip-os-version"));
  EXPECT_TRUE(e->fix_strips_os_version);
}

TEST(ExplainTest, JsonIsHostMajorWithTheIssueFields) {
  TestImage t = MakeImage({{"windows", "amd64", ""}});
  auto e =
      ExplainAndCheckFix(*t.image, DefaultNodes(), DefaultContainerdVersions());
  oci::Json j = ToJson(*e);
  EXPECT_EQ(j["image"], "test:image");
  EXPECT_EQ(j["kind"], "index");
  EXPECT_EQ(j["verdict"], "fails");
  EXPECT_TRUE(j["fix"].is_string());
  ASSERT_EQ(j["results"].size(), 9u);
  EXPECT_EQ(j["results"][0]["host"], "10.0.17763");
  EXPECT_EQ(j["results"][0]["containerd"], "1.6.17");
  EXPECT_TRUE(j["results"][0]["selected"].is_null());
  EXPECT_THAT(j["results"][0]["reason"].get<std::string>(),
              HasSubstr("no match for platform in manifest"));
  EXPECT_EQ(j["results"][1]["containerd"], "1.6.18");
  EXPECT_EQ(j["results"][1]["selected"], t.digests[0]);
  EXPECT_EQ(j["results"][3]["host"], "10.0.20348");
}

std::string Hpcimg() { return std::string(HPC_BIN_DIR) + "/hpcimg"; }

TEST(ExplainCommandTest, ExplainsFixesAndTheFixWorksEverywhere) {
  testing::TempDir dir;
  TestImage t = MakeImage(
      {{"windows", "amd64", "10.0.17763.5329"}, {"windows", "amd64", ""}});
  const std::string layout = "oci:" + dir.path() + "/layout:multi";
  auto written =
      copy::WriteImage(*t.image, *transport::Reference::Parse(layout),
                       copy::DestinationOptions{});
  ASSERT_TRUE(written.ok()) << written.status();

  auto run = hpc::testing::RunCommand({Hpcimg(), "explain", layout});
  EXPECT_EQ(run.exit_code, 3) << run.output;
  EXPECT_THAT(run.output, HasSubstr("verdict  fails on 2 of 9"));
  EXPECT_THAT(run.output, HasSubstr("10.0.26100  1.6.17      no match"));

  const std::string fixed = dir.path() + "/fixed.tar";
  run = hpc::testing::RunCommand(
      {Hpcimg(), "explain", layout, "--fix", "oci-archive:" + fixed});
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("fixed: wrote oci-archive:" + fixed));
  ASSERT_TRUE(std::filesystem::exists(fixed));

  run = hpc::testing::RunCommand({Hpcimg(), "explain", "--json", "--os-version",
                                  "10.0.26100.2894", "--containerd", "1.6.17",
                                  "oci-archive:" + fixed});
  EXPECT_EQ(run.exit_code, 0) << run.output;
  auto j = oci::Json::parse(run.output);
  EXPECT_EQ(j["kind"], "manifest");
  EXPECT_EQ(j["verdict"], "ok");
  EXPECT_EQ(j["results"].size(), 1u);
  EXPECT_EQ(j["results"][0]["host"], "10.0.26100");

  // And on every default node and release, ctr images import included.
  run = hpc::testing::RunCommand(
      {Hpcimg(), "explain", "--json", "oci-archive:" + fixed});
  EXPECT_EQ(run.exit_code, 0) << run.output;
  j = oci::Json::parse(run.output);
  EXPECT_EQ(j["verdict"], "ok");
  EXPECT_EQ(j["results"].size(), 9u);
}

TEST(ExplainCommandTest, ClientCtrSaysWhatCtrPullFetchesAndUnpacks) {
  testing::TempDir dir;
  TestImage t = MakeImage({{"windows", "amd64", "10.0.17763.1"},
                           {"windows", "amd64", "10.0.20348.1"}});
  const std::string layout = "oci:" + dir.path() + "/layout:two";
  ASSERT_TRUE(copy::WriteImage(*t.image, *transport::Reference::Parse(layout),
                               copy::DestinationOptions{})
                  .ok());
  auto run = hpc::testing::RunCommand({Hpcimg(), "explain", "--json",
                                       "--client", "ctr", "--os-version",
                                       "10.0.20348", "--containerd", "1.6.20",
                                       "--containerd", "2.0.0", layout});
  EXPECT_EQ(run.exit_code, 0) << run.output;
  auto j = oci::Json::parse(run.output);
  EXPECT_EQ(j["client"], "ctr");
  ASSERT_EQ(j["results"].size(), 2u);
  // 1.6's ctr unpacks the first windows/amd64 entry, whatever its version.
  EXPECT_EQ(j["results"][0]["selected"], t.digests[0]);
  EXPECT_EQ(j["results"][0]["unpacked"], oci::Json::array({t.digests[0]}));
  EXPECT_THAT(j["results"][0]["reason"].get<std::string>(),
              HasSubstr("fetches #0, #1"));
  EXPECT_EQ(j["results"][1]["selected"], t.digests[1]);

  // CRI of the same releases takes #1 on both.
  run = hpc::testing::RunCommand({Hpcimg(), "explain", "--json", "--os-version",
                                  "10.0.20348", "--containerd", "1.6.20",
                                  layout});
  j = oci::Json::parse(run.output);
  EXPECT_EQ(j["client"], "cri");
  EXPECT_EQ(j["results"][0]["selected"], t.digests[1]);
  EXPECT_FALSE(j["results"][0].contains("unpacked"));

  run = hpc::testing::RunCommand({Hpcimg(), "explain", "--client", "ctr",
                                  "--os-version", "10.0.20348", layout});
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("by ctr images pull without --platform"));
}

TEST(ExplainCommandTest, BadArgumentsAreNamed) {
  auto bad_client = hpc::testing::RunCommand(
      {Hpcimg(), "explain", "--client", "kubelet", "base:"});
  EXPECT_EQ(bad_client.exit_code, 2);
  EXPECT_THAT(bad_client.output, HasSubstr("client \"kubelet\""));
  auto run = hpc::testing::RunCommand(
      {Hpcimg(), "explain", "--containerd", "one.six", "base:"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.output, HasSubstr("containerd version \"one.six\""));
  run = hpc::testing::RunCommand(
      {Hpcimg(), "explain", "--os-version", "10.0", "base:"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.output, HasSubstr("Windows version \"10.0\""));
  run = hpc::testing::RunCommand(
      {Hpcimg(), "explain", "oci:/nonexistent/layout"});
  EXPECT_NE(run.exit_code, 0);
  EXPECT_THAT(run.output, HasSubstr("/nonexistent/layout"));
}

// The archive limits are flags of every command that reads archives.
TEST(ArchiveLimitFlagsTest, RefuseAndRaise) {
  testing::TempDir dir;
  const std::string archive = dir.path() + "/base.tar";
  ASSERT_EQ(hpc::testing::RunCommand(
                {Hpcimg(), "copy", "-q", "base:", "docker-archive:" + archive})
                .exit_code,
            0);
  auto run = hpc::testing::RunCommand({Hpcimg(), "inspect", "--max-entry-size",
                                       "512", "docker-archive:" + archive});
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_THAT(run.output, HasSubstr("--max-entry-size raises the limit"));
  run = hpc::testing::RunCommand({Hpcimg(), "explain", "--max-archive-size",
                                  "1KiB", "docker-archive:" + archive});
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_THAT(run.output, HasSubstr("--max-archive-size"));
  run = hpc::testing::RunCommand({Hpcimg(), "inspect", "--max-entry-size",
                                  "12XB", "docker-archive:" + archive});
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_THAT(run.output, HasSubstr("--max-entry-size \"12XB\""));
  run = hpc::testing::RunCommand({Hpcimg(), "inspect", "--max-entry-size",
                                  "1MiB", "docker-archive:" + archive});
  EXPECT_EQ(run.exit_code, 0) << run.output;
}

}  // namespace
}  // namespace hpc::explain
