#include "importer/rootfs/layer_apply.h"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "importer/image/image_source.h"
#include "importer/oci/digester.h"
#include "importer/rootfs/root_files.h"
#include "tests/testing/temp_dir.h"

namespace hpc::rootfs {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// One tar entry, written as raw as a hostile layer could write it.
struct Entry {
  std::string path;
  unsigned type = AE_IFREG;
  std::string data;          // a file's bytes
  std::string link;          // a symbolic link's target
  std::string hardlink;      // a hard link's target
  int mode = 0644;
};

std::string Tar(const std::vector<Entry>& entries) {
  std::string out;
  struct archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  archive_write_open(
      a, &out, nullptr,
      [](struct archive*, void* self, const void* buffer, size_t n) -> la_ssize_t {
        static_cast<std::string*>(self)->append(static_cast<const char*>(buffer), n);
        return static_cast<la_ssize_t>(n);
      },
      nullptr);
  for (const Entry& e : entries) {
    struct archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, e.path.c_str());
    archive_entry_set_filetype(entry, e.type);
    archive_entry_set_perm(entry, static_cast<mode_t>(e.mode));
    archive_entry_set_mtime(entry, 1600000000, 0);
    if (!e.link.empty()) archive_entry_set_symlink(entry, e.link.c_str());
    if (!e.hardlink.empty()) archive_entry_set_hardlink(entry, e.hardlink.c_str());
    if (e.type == AE_IFCHR) archive_entry_set_rdev(entry, makedev(1, 3));
    archive_entry_set_size(entry, e.type == AE_IFREG && e.hardlink.empty()
                                      ? static_cast<la_int64_t>(e.data.size())
                                      : 0);
    archive_write_header(a, entry);
    if (!e.data.empty()) archive_write_data(a, e.data.data(), e.data.size());
    archive_entry_free(entry);
  }
  archive_write_close(a);
  archive_write_free(a);
  return out;
}

absl::StatusOr<ApplyStats> Apply(const RootDir& root, const std::string& tar) {
  size_t offset = 0;
  auto reader = archive::ArchiveReader::OpenStream(
      [&](char* dst, size_t n) -> absl::StatusOr<size_t> {
        size_t take = std::min(n, tar.size() - offset);
        std::memcpy(dst, tar.data() + offset, take);
        offset += take;
        return take;
      },
      "test layer");
  if (!reader.ok()) return reader.status();
  return ApplyLayer(root, **reader, "test layer", ApplyOptions{});
}

class LayerApplyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directory(dir_.Join("rootfs"));
    fs::create_directory(dir_.Join("outside"));
    auto root = RootDir::Open(dir_.Join("rootfs"));
    ASSERT_TRUE(root.ok()) << root.status();
    root_.emplace(std::move(*root));
  }
  std::string InRoot(const std::string& p) const { return dir_.Join("rootfs/" + p); }
  bool OutsideEmpty() const { return fs::is_empty(dir_.Join("outside")); }

  testing::TempDir dir_;
  std::optional<RootDir> root_;
};

TEST_F(LayerApplyTest, FilesDirectoriesAndLinks) {
  auto stats = Apply(*root_, Tar({{"bin", AE_IFDIR, "", "", "", 0755},
                                  {"bin/busybox", AE_IFREG, "ELF...", "", "", 0755},
                                  {"bin/sh", AE_IFLNK, "", "busybox"},
                                  {"bin/ash", AE_IFREG, "", "", "bin/busybox"},
                                  {"usr/share/doc/x.txt", AE_IFREG, "doc", "", "", 0600},
                                  {"etc/setuid", AE_IFREG, "s", "", "", 04755}}));
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->entries, 6);
  EXPECT_EQ(testing::ReadFileOrDie(InRoot("bin/busybox")), "ELF...");
  EXPECT_EQ(fs::read_symlink(InRoot("bin/sh")), "busybox");
  struct stat a, b;
  ASSERT_EQ(stat(InRoot("bin/busybox").c_str(), &a), 0);
  ASSERT_EQ(stat(InRoot("bin/ash").c_str(), &b), 0);
  EXPECT_EQ(a.st_ino, b.st_ino) << "a hard link is the same file";
  EXPECT_EQ(a.st_nlink, 2u);
  EXPECT_EQ(a.st_mode & 07777, 0755u);
  EXPECT_EQ(a.st_mtime, 1600000000);
  ASSERT_EQ(stat(InRoot("usr/share/doc/x.txt").c_str(), &a), 0);
  EXPECT_EQ(a.st_mode & 07777, 0600u);
  ASSERT_EQ(stat(InRoot("usr/share").c_str(), &a), 0);
  EXPECT_EQ(a.st_mode & 07777, 0755u) << "missing parents are made 0755";
  ASSERT_EQ(stat(InRoot("etc/setuid").c_str(), &a), 0);
  EXPECT_EQ(a.st_mode & 07777, 04755u);
}

