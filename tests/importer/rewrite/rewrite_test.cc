#include "importer/rewrite/rewrite.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "importer/image/memory_image.h"
#include "importer/oci/image_config.h"
#include "importer/oci/manifest.h"

namespace hpc::rewrite {
namespace {

using ::testing::HasSubstr;

struct Entry {
  std::string os, arch, os_version;
  std::string salt = "";  // makes otherwise equal manifests differ
};

// An index of one manifest per entry, each with its own config and layer.
std::unique_ptr<image::MemoryImage> MakeIndex(
    const std::vector<Entry>& entries) {
  auto img = std::make_unique<image::MemoryImage>("test-index",
                                                  std::vector<std::string>{});
  std::vector<oci::Descriptor> manifests;
  for (const Entry& e : entries) {
    oci::Json config = {{"os", e.os}, {"architecture", e.arch}};
    if (!e.os_version.empty()) config["os.version"] = e.os_version;
    oci::Descriptor layer =
        img->Add(oci::kOciLayer, "layer of " + e.os + e.os_version + e.salt);
    oci::Descriptor c = img->Add(oci::kOciConfig, oci::CanonicalJson(config));
    oci::Manifest m =
        oci::Manifest::Make(oci::MediaTypeFormat::kOci, c, {layer});
    oci::Descriptor d = img->Add(m.media_type(), m.Serialize());
    d.platform = oci::Json{{"os", e.os}, {"architecture", e.arch}};
    if (!e.os_version.empty()) (*d.platform)["os.version"] = e.os_version;
    manifests.push_back(d);
  }
  oci::Index index = oci::Index::Make(oci::MediaTypeFormat::kOci, manifests);
  img->set_root(img->Add(index.media_type(), index.Serialize()));
  return img;
}

std::string OsVersionOf(image::ImageSource& img) {
  auto m = oci::Manifest::Parse(*image::ReadSmallBlob(img, img.root()), "m");
  auto c =
      oci::ImageConfig::Parse(*image::ReadSmallBlob(img, m->config()), "c");
  return c->os_version();
}

const std::vector<Entry> kMixed = {{"linux", "amd64", ""},
                                   {"windows", "amd64", "10.0.17763.5329"},
                                   {"windows", "amd64", "10.0.20348.2227"},
                                   {"windows", "amd64", "10.0.17763.6000"}};

TEST(RewriteTest, DefaultIsHighestWindowsVersion) {
  auto img = MakeIndex(kMixed);
  auto r = RewriteToSingleManifest(*img, {});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(oci::IsManifest(r->image->root().media_type));
  EXPECT_FALSE(r->image->root().platform.has_value());
  EXPECT_EQ(OsVersionOf(*r->image), "10.0.20348.2227");
  ASSERT_FALSE(r->changes.empty());
  EXPECT_THAT(r->changes[0], HasSubstr("replaced by its manifest"));
}

TEST(RewriteTest, PlatformPrefixPicksBuildAndHighestRevision) {
  auto img = MakeIndex(kMixed);
  auto r = RewriteToSingleManifest(
      *img, {*Platform::Parse("windows/amd64:10.0.17763"), false});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(OsVersionOf(*r->image), "10.0.17763.6000");
  auto linux =
      RewriteToSingleManifest(*img, {*Platform::Parse("linux/amd64"), false});
  ASSERT_TRUE(linux.ok());
  EXPECT_EQ(OsVersionOf(*linux->image), "");
  // A prefix matches whole components only.
  auto none = RewriteToSingleManifest(
      *img, {*Platform::Parse("windows/amd64:10.0.1776"), false});
  EXPECT_EQ(none.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(none.status().message()),
              HasSubstr("10.0.17763.5329"))
      << "the error lists the choices";
}

TEST(RewriteTest, NoWindowsManifestIsAnError) {
  auto img = MakeIndex({{"linux", "amd64", ""}, {"linux", "arm64", ""}});
  auto r = RewriteToSingleManifest(*img, {});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("linux/arm64"));
}

TEST(RewriteTest, AmbiguousChoiceIsAnError) {
  auto img = MakeIndex({{"windows", "amd64", "10.0.20348.1", "a"},
                        {"windows", "amd64", "10.0.20348.1", "b"}});
  auto r = RewriteToSingleManifest(*img, {});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("same os.version"));
  // The same manifest listed twice is no ambiguity.
  auto twice = MakeIndex({{"windows", "amd64", "10.0.20348.1"},
                          {"windows", "amd64", "10.0.20348.1"}});
  EXPECT_TRUE(RewriteToSingleManifest(*twice, {}).ok());
}

TEST(RewriteTest, StripOsVersionChangesConfigAndManifestOnly) {
  auto img = MakeIndex({{"windows", "amd64", "10.0.20348.2227"}});
  auto kept = RewriteToSingleManifest(*img, {});
  auto stripped = RewriteToSingleManifest(*img, {std::nullopt, true});
  ASSERT_TRUE(kept.ok());
  ASSERT_TRUE(stripped.ok());
  EXPECT_EQ(OsVersionOf(*stripped->image), "");
  EXPECT_NE(kept->image->root().digest, stripped->image->root().digest);
  auto a = oci::Manifest::Parse(
      *image::ReadSmallBlob(*kept->image, kept->image->root()), "a");
  auto b = oci::Manifest::Parse(
      *image::ReadSmallBlob(*stripped->image, stripped->image->root()), "b");
  EXPECT_EQ(a->layers()[0].digest, b->layers()[0].digest)
      << "layers are untouched";
  EXPECT_NE(a->config().digest, b->config().digest);
  EXPECT_THAT(stripped->changes.back(),
              HasSubstr("os.version 10.0.20348.2227 removed"));
}

TEST(PlatformTest, ParseAndCompare) {
  auto p = Platform::Parse("windows/amd64:10.0.17763");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->os, "windows");
  EXPECT_EQ(p->os_version, "10.0.17763");
  EXPECT_FALSE(Platform::Parse("windows").ok());
  EXPECT_TRUE(VersionHasPrefix("10.0.17763.1", "10.0.17763"));
  EXPECT_FALSE(VersionHasPrefix("10.0.177631", "10.0.17763"));
  EXPECT_LT(CompareVersions("10.0.17763.9", "10.0.17763.10"), 0);
  EXPECT_GT(CompareVersions("10.0.20348.1", "10.0.17763.9999"), 0);
}

// Found by image_json_fuzzer: a platform whose fields are not strings made
// FromJson throw. They read as empty.
TEST(PlatformTest, FieldsOfTheWrongTypeReadAsEmpty) {
  Platform p = Platform::FromJson(oci::Json::parse(
      R"({"os": 5, "architecture": "amd64", "variant": [{"x": 1}],
          "os.version": null, "os.features": "win32k"})"));
  EXPECT_EQ(p.os, "");
  EXPECT_EQ(p.architecture, "amd64");
  EXPECT_EQ(p.variant, "");
  EXPECT_EQ(p.os_version, "");
  EXPECT_TRUE(p.os_features.empty());
  EXPECT_EQ(Platform::FromJson(oci::Json::array()).os, "");
}

}  // namespace
}  // namespace hpc::rewrite
