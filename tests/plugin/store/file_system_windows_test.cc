// The store on Windows' file system: the Win32 FileSystem call by call, and
// the store end to end on it (write, resume, commit, read, label, delete).
#include <windows.h>

#include <filesystem>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "plugin/store/file_system.h"
#include "plugin/store/store.h"
#include "tests/plugin/store/store_test_util.h"
#include "tests/testing/temp_dir.h"

namespace hpc::store {
namespace {

using ::hpc::store::testing::ReadBlob;
using ::hpc::store::testing::WriteBlob;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

class WindowsFileSystemTest : public ::testing::Test {
 protected:
  std::string Path(const std::string& name) {
    auto root = AbsolutePath(dir_.path(), "test dir");
    EXPECT_TRUE(root.ok()) << root.status();
    return *root + "/" + name;
  }
  FileSystem& fs_ = *DefaultFileSystem();
  hpc::testing::TempDir dir_;
};

TEST(AbsolutePathTest, DrivePathsInEitherSeparator) {
  auto a = AbsolutePath("C:\\ProgramData\\hpc-content\\", "root");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(*a, "C:/ProgramData/hpc-content");
  auto b = AbsolutePath("D:/x/y", "root");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*b, "D:/x/y");
  auto relative = AbsolutePath("hpc-content", "store root");
  ASSERT_FALSE(relative.ok());
  EXPECT_THAT(relative.status().message(),
              HasSubstr("store root \"hpc-content\" must be an absolute path"));
  EXPECT_FALSE(AbsolutePath("/var/lib/hpc-content", "root").ok());
}

TEST_F(WindowsFileSystemTest, WritesAndReadsAtOffsets) {
  std::string path = Path("data");
  auto file = fs_.OpenWritable(path, 0644);
  ASSERT_TRUE(file.ok()) << file.status();
  size_t written = 0;
  ASSERT_TRUE((*file)->WriteAt(0, "hello, world", &written).ok());
  EXPECT_EQ(written, 12u);
  ASSERT_TRUE((*file)->WriteAt(7, "WORLD", &written).ok());
  ASSERT_TRUE((*file)->Sync().ok());
  auto info = (*file)->Stat();
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->size, 12);
  EXPECT_TRUE(info->is_regular());
  ASSERT_TRUE((*file)->Truncate(5).ok());
  ASSERT_TRUE((*file)->Close().ok());

  auto reader = fs_.OpenReadable(path);
  ASSERT_TRUE(reader.ok()) << reader.status();
  char buffer[32] = {};
  auto n = (*reader)->ReadAt(1, buffer, sizeof(buffer));
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(std::string(buffer, *n), "ello");
  // Bytes are bytes: no text-mode translation.
  auto bin = fs_.OpenWritable(Path("binary"), 0644);
  ASSERT_TRUE(
      (*bin)->WriteAt(0, std::string("a\r\nb\n\x1a", 6), &written).ok());
  ASSERT_TRUE((*bin)->Close().ok());
  auto binary = ReadSmallFile(fs_, Path("binary"), 100);
  ASSERT_TRUE(binary.ok());
  EXPECT_EQ(*binary, std::string("a\r\nb\n\x1a", 6));
}

TEST_F(WindowsFileSystemTest, MissingAndExistingAreTheirCodes) {
  EXPECT_TRUE(absl::IsNotFound(fs_.Stat(Path("missing")).status()));
  EXPECT_TRUE(absl::IsNotFound(fs_.OpenReadable(Path("missing")).status()));
  ASSERT_TRUE(fs_.MakeDir(Path("d"), 0755).ok());
  EXPECT_TRUE(absl::IsAlreadyExists(fs_.MakeDir(Path("d"), 0755)));
  auto info = fs_.Stat(Path("d"));
  ASSERT_TRUE(info.ok());
  EXPECT_TRUE(info->is_directory());
}

TEST_F(WindowsFileSystemTest, RenameReplacesAndRemoveTakesReadOnly) {
  ASSERT_TRUE(
      WriteFileAtomic(fs_, Path("f"), "one", 0644, Durability::kPowerLoss)
          .ok());
  ASSERT_TRUE(
      WriteFileAtomic(fs_, Path("f"), "two", 0644, Durability::kPowerLoss)
          .ok());
  EXPECT_EQ(*ReadSmallFile(fs_, Path("f"), 10), "two");
  ASSERT_TRUE(fs_.Chmod(Path("f"), 0444).ok());
  auto info = fs_.Stat(Path("f"));
  EXPECT_EQ(info->mode & 0222, 0);
  ASSERT_TRUE(fs_.Remove(Path("f")).ok());
  EXPECT_TRUE(absl::IsNotFound(fs_.Stat(Path("f")).status()));
}

