// Hostile and broken archives: each gives a clear error naming the archive
// and the entry, before anything is written anywhere.
#include "importer/transport/archive_source.h"

#include <archive.h>
#include <archive_entry.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "importer/archive/gzip.h"
#include "importer/image/memory_image.h"
#include "importer/oci/digester.h"
#include "importer/oci/manifest.h"
#include "importer/transport/layout_sink.h"
#include "tests/testing/temp_dir.h"

namespace hpc::transport {
namespace {

using ::testing::HasSubstr;

struct TarEntry {
  std::string path;
  std::string data;
  enum { kFile, kSymlink, kHardlink, kCharDevice } type = kFile;
  std::string target;
};

void WriteTar(const std::string& file, const std::vector<TarEntry>& entries) {
  struct archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  ASSERT_EQ(archive_write_open_filename(a, file.c_str()), ARCHIVE_OK);
  for (const TarEntry& e : entries) {
    struct archive_entry* entry = archive_entry_new();
    archive_entry_copy_pathname(entry, e.path.c_str());
    archive_entry_set_perm(entry, 0644);
    if (e.type == TarEntry::kSymlink) {
      archive_entry_set_filetype(entry, AE_IFLNK);
      archive_entry_copy_symlink(entry, e.target.c_str());
    } else if (e.type == TarEntry::kCharDevice) {
      archive_entry_set_filetype(entry, AE_IFCHR);
      archive_entry_set_rdevmajor(entry, 1);
      archive_entry_set_rdevminor(entry, 3);
    } else if (e.type == TarEntry::kHardlink) {
      archive_entry_set_filetype(entry, AE_IFREG);
      archive_entry_copy_hardlink(entry, e.target.c_str());
    } else {
      archive_entry_set_filetype(entry, AE_IFREG);
      archive_entry_set_size(entry, static_cast<la_int64_t>(e.data.size()));
    }
    archive_write_header(a, entry);
    if (e.type == TarEntry::kFile)
      archive_write_data(a, e.data.data(), e.data.size());
    archive_entry_free(entry);
  }
  archive_write_close(a);
  archive_write_free(a);
}

// A valid OCI layout as tar entries; `layer` is the one layer's bytes.
std::vector<TarEntry> OciEntries(
    const std::string& layer, int64_t declared_layer_size = -1,
    const std::string& layer_type = std::string(oci::kOciLayer)) {
  oci::Descriptor l = oci::DescribeBytes(layer_type, layer);
  if (declared_layer_size >= 0) l.size = declared_layer_size;
  std::string config =
      R"({"architecture":"amd64","os":"windows","rootfs":{"type":"layers","diff_ids":[")" +
      oci::Digester::Of(layer).str() + R"("]}})";
  oci::Descriptor c = oci::DescribeBytes(oci::kOciConfig, config);
  oci::Manifest m = oci::Manifest::Make(oci::MediaTypeFormat::kOci, c, {l});
  std::string manifest = m.Serialize();
  oci::Descriptor md = oci::DescribeBytes(oci::kOciManifest, manifest);
  md.annotations["org.opencontainers.image.ref.name"] = "v1";
  oci::Index index = oci::Index::Make(oci::MediaTypeFormat::kOci, {md});
  return {{"oci-layout", R"({"imageLayoutVersion":"1.0.0"})"},
          {"index.json", index.Serialize()},
          {"blobs/sha256/" + std::string(md.digest.hex()), manifest},
          {"blobs/sha256/" + std::string(c.digest.hex()), config},
          {"blobs/sha256/" + std::string(l.digest.hex()), layer}};
}

// Opens `file` as oci-archive and copies it to an OCI layout.
absl::Status OpenAndCopy(hpc::testing::TempDir& dir, const std::string& file) {
  auto ref = Reference::Parse("oci-archive:" + file);
  if (!ref.ok()) return ref.status();
  auto source = OpenOciArchive(*ref);
  if (!source.ok()) return source.status();
  auto writer = OpenLayoutDirectory(dir.Join("out"), false);
  if (!writer.ok()) return writer.status();
  return WriteLayout(**source, **writer, {.image_name = "x:y"});
}

class ArchiveSourceTest : public ::testing::Test {
 protected:
  hpc::testing::TempDir dir_;
  std::string file_ = dir_.Join("in.tar");
};

TEST_F(ArchiveSourceTest, ValidArchiveCopies) {
  WriteTar(file_, OciEntries("layer data"));
  EXPECT_TRUE(OpenAndCopy(dir_, file_).ok());
}

TEST_F(ArchiveSourceTest, ParentPathsAndAbsolutePathsAreRefused) {
  auto entries = OciEntries("layer data");
  entries.push_back({"../escape", "x"});
  WriteTar(file_, entries);
  absl::Status s = OpenAndCopy(dir_, file_);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("in.tar"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("\"../escape\" climbs out"));

  entries.back() = {"/etc/evil", "x"};
  WriteTar(file_, entries);
  s = OpenAndCopy(dir_, file_);
  EXPECT_THAT(std::string(s.message()), HasSubstr("absolute path"));
}

