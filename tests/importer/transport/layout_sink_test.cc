#include "importer/transport/layout_sink.h"

#include <filesystem>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "importer/image/memory_image.h"
#include "importer/oci/digester.h"
#include "importer/oci/manifest.h"
#include "tests/testing/temp_dir.h"

namespace hpc::transport {
namespace {

using ::testing::HasSubstr;

std::unique_ptr<image::MemoryImage> SmallImage(const std::string& name) {
  auto img = std::make_unique<image::MemoryImage>(
      "test:", std::vector<std::string>{name});
  oci::Descriptor layer = img->Add(oci::kOciLayer, "layer bytes");
  oci::Descriptor config =
      img->Add(oci::kOciConfig, R"({"os":"windows","architecture":"amd64"})");
  oci::Manifest m =
      oci::Manifest::Make(oci::MediaTypeFormat::kOci, config, {layer});
  img->set_root(img->Add(m.media_type(), m.Serialize()));
  return img;
}

TEST(LayoutSinkTest, DirectoryLayoutVerifiesAndNames) {
  hpc::testing::TempDir dir;
  auto img = SmallImage("example.com/app:v1");
  auto writer = OpenLayoutDirectory(dir.Join("layout"), false);
  ASSERT_TRUE(writer.ok()) << writer.status();
  ASSERT_TRUE(
      WriteLayout(*img, **writer, {.image_name = "example.com/app:v1"}).ok());
  for (auto& e :
       std::filesystem::directory_iterator(dir.Join("layout/blobs/sha256"))) {
    std::string data = hpc::testing::ReadFileOrDie(e.path());
    EXPECT_EQ(oci::Digester::Of(data).hex(), e.path().filename().string());
  }
  std::string index =
      hpc::testing::ReadFileOrDie(dir.Join("layout/index.json"));
  EXPECT_THAT(index, HasSubstr(R"("org.opencontainers.image.ref.name":"v1")"));
  EXPECT_THAT(index,
              HasSubstr(R"("io.containerd.image.name":"example.com/app:v1")"));
  EXPECT_EQ(hpc::testing::ReadFileOrDie(dir.Join("layout/oci-layout")),
            R"({"imageLayoutVersion":"1.0.0"})");

  // Existing layout: refused without --force; with it, a second image is
  // added beside the first.
  EXPECT_EQ(OpenLayoutDirectory(dir.Join("layout"), false).status().code(),
            absl::StatusCode::kAlreadyExists);
  auto again = OpenLayoutDirectory(dir.Join("layout"), true);
  ASSERT_TRUE(again.ok());
  auto other = SmallImage("example.com/other:v2");
  ASSERT_TRUE(
      WriteLayout(*other, **again, {.image_name = "example.com/other:v2"})
          .ok());
  auto parsed = oci::Index::Parse(
      hpc::testing::ReadFileOrDie(dir.Join("layout/index.json")), "");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->manifests().size(), 1u)
      << "same digest: one entry, renamed";
}

TEST(LayoutSinkTest, ForceRefusesDirectoriesThatAreNotLayouts) {
  hpc::testing::TempDir dir;
  hpc::testing::WriteFileOrDie(dir.Join("notes.txt"), "mine");
  auto writer = OpenLayoutDirectory(dir.path(), true);
  EXPECT_EQ(writer.status().code(), absl::StatusCode::kFailedPrecondition);
}

// A source whose blob does not match its digest.
class CorruptImage final : public image::ImageSource {
 public:
  CorruptImage() : inner_(SmallImage("x:y")) {}
  const std::string& name() const override { return inner_->name(); }
  const oci::Descriptor& root() const override { return inner_->root(); }
  absl::StatusOr<std::unique_ptr<image::BlobStream>> Open(
      const oci::Descriptor& blob) override {
    if (blob.media_type == oci::kOciLayer)
      return image::StreamOf("LAYER BYTES");
    return inner_->Open(blob);
  }

 private:
  std::unique_ptr<image::MemoryImage> inner_;
};

TEST(LayoutSinkTest, CorruptBlobLeavesNoArchive) {
  hpc::testing::TempDir dir;
  CorruptImage img;
  {
    auto writer =
        OpenLayoutArchive(dir.Join("out.tar"), false, absl::UnixEpoch());
    ASSERT_TRUE(writer.ok());
    absl::Status s = WriteLayout(img, **writer, {"x:y", false});
    EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
    EXPECT_THAT(std::string(s.message()),
                HasSubstr("does not match its content"));
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()))
      << "no archive, no temporary";
}

}  // namespace
}  // namespace hpc::transport
