#include "plugin/store/writer.h"

#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "plugin/store/store.h"
#include "tests/plugin/store/store_test_util.h"
#include "tests/testing/temp_dir.h"

namespace hpc::store {
namespace {

using ::hpc::store::testing::DigestOf;
using ::hpc::store::testing::Pattern;
using ::hpc::store::testing::ReadBlob;
using ::hpc::store::testing::WriteBlob;
using ::testing::HasSubstr;

class WriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = Store::Open(dir_.Join("root"));
    ASSERT_TRUE(opened.ok()) << opened.status();
    store_ = std::move(*opened);
  }
  std::string BlobFile(const std::string& data) {
    return dir_.Join("root/blobs/sha256/") + DigestOf(data).substr(7);
  }
  size_t IngestCount() {
    size_t n = 0;
    for (auto& e :
         std::filesystem::directory_iterator(dir_.Join("root/ingest"))) {
      (void)e;
      ++n;
    }
    return n;
  }

  hpc::testing::TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(WriterTest, WriteCommitReadBack) {
  const std::string data = Pattern(300000, 1);
  auto writer = store_->OpenWriter("ref-1", data.size(), "");
  ASSERT_TRUE(writer.ok()) << writer.status();
  ASSERT_TRUE((*writer)->Write(data.substr(0, 1000)).ok());
  EXPECT_EQ((*writer)->Status().offset, 1000);
  EXPECT_EQ((*writer)->Digest().str(), DigestOf(data.substr(0, 1000)));
  ASSERT_TRUE((*writer)->Write(data.substr(1000)).ok());
  EXPECT_EQ((*writer)->Status().total, static_cast<int64_t>(data.size()));
  ASSERT_TRUE((*writer)->Commit(data.size(), DigestOf(data), nullptr).ok());

  EXPECT_EQ(hpc::testing::ReadFileOrDie(BlobFile(data)), data);
  EXPECT_EQ(ReadBlob(*store_, DigestOf(data)), data);
  struct stat st;
  ASSERT_EQ(stat(BlobFile(data).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0444u) << "committed blobs are read-only";
  EXPECT_EQ(IngestCount(), 0u) << "commit removes the ingest";
  auto info = store_->Info(DigestOf(data));
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->size, static_cast<int64_t>(data.size()));
}

TEST_F(WriterTest, CommitWithoutExpectationsUsesWhatWasWritten) {
  auto writer = store_->OpenWriter("anything", 0, "");
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Write("abc").ok());
  ASSERT_TRUE((*writer)->Commit(0, "", nullptr).ok());
  EXPECT_EQ(ReadBlob(*store_, DigestOf("abc")), "abc");
}

TEST_F(WriterTest, EmptyBlobCommits) {
  auto writer = store_->OpenWriter("empty", 0, "");
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Commit(0, DigestOf(""), nullptr).ok());
  auto info = store_->Info(DigestOf(""));
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->size, 0);
}

TEST_F(WriterTest, ResumeAfterCloseContinuesFromOffset) {
  const std::string data = Pattern(2 << 20, 2);
  {
    auto writer = store_->OpenWriter("resume", data.size(), "");
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->Write(data.substr(0, 777777)).ok());
    ASSERT_TRUE((*writer)->Close().ok());
  }
  auto status = store_->Status("resume");
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_EQ(status->offset, 777777);
  EXPECT_EQ(status->total, static_cast<int64_t>(data.size()));
  EXPECT_EQ(status->ref, "resume");

  auto writer = store_->OpenWriter("resume", data.size(), "");
  ASSERT_TRUE(writer.ok());
  EXPECT_EQ((*writer)->Status().offset, 777777);
  EXPECT_EQ((*writer)->Digest().str(), DigestOf(data.substr(0, 777777)));
  ASSERT_TRUE((*writer)->Write(data.substr(777777)).ok());
  ASSERT_TRUE((*writer)->Commit(data.size(), DigestOf(data), nullptr).ok());
  EXPECT_EQ(ReadBlob(*store_, DigestOf(data)), data);
}

TEST_F(WriterTest, ResumeSurvivesReopeningTheStore) {
  {
    auto writer = store_->OpenWriter("reopen", 6, "");
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->Write("abc").ok());
  }
  store_.reset();
  auto reopened = Store::Open(dir_.Join("root"));
  ASSERT_TRUE(reopened.ok());
  auto writer = (*reopened)->OpenWriter("reopen", 6, "");
  ASSERT_TRUE(writer.ok());
  EXPECT_EQ((*writer)->Status().offset, 3);
  ASSERT_TRUE((*writer)->Write("def").ok());
  ASSERT_TRUE((*writer)->Commit(6, DigestOf("abcdef"), nullptr).ok());
}

TEST_F(WriterTest, TruncateStartsOver) {
  auto writer = store_->OpenWriter("truncate", 0, "");
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Write("garbage that will go").ok());
  ASSERT_TRUE((*writer)->Truncate(0).ok());
  EXPECT_EQ((*writer)->Status().offset, 0);
  ASSERT_TRUE((*writer)->Write("kept").ok());
  ASSERT_TRUE((*writer)->Commit(4, DigestOf("kept"), nullptr).ok());
  EXPECT_EQ(ReadBlob(*store_, DigestOf("kept")), "kept");
  EXPECT_EQ((*writer)->Truncate(0).code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(WriterTest, TruncateToNonZeroIsRefused) {
  auto writer = store_->OpenWriter("t", 0, "");
  ASSERT_TRUE(writer.ok());
  EXPECT_EQ((*writer)->Truncate(2).code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(WriterTest, SizeMismatchKeepsIngest) {
  auto writer = store_->OpenWriter("size", 0, "");
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Write("12345").ok());
  absl::Status s = (*writer)->Commit(6, "", nullptr);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(s.message()), HasSubstr("size"));
  EXPECT_FALSE(store_->Info(DigestOf("12345")).ok());
  auto status = store_->Status("size");
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->offset, 5);
}