TEST_F(LayerApplyTest, WhiteoutsRemoveWhatLowerLayersHeld) {
  ASSERT_TRUE(Apply(*root_, Tar({{"a/keep", AE_IFREG, "1"},
                                 {"a/gone", AE_IFREG, "2"},
                                 {"a/dir/x", AE_IFREG, "3"},
                                 {"opq/lower", AE_IFREG, "4"},
                                 {"opq/sub/lower", AE_IFREG, "5"}}))
                  .ok());
  auto stats = Apply(*root_, Tar({{"a/.wh.gone", AE_IFREG},
                                  {"a/.wh.dir", AE_IFREG},
                                  {"opq/upper", AE_IFREG, "6"},
                                  {"opq/.wh..wh..opq", AE_IFREG},
                                  {"opq/later", AE_IFREG, "7"},
                                  {"nowhere/.wh.x", AE_IFREG}}));
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_TRUE(fs::exists(InRoot("a/keep")));
  EXPECT_FALSE(fs::exists(InRoot("a/gone")));
  EXPECT_FALSE(fs::exists(InRoot("a/dir")));
  EXPECT_FALSE(fs::exists(InRoot("a/.wh.gone"))) << "whiteouts are not files";
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(InRoot("opq")))
    names.push_back(e.path().filename());
  std::sort(names.begin(), names.end());
  EXPECT_THAT(names, ElementsAre("later", "upper"));
  EXPECT_FALSE(fs::exists(InRoot("nowhere")));
}

TEST_F(LayerApplyTest, AbsoluteSymlinkThenWriteStaysInRoot) {
  const std::string outside = dir_.Join("outside");
  auto stats = Apply(*root_, Tar({{"evil", AE_IFLNK, "", outside},
                                  {"evil/pwned", AE_IFREG, "x"},
                                  {"up", AE_IFLNK, "", "../../../../../../.."},
                                  {"up/climbed", AE_IFREG, "y"}}));
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_TRUE(OutsideEmpty());
  // The link is kept as written; writing through it lands inside the root.
  EXPECT_EQ(fs::read_symlink(InRoot("evil")), outside);
  EXPECT_EQ(testing::ReadFileOrDie(InRoot(outside.substr(1) + "/pwned")), "x");
  EXPECT_EQ(testing::ReadFileOrDie(InRoot("climbed")), "y");
}

TEST_F(LayerApplyTest, HardLinksOutOfTheRootAreRefusedOrContained) {
  {
    std::ofstream secret(dir_.Join("outside/secret"));
    secret << "host file";
  }
  auto climbed = Apply(*root_, Tar({{"h", AE_IFREG, "", "", "../outside/secret"}}));
  ASSERT_FALSE(climbed.ok());
  EXPECT_THAT(climbed.status().message(), HasSubstr("\"..\""));
  // Through an absolute symbolic link: resolved in the root, where there is
  // no such file.
  auto through = Apply(*root_, Tar({{"l", AE_IFLNK, "", dir_.Join("outside")},
                                    {"h", AE_IFREG, "", "", "l/secret"}}));
  ASSERT_FALSE(through.ok());
  EXPECT_THAT(through.status().message(), HasSubstr("not there"));
  struct stat st;
  ASSERT_EQ(stat(dir_.Join("outside/secret").c_str(), &st), 0);
  EXPECT_EQ(st.st_nlink, 1u) << "the host file gained no link";
  EXPECT_FALSE(fs::exists(InRoot("h")));
}

