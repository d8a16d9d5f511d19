// The store under a failing disk: every injected fault surfaces as a clear
// error, never leaves a partial blob under blobs/, and leaves ingests that a
// client can resume or abort.
#include <cerrno>
#include <filesystem>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "plugin/store/store.h"
#include "tests/plugin/store/fault_file_system.h"
#include "tests/plugin/store/store_test_util.h"
#include "tests/testing/temp_dir.h"

namespace hpc::store {
namespace {

using ::hpc::store::testing::DigestOf;
using ::hpc::store::testing::Fault;
using ::hpc::store::testing::FaultFileSystem;
using ::hpc::store::testing::Op;
using ::hpc::store::testing::Pattern;
using ::hpc::store::testing::ReadBlob;
using ::testing::HasSubstr;

class FaultTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void Reopen() {
    store_.reset();
    StoreOptions options;
    options.fs = &fs_;
    auto opened = Store::Open(dir_.Join("root"), options);
    ASSERT_TRUE(opened.ok()) << opened.status();
    store_ = std::move(*opened);
  }
  // Every file under blobs/ is a complete blob whose name is its digest.
  void ExpectBlobsVerify() {
    for (auto& e :
         std::filesystem::directory_iterator(dir_.Join("root/blobs/sha256"))) {
      std::string data = hpc::testing::ReadFileOrDie(e.path());
      EXPECT_EQ(DigestOf(data), "sha256:" + e.path().filename().string())
          << "partial or corrupt blob " << e.path();
    }
  }
  size_t BlobCount() {
    size_t n = 0;
    for (auto& e :
         std::filesystem::directory_iterator(dir_.Join("root/blobs/sha256"))) {
      (void)e;
      ++n;
    }
    return n;
  }
  // Resumes `ref` and finishes writing `data`; the ingest must be intact.
  void ResumeAndCommit(const std::string& ref, const std::string& data) {
    auto w = store_->OpenWriter(ref, data.size(), "");
    ASSERT_TRUE(w.ok()) << w.status();
    int64_t offset = (*w)->Status().offset;
    ASSERT_LE(offset, static_cast<int64_t>(data.size()));
    EXPECT_EQ((*w)->Digest().str(), DigestOf(data.substr(0, offset)));
    ASSERT_TRUE((*w)->Write(data.substr(offset)).ok());
    ASSERT_TRUE((*w)->Commit(data.size(), DigestOf(data), nullptr).ok());
    EXPECT_EQ(ReadBlob(*store_, DigestOf(data)), data);
  }

  hpc::testing::TempDir dir_;
  FaultFileSystem fs_;
  std::unique_ptr<Store> store_;
};

TEST_F(FaultTest, NoSpaceOnWrite) {
  const std::string data = Pattern(200000, 1);
  auto w = store_->OpenWriter("enospc", data.size(), "");
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Write(data.substr(0, 50000)).ok());
  fs_.Inject({.op = Op::kWrite,
              .path_contains = "/data",
              .err = ENOSPC,
              .short_write = 1234});
  absl::Status s = (*w)->Write(data.substr(50000, 50000));
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(s.message()), HasSubstr("No space left"));
  EXPECT_EQ((*w)->Status().offset, 51234)
      << "the offset counts what reached the disk";
  (*w)->Close().IgnoreError();
  EXPECT_EQ(fs_.injected(), 1);
  EXPECT_EQ(BlobCount(), 0u);
  ResumeAndCommit("enospc", data);
}

TEST_F(FaultTest, ShortWriteThenIoError) {
  const std::string data = Pattern(100000, 2);
  auto w = store_->OpenWriter("short", data.size(), "");
  ASSERT_TRUE(w.ok());
  fs_.Inject({.op = Op::kWrite,
              .path_contains = "/data",
              .err = EIO,
              .short_write = 10});
  EXPECT_EQ((*w)->Write(data).code(), absl::StatusCode::kInternal);
  EXPECT_EQ((*w)->Status().offset, 10);
  // The same writer can carry on from where the disk stopped.
  ASSERT_TRUE((*w)->Write(data.substr(10)).ok());
  ASSERT_TRUE((*w)->Commit(data.size(), DigestOf(data), nullptr).ok());
  ExpectBlobsVerify();
}