TEST_F(WriterTest, DigestMismatchKeepsIngestAndNoBlob) {
  auto writer = store_->OpenWriter("digest", 0, "");
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Write("12345").ok());
  absl::Status s = (*writer)->Commit(5, DigestOf("54321"), nullptr);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(s.message()), HasSubstr(DigestOf("12345")));
  EXPECT_FALSE(std::filesystem::exists(BlobFile("12345")));
  EXPECT_FALSE(std::filesystem::exists(BlobFile("54321")));
  EXPECT_TRUE(store_->Status("digest").ok());
  // The ref is free again after a failed commit.
  auto again = store_->OpenWriter("digest", 0, "");
  EXPECT_TRUE(again.ok()) << again.status();
}

TEST_F(WriterTest, CommitOfExistingBlobIsAlreadyExistsAndCleansIngest) {
  ASSERT_TRUE(WriteBlob(*store_, "first", "same").ok());
  auto writer = store_->OpenWriter("second", 0, "");
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Write("same").ok());
  EXPECT_EQ((*writer)->Commit(4, DigestOf("same"), nullptr).code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(store_->Status("second").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(IngestCount(), 0u);
}

TEST_F(WriterTest, OpenWithExpectedExistingIsAlreadyExists) {
  ASSERT_TRUE(WriteBlob(*store_, "first", "data").ok());
  auto writer = store_->OpenWriter("again", 4, DigestOf("data"));
  EXPECT_EQ(writer.status().code(), absl::StatusCode::kAlreadyExists);
  // The ref was not left locked.
  EXPECT_TRUE(store_->OpenWriter("again", 0, "").ok());
}

TEST_F(WriterTest, SecondWriterOnBusyRefIsUnavailable) {
  auto first = store_->OpenWriter("busy", 0, "");
  ASSERT_TRUE(first.ok());
  auto second = store_->OpenWriter("busy", 0, "");
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(second.status().message()), HasSubstr("busy"));
  (*first)->Close().IgnoreError();
  EXPECT_TRUE(store_->OpenWriter("busy", 0, "").ok());
}

TEST_F(WriterTest, OpenWriterWaitsForAHolderThatLetsGo) {
  auto first = store_->OpenWriter("handed-over", 0, "");
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE((*first)->Write("abc").ok());
  std::thread release([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    first->reset();
  });
  auto second = store_->OpenWriter("handed-over", 0, "");
  release.join();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ((*second)->Status().offset, 3);
  // Without waiting, a held ref is Unavailable at once.
  EXPECT_EQ(store_->OpenWriter("handed-over", 0, "", absl::ZeroDuration())
                .status()
                .code(),
            absl::StatusCode::kUnavailable);
}

TEST_F(WriterTest, RacingWritersOnOneRefGetOneLock) {
  std::atomic<int> winners{0}, unavailable{0};
  std::vector<std::unique_ptr<Writer>> held(8);
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      auto w = store_->OpenWriter("contended", 0, "");
      if (w.ok()) {
        ++winners;
        held[i] = std::move(*w);
      } else if (absl::IsUnavailable(w.status())) {
        ++unavailable;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(winners.load(), 1);
  EXPECT_EQ(unavailable.load(), 7);
}

TEST_F(WriterTest, ConcurrentWritersOnDistinctRefs) {
  constexpr int kWriters = 16;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int i = 0; i < kWriters; ++i) {
    threads.emplace_back([&, i] {
      std::string data = Pattern(100000 + i * 1000, 100 + i);
      auto w = store_->OpenWriter("w-" + std::to_string(i), data.size(), "");
      if (!w.ok()) {
        ++failures;
        return;
      }
      for (size_t off = 0; off < data.size(); off += 4096) {
        if (!(*w)->Write(data.substr(off, 4096)).ok()) {
          ++failures;
          return;
        }
      }
      if (!(*w)->Commit(data.size(), DigestOf(data), nullptr).ok()) ++failures;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  for (int i = 0; i < kWriters; ++i) {
    std::string data = Pattern(100000 + i * 1000, 100 + i);
    EXPECT_EQ(ReadBlob(*store_, DigestOf(data)), data);
  }
}

TEST_F(WriterTest, AbortRemovesIngest) {
  {
    auto w = store_->OpenWriter("abort-me", 0, "");
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Write("partial").ok());
  }
  ASSERT_TRUE(store_->Abort("abort-me").ok());
  EXPECT_EQ(store_->Status("abort-me").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->Abort("abort-me").code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(IngestCount(), 0u);
}

TEST_F(WriterTest, ResumeWithDifferentTotalStartsAfresh) {
  {
    auto w = store_->OpenWriter("total", 10, "");
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Write("12345").ok());
  }
  auto w = store_->OpenWriter("total", 20, "");
  ASSERT_TRUE(w.ok());
  EXPECT_EQ((*w)->Status().offset, 0);
  EXPECT_EQ((*w)->Status().total, 20);
}

TEST_F(WriterTest, CommitLabelsAreStored) {
  Labels labels{{"containerd.io/gc.root", "yes"}};
  ASSERT_TRUE(WriteBlob(*store_, "l", "labelled", &labels).ok());
  auto info = store_->Info(DigestOf("labelled"));
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->labels, labels);
}

TEST_F(WriterTest, InvalidCommitLabelsAreRefused) {
  Labels labels{{"k", std::string(5000, 'v')}};
  EXPECT_EQ(WriteBlob(*store_, "l", "x", &labels).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(store_->Info(DigestOf("x")).ok());
}

}  // namespace
}  // namespace hpc::store