TEST_F(LayerApplyTest, ClimbingEntriesAreRefusedAndDevicesSkipped) {
  auto climbing = Apply(*root_, Tar({{"../outside/x", AE_IFREG, "x"}}));
  ASSERT_FALSE(climbing.ok());
  EXPECT_TRUE(OutsideEmpty());
  auto devices = Apply(*root_, Tar({{"dev/null", AE_IFCHR}, {"ok", AE_IFREG, "k"}}));
  ASSERT_TRUE(devices.ok()) << devices.status();
  EXPECT_EQ(devices->skipped, 1);
  EXPECT_FALSE(fs::exists(InRoot("dev/null")));
  EXPECT_TRUE(fs::exists(InRoot("ok")));
}

TEST_F(LayerApplyTest, ReplacesAcrossTypes) {
  ASSERT_TRUE(Apply(*root_, Tar({{"x/y", AE_IFREG, "1"}, {"f", AE_IFREG, "2"}})).ok());
  auto stats = Apply(*root_, Tar({{"x", AE_IFREG, "now a file"},
                                  {"f", AE_IFDIR, "", "", "", 0750},
                                  {"f/z", AE_IFREG, "3"}}));
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(testing::ReadFileOrDie(InRoot("x")), "now a file");
  EXPECT_TRUE(fs::is_directory(InRoot("f")));
  EXPECT_EQ(testing::ReadFileOrDie(InRoot("f/z")), "3");
}

class MemorySource final : public image::ImageSource {
 public:
  explicit MemorySource(std::string blob) : blob_(std::move(blob)) {}
  const std::string& name() const override { return name_; }
  const oci::Descriptor& root() const override { return root_; }
  absl::StatusOr<std::unique_ptr<image::BlobStream>> Open(
      const oci::Descriptor&) override {
    return image::StreamOf(blob_);
  }

 private:
  std::string name_ = "memory", blob_;
  oci::Descriptor root_;
};

TEST_F(LayerApplyTest, ImageLayerIsCheckedAgainstItsDigest) {
  const std::string tar = Tar({{"a", AE_IFREG, "bytes"}});
  MemorySource source(tar);
  oci::Descriptor layer;
  layer.media_type = "application/vnd.oci.image.layer.v1.tar";
  layer.digest = oci::Digester::Of(tar);
  layer.size = static_cast<int64_t>(tar.size());
  auto good = ApplyImageLayer(*root_, source, layer, ApplyOptions{});
  ASSERT_TRUE(good.ok()) << good.status();
  EXPECT_EQ(testing::ReadFileOrDie(InRoot("a")), "bytes");
  layer.digest = oci::Digester::Of("other");
  auto bad = ApplyImageLayer(*root_, source, layer, ApplyOptions{});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(bad.status().message(), HasSubstr("does not match its digest"));
}

TEST_F(LayerApplyTest, ListTreeKeepsLinksAndStaysInside) {
  const std::string outside = dir_.Join("outside");
  ASSERT_TRUE(Apply(*root_, Tar({{"out/bin/tool.exe", AE_IFREG, "MZ", "", "", 0755},
                                 {"out/bin/latest", AE_IFLNK, "", "tool.exe"},
                                 {"out/host", AE_IFLNK, "", outside},
                                 {"jump", AE_IFLNK, "", "/out/bin"}}))
                  .ok());
  auto files = ListTree(*root_, "/jump");
  ASSERT_TRUE(files.ok()) << files.status();
  ASSERT_EQ(files->size(), 3u);
  EXPECT_EQ((*files)[0].type, RootFile::Type::kDirectory);
  EXPECT_EQ((*files)[0].host_path, fs::canonical(InRoot("out/bin")).string());
  EXPECT_EQ((*files)[1].path, "latest");
  EXPECT_EQ((*files)[1].type, RootFile::Type::kSymlink);
  EXPECT_EQ((*files)[1].link_target, "tool.exe");
  EXPECT_EQ((*files)[2].path, "tool.exe");
  EXPECT_EQ((*files)[2].size, 2);
  EXPECT_EQ((*files)[2].mode, 0755);
  // A link out of the root names a path inside it, which is not there.
  EXPECT_TRUE(absl::IsNotFound(ListTree(*root_, "/out/host").status()));
}

}  // namespace
}  // namespace hpc::rootfs