TEST_F(FaultTest, FsyncFailureAtCommit) {
  const std::string data = Pattern(70000, 3);
  auto w = store_->OpenWriter("fsync", data.size(), "");
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Write(data).ok());
  fs_.Inject({.op = Op::kSync, .path_contains = "/data"});
  absl::Status s = (*w)->Commit(data.size(), DigestOf(data), nullptr);
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()), HasSubstr("fsync"));
  EXPECT_EQ(BlobCount(), 0u);
  ResumeAndCommit("fsync", data);
}

TEST_F(FaultTest, RenameFailureAtCommit) {
  const std::string data = Pattern(70000, 4);
  auto w = store_->OpenWriter("rename", data.size(), "");
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Write(data).ok());
  fs_.Inject({.op = Op::kRename, .path_contains = "/blobs/"});
  absl::Status s = (*w)->Commit(data.size(), DigestOf(data), nullptr);
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()), HasSubstr("rename"));
  EXPECT_EQ(BlobCount(), 0u);
  ResumeAndCommit("rename", data);
}

TEST_F(FaultTest, LabelWriteFailureAtCommitLeavesNoBlob) {
  const std::string data = Pattern(1000, 5);
  Labels labels{{"k", "v"}};
  auto w = store_->OpenWriter("labels", data.size(), "");
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Write(data).ok());
  fs_.Inject({.op = Op::kWrite, .path_contains = "/labels/", .err = ENOSPC});
  EXPECT_EQ((*w)->Commit(data.size(), DigestOf(data), &labels).code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(BlobCount(), 0u);
  ResumeAndCommit("labels", data);
}

TEST_F(FaultTest, DirectorySyncFailureAfterRenameIsReported) {
  const std::string data = Pattern(1000, 6);
  auto w = store_->OpenWriter("syncdir", data.size(), "");
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Write(data).ok());
  fs_.Inject({.op = Op::kSyncDir, .path_contains = "/blobs/"});
  absl::Status s = (*w)->Commit(data.size(), DigestOf(data), nullptr);
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()), HasSubstr("power loss"));
  // The blob is complete; committing it again reports it exists.
  ExpectBlobsVerify();
  EXPECT_EQ(ReadBlob(*store_, DigestOf(data)), data);
}

// A crash just before the rename: the process dies, the store is opened
// again from disk. No blob appears and the ingest resumes.
TEST_F(FaultTest, CrashBeforeRename) {
  const std::string data = Pattern(300000, 7);
  {
    auto w = store_->OpenWriter("crash", data.size(), "");
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Write(data.substr(0, 250000)).ok());
    fs_.Inject({.op = Op::kRename, .path_contains = "/blobs/", .times = -1});
    EXPECT_FALSE((*w)->Commit(0, "", nullptr).ok());
  }
  fs_.Clear();
  Reopen();
  EXPECT_EQ(BlobCount(), 0u);
  auto status = store_->Status("crash");
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_EQ(status->offset, 250000);
  ResumeAndCommit("crash", data);
  ExpectBlobsVerify();
}

TEST_F(FaultTest, IngestMetadataFailureLeavesRefFree) {
  fs_.Inject({.op = Op::kRename, .path_contains = "/startedat"});
  auto w = store_->OpenWriter("meta", 0, "");
  EXPECT_FALSE(w.ok());
  fs_.Clear();
  auto again = store_->OpenWriter("meta", 0, "");
  ASSERT_TRUE(again.ok()) << again.status();
  ASSERT_TRUE((*again)->Write("ok").ok());
  ASSERT_TRUE((*again)->Commit(2, DigestOf("ok"), nullptr).ok());
}

TEST_F(FaultTest, DeleteFailureKeepsBlobReadable) {
  const std::string data = Pattern(1000, 8);
  ASSERT_TRUE(hpc::store::testing::WriteBlob(*store_, "d", data).ok());
  fs_.Inject({.op = Op::kRemove, .path_contains = "/blobs/", .err = EIO});
  EXPECT_FALSE(store_->Delete(DigestOf(data)).ok());
  EXPECT_EQ(ReadBlob(*store_, DigestOf(data)), data);
  ExpectBlobsVerify();
}

}  // namespace
}  // namespace hpc::store