TEST_F(ArchiveSourceTest, LinksAreNotFollowed) {
  auto entries = OciEntries("layer data");
  // The manifest's blob replaced by a symlink to a file outside.
  std::string manifest_path = entries[2].path;
  entries[2] = {manifest_path, "", TarEntry::kSymlink, "/etc/passwd"};
  WriteTar(file_, entries);
  absl::Status s = OpenAndCopy(dir_, file_);
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()), HasSubstr("not in the archive"));

  entries = OciEntries("layer data");
  entries[0] = {"index.json", "", TarEntry::kHardlink, "../outside.json"};
  entries.erase(entries.begin() + 1);
  WriteTar(file_, entries);
  s = OpenAndCopy(dir_, file_);
  EXPECT_FALSE(s.ok());
}

TEST_F(ArchiveSourceTest, CorruptBlobIsNamed) {
  auto entries = OciEntries("layer data");
  entries[4].data = "LAYER DATA";  // same size, other bytes
  WriteTar(file_, entries);
  absl::Status s = OpenAndCopy(dir_, file_);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("does not match its content"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("oci-archive:"));
}

TEST_F(ArchiveSourceTest, MissingBlobAndAbsurdSizes) {
  auto entries = OciEntries("layer data");
  entries.pop_back();  // the layer
  WriteTar(file_, entries);
  EXPECT_THAT(std::string(OpenAndCopy(dir_, file_).message()),
              HasSubstr("not in the archive"));

  WriteTar(file_, OciEntries("layer data", int64_t{1} << 50));
  absl::Status s = OpenAndCopy(dir_, file_);
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("bytes, not the 1125899906842624"));
}

TEST_F(ArchiveSourceTest, InvalidJsonAndUnknownMediaTypes) {
  auto entries = OciEntries("layer data");
  entries[1].data = "{not json";
  WriteTar(file_, entries);
  absl::Status s = OpenAndCopy(dir_, file_);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("index.json of oci-archive:"));

  entries = OciEntries("layer data");
  auto index = oci::Json::parse(entries[1].data);
  index["manifests"][0]["mediaType"] = "application/x-unknown";
  entries[1].data = index.dump();
  WriteTar(file_, entries);
  s = OpenAndCopy(dir_, file_);
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()), HasSubstr("application/x-unknown"));
}

TEST_F(ArchiveSourceTest, TruncatedArchive) {
  std::vector<TarEntry> entries = OciEntries(std::string(200000, 'x'));
  WriteTar(file_, entries);
  std::string data = hpc::testing::ReadFileOrDie(file_);
  hpc::testing::WriteFileOrDie(file_, data.substr(0, data.size() - 150000));
  absl::Status s = OpenAndCopy(dir_, file_);
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()), HasSubstr("in.tar"));
}

TEST_F(ArchiveSourceTest, DeviceFilesAreRefused) {
  auto entries = OciEntries("layer data");
  entries.push_back({"dev/null", "", TarEntry::kCharDevice});
  WriteTar(file_, entries);
  absl::Status s = OpenAndCopy(dir_, file_);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()), HasSubstr("dev/null"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("device or special file"));
}

// A decompression bomb: 64 MiB of zeros gzip to 64 KiB. Limits on one
// entry, on the whole archive and on the number of entries refuse it before
// anything is used, and say which flag raises them.
TEST_F(ArchiveSourceTest, DecompressionBombsAreBounded) {
  auto entries = OciEntries(std::string(64 << 20, '\0'));
  WriteTar(file_, entries);
  std::string tar = hpc::testing::ReadFileOrDie(file_);
  std::string gz;
  ASSERT_TRUE(archive::GzipBytes(tar, &gz).ok());
  EXPECT_LT(gz.size(), 1u << 20);
  hpc::testing::WriteFileOrDie(file_, gz);
  auto ref = Reference::Parse("oci-archive:" + file_);
  ASSERT_TRUE(ref.ok());

  archive::ArchiveLimits entry_limit;
  entry_limit.max_entry_bytes = 16 << 20;
  auto opened = OpenOciArchive(*ref, entry_limit);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(opened.status().message()),
              HasSubstr("--max-entry-size"));

  archive::ArchiveLimits total_limit;
  total_limit.max_total_bytes = 32 << 20;
  opened = OpenOciArchive(*ref, total_limit);
  ASSERT_FALSE(opened.ok());
  EXPECT_THAT(std::string(opened.status().message()),
              HasSubstr("--max-archive-size"));

  archive::ArchiveLimits entries_limit;
  entries_limit.max_entries = 3;
  opened = OpenOciArchive(*ref, entries_limit);
  ASSERT_FALSE(opened.ok());
  EXPECT_THAT(std::string(opened.status().message()),
              HasSubstr("--max-archive-entries"));

  // Within the defaults it opens.
  EXPECT_TRUE(OpenOciArchive(*ref).ok());
}

// A docker-archive manifest.json whose entries are not objects is an error,
// not a crash.
TEST_F(ArchiveSourceTest, DockerManifestOfTheWrongShape) {
  for (const char* manifest :
       {R"(["x", "y"])", R"([{"RepoTags": "a"}, {"RepoTags": 5}])", "7"}) {
    WriteTar(file_, {{"manifest.json", manifest}});
    auto ref = Reference::Parse("docker-archive:" + file_);
    ASSERT_TRUE(ref.ok());
    auto source = OpenDockerArchive(*ref);
    EXPECT_FALSE(source.ok()) << manifest;
    if (!source.ok()) {
      EXPECT_THAT(std::string(source.status().message()), HasSubstr("in.tar"));
    }
  }
}

}  // namespace
}  // namespace hpc::transport