TEST_F(WindowsFileSystemTest, ListsAndRemovesTrees) {
  ASSERT_TRUE(MakeDirs(fs_, Path("a/b/c"), 0755).ok());
  ASSERT_TRUE(
      WriteFileAtomic(fs_, Path("a/x"), "x", 0644, Durability::kProcessCrash)
          .ok());
  auto names = fs_.ListDir(Path("a"));
  ASSERT_TRUE(names.ok());
  EXPECT_THAT(*names, UnorderedElementsAre("b", "x"));
  ASSERT_TRUE(RemoveAll(fs_, Path("a")).ok());
  EXPECT_TRUE(absl::IsNotFound(fs_.Stat(Path("a")).status()));
}

TEST_F(WindowsFileSystemTest, ABlobReaderDoesNotKeepTheBlobFromDeletion) {
  ASSERT_TRUE(WriteFileAtomic(fs_, Path("blob"), "content", 0644,
                              Durability::kProcessCrash)
                  .ok());
  auto reader = fs_.OpenReadable(Path("blob"));
  ASSERT_TRUE(reader.ok());
  EXPECT_TRUE(fs_.Remove(Path("blob")).ok());
}

class WindowsStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The test directory in Windows' own spelling, C:\...\hpc-test-N.
    std::string root =
        std::filesystem::path(dir_.path()).make_preferred().string();
    root += "\\store";
    auto store = Store::Open(root);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }
  hpc::testing::TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(WindowsStoreTest, BlobsRoundTrip) {
  std::string data = hpc::testing::Pattern(3 << 20, 7);
  Labels labels = {{"containerd.io/gc.root", "x"}};
  ASSERT_TRUE(WriteBlob(*store_, "ref-1", data, &labels).ok());
  std::string digest = hpc::testing::DigestOf(data);
  EXPECT_EQ(ReadBlob(*store_, digest), data);
  auto info = store_->Info(digest);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->size, static_cast<int64_t>(data.size()));
  EXPECT_EQ(info->labels.at("containerd.io/gc.root"), "x");
  // Laid out as containerd lays it out.
  EXPECT_TRUE(std::filesystem::exists(dir_.path() + "/store/blobs/sha256/" +
                                      digest.substr(7)));
  // Committing it again: AlreadyExists, as containerd answers.
  EXPECT_TRUE(absl::IsAlreadyExists(WriteBlob(*store_, "ref-2", data)));
  // Deleted while a reader holds it.
  auto reader = store_->ReaderAt(digest);
  ASSERT_TRUE(reader.ok());
  ASSERT_TRUE(store_->Delete(digest).ok());
  EXPECT_TRUE(absl::IsNotFound(store_->Info(digest).status()))
      << store_->Info(digest).status();
}

TEST_F(WindowsStoreTest, AnIngestResumesAndAborts) {
  std::string data = hpc::testing::Pattern(1 << 20, 3);
  {
    auto writer = store_->OpenWriter("resumable", data.size(), "");
    ASSERT_TRUE(writer.ok()) << writer.status();
    ASSERT_TRUE((*writer)->Write(data.substr(0, 1000)).ok());
  }
  auto status = store_->Status("resumable");
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_EQ(status->offset, 1000);
  {
    auto writer = store_->OpenWriter("resumable", data.size(), "");
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->Write(data.substr(1000)).ok());
    ASSERT_TRUE((*writer)
                    ->Commit(data.size(), hpc::testing::DigestOf(data), nullptr)
                    .ok());
  }
  EXPECT_EQ(ReadBlob(*store_, hpc::testing::DigestOf(data)), data);
  {
    auto writer = store_->OpenWriter("abandoned", 10, "");
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->Write("12345").ok());
  }
  ASSERT_TRUE(store_->Abort("abandoned").ok());
  EXPECT_TRUE(absl::IsNotFound(store_->Status("abandoned").status()));
  // Reopened: the committed blob is still there.
  auto reopened = Store::Open(store_->root());
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_EQ(ReadBlob(**reopened, hpc::testing::DigestOf(data)), data);
}

}  // namespace
}  // namespace hpc::store
