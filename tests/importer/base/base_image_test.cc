#include "importer/base/base_image.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "importer/base/registry_hive.h"
#include "importer/image/image_source.h"
#include "importer/oci/digester.h"
#include "importer/oci/image_config.h"
#include "importer/oci/manifest.h"

namespace hpc::base {
namespace {

using ::testing::ElementsAre;

const absl::Time kEpoch = absl::FromUnixSeconds(1640995200);
constexpr char kPinnedOciManifest[] =
    "sha256:0fd2ca6d13eeedfe8a478e142d30a40f2059c4d1e6473912c457c9677f8189b6";
constexpr char kPinnedDockerManifest[] =
    "sha256:ff386145d8828e690faabb259da3f15ba336dc69d0df21ee69ea4813249e0807";

std::unique_ptr<image::MemoryImage> Generate(
    oci::MediaTypeFormat format = oci::MediaTypeFormat::kOci,
    absl::Time created = kEpoch) {
  BaseImageOptions options;
  options.format = format;
  options.created = created;
  auto image = GenerateBaseImage(options);
  EXPECT_TRUE(image.ok()) << image.status();
  return std::move(*image);
}

struct Entry {
  std::string path;
  bool directory;
  std::string data;
  int64_t mtime;
  int uid, gid;
};

// Reads a (possibly compressed) tar with libarchive, independently of the
// writer.
std::vector<Entry> ReadTar(const std::string& bytes) {
  std::vector<Entry> out;
  struct archive* a = archive_read_new();
  archive_read_support_filter_all(a);
  archive_read_support_format_tar(a);
  EXPECT_EQ(archive_read_open_memory(a, bytes.data(), bytes.size()),
            ARCHIVE_OK);
  struct archive_entry* e;
  while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
    Entry entry{archive_entry_pathname(e),
                archive_entry_filetype(e) == AE_IFDIR,
                "",
                archive_entry_mtime(e),
                static_cast<int>(archive_entry_uid(e)),
                static_cast<int>(archive_entry_gid(e))};
    std::string data(static_cast<size_t>(archive_entry_size(e)), '\0');
    if (!data.empty()) archive_read_data(a, data.data(), data.size());
    entry.data = data;
    out.push_back(entry);
  }
  archive_read_free(a);
  return out;
}

TEST(BaseImageTest, SingleManifestWithoutPlatform) {
  auto image = Generate();
  EXPECT_EQ(image->root().media_type, oci::kOciManifest);
  EXPECT_FALSE(image->root().platform.has_value());
  auto manifest =
      oci::Manifest::Parse(image->bytes(image->root().digest), "base");
  ASSERT_TRUE(manifest.ok()) << manifest.status();
  EXPECT_EQ(manifest->json().dump().find("platform"), std::string::npos);
  ASSERT_EQ(manifest->layers().size(), 1u);
  EXPECT_EQ(manifest->layers()[0].media_type, oci::kOciLayerGzip);
  EXPECT_EQ(manifest->config().media_type, oci::kOciConfig);
  EXPECT_THAT(image->image_names(),
              ElementsAre("mcr.microsoft.com/oss/kubernetes/"
                          "windows-host-process-containers-base-image:v1.0.0"));
}

TEST(BaseImageTest, ConfigIsWindowsAmd64WithoutOsVersion) {
  auto image = Generate();
  auto manifest =
      oci::Manifest::Parse(image->bytes(image->root().digest), "base");
  ASSERT_TRUE(manifest.ok());
  auto config = oci::ImageConfig::Parse(image->bytes(manifest->config().digest),
                                        "config");
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->os(), "windows");
  EXPECT_EQ(config->architecture(), "amd64");
  EXPECT_FALSE(config->json().contains("os.version"));
  EXPECT_EQ(config->json()["config"]["Cmd"],
            oci::Json::array({"c:\\windows\\system32\\cmd.exe"}));
  // The diff ID is the digest of the uncompressed layer.
  std::string layer = image->bytes(manifest->layers()[0].digest);
  struct archive* a = archive_read_new();
  archive_read_support_filter_gzip(a);
  archive_read_support_format_raw(a);
  ASSERT_EQ(archive_read_open_memory(a, layer.data(), layer.size()),
            ARCHIVE_OK);
  struct archive_entry* e;
  ASSERT_EQ(archive_read_next_header(a, &e), ARCHIVE_OK);
  std::string tar;
  char buf[8192];
  la_ssize_t n;
  while ((n = archive_read_data(a, buf, sizeof(buf))) > 0) tar.append(buf, n);
  archive_read_free(a);
  ASSERT_THAT(config->diff_ids(), ElementsAre(oci::Digester::Of(tar)));
}

TEST(BaseImageTest, LayerHoldsLicenseAndFiveHives) {
  auto image = Generate();
  auto manifest =
      oci::Manifest::Parse(image->bytes(image->root().digest), "base");
  ASSERT_TRUE(manifest.ok());
  auto entries = ReadTar(image->bytes(manifest->layers()[0].digest));
  std::vector<std::string> paths;
  for (const Entry& e : entries) {
    paths.push_back(e.path);
    EXPECT_EQ(e.mtime, 1640995200) << e.path;
    EXPECT_EQ(e.uid, 0);
    EXPECT_EQ(e.gid, 0);
  }
  EXPECT_THAT(paths, ElementsAre("Files/", "Files/License.txt",
                                 "Files/Windows/", "Files/Windows/System32/",
                                 "Files/Windows/System32/config/",
                                 "Files/Windows/System32/config/DEFAULT",
                                 "Files/Windows/System32/config/SAM",
                                 "Files/Windows/System32/config/SECURITY",
                                 "Files/Windows/System32/config/SOFTWARE",
                                 "Files/Windows/System32/config/SYSTEM"));
  EXPECT_EQ(entries[1].data, std::string(LicenseText()));
  EXPECT_EQ(entries[9].data, *WriteMinimalHive({"SYSTEM", kEpoch}));
}

TEST(BaseImageTest, EveryBlobIsAFewKilobytes) {
  auto image = Generate();
  auto blobs = image::ListBlobs(*image);
  ASSERT_TRUE(blobs.ok());
  ASSERT_EQ(blobs->size(), 3u);
  for (const oci::Descriptor& d : *blobs) {
    EXPECT_LE(d.size, 8192) << d.media_type;
  }
}

TEST(BaseImageTest, ReproducibleAndPinned) {
  auto a = Generate();
  auto b = Generate();
  EXPECT_EQ(a->root().digest, b->root().digest);
  // Pinned: a change here changes every node's base image; it must be on
  // purpose.
  EXPECT_EQ(a->root().digest.str(), kPinnedOciManifest);
  auto docker = Generate(oci::MediaTypeFormat::kDocker);
  EXPECT_EQ(docker->root().media_type, oci::kDockerManifest);
  EXPECT_EQ(docker->root().digest.str(), kPinnedDockerManifest);
  auto later = Generate(oci::MediaTypeFormat::kOci, kEpoch + absl::Hours(24));
  EXPECT_NE(later->root().digest, a->root().digest);
}

TEST(BaseImageTest, SourceDateEpoch) {
  setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
  auto t = ReproducibleTime();
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(absl::ToUnixSeconds(*t), 1700000000);
  setenv("SOURCE_DATE_EPOCH", "soon", 1);
  EXPECT_EQ(ReproducibleTime().status().code(),
            absl::StatusCode::kInvalidArgument);
  unsetenv("SOURCE_DATE_EPOCH");
  EXPECT_EQ(absl::ToUnixSeconds(*ReproducibleTime()), 1640995200);
}

}  // namespace
}  // namespace hpc::base
