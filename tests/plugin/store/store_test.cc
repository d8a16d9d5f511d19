#include "plugin/store/store.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <set>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "importer/oci/digester.h"
#include "tests/plugin/store/store_test_util.h"
#include "tests/testing/temp_dir.h"

namespace hpc::store {
namespace {

using ::hpc::store::testing::DigestOf;
using ::hpc::store::testing::ReadBlob;
using ::hpc::store::testing::WriteBlob;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void Reopen() {
    store_.reset();
    auto opened = Store::Open(dir_.Join("root"));
    ASSERT_TRUE(opened.ok()) << opened.status();
    store_ = std::move(*opened);
  }
  std::set<std::string> List(const std::vector<std::string>& filters) {
    std::set<std::string> out;
    absl::Status s = store_->Walk(filters, [&](const BlobInfo& info) {
      out.insert(info.digest.str());
      return absl::OkStatus();
    });
    EXPECT_TRUE(s.ok()) << s;
    return out;
  }

  hpc::testing::TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(StoreTest, RootIsPrivate) {
  struct stat st;
  ASSERT_EQ(stat(dir_.Join("root").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  EXPECT_TRUE(std::filesystem::is_directory(dir_.Join("root/blobs/sha256")));
  EXPECT_TRUE(std::filesystem::is_directory(dir_.Join("root/ingest")));
}

TEST_F(StoreTest, RelativeRootIsRefused) {
  EXPECT_EQ(Store::Open("relative/root").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(StoreTest, InfoOfMissingBlobIsNotFound) {
  absl::Status s = store_->Info(DigestOf("missing")).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(s.message()), HasSubstr(DigestOf("missing")));
  EXPECT_EQ(store_->ReaderAt(DigestOf("missing")).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->Delete(DigestOf("missing")).code(),
            absl::StatusCode::kNotFound);
}

TEST_F(StoreTest, InvalidDigestsNeverReachThePath) {
  const std::string hex(64, 'a');
  const std::vector<std::string> bad_digests = {
      "",
      "sha256:",
      "sha256:" + hex.substr(1),
      "sha256:" + std::string(64, 'A'),
      "sha512:" + hex + hex,
      "sha256:../../../../etc/passwd",
      "sha256:" + hex + "/x",
      hex,
      "sha256:" + hex.substr(0, 63) + "g"};
  for (const std::string& bad : bad_digests) {
    EXPECT_EQ(store_->Info(bad).status().code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
    EXPECT_EQ(store_->ReaderAt(bad).status().code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
    EXPECT_EQ(store_->Delete(bad).code(), absl::StatusCode::kInvalidArgument)
        << bad;
    EXPECT_EQ(store_->Update(bad, {}, {}).status().code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
    if (!bad.empty()) {  // an empty expected digest means "not known"
      EXPECT_EQ(store_->OpenWriter("r", 0, bad).status().code(),
                absl::StatusCode::kInvalidArgument)
          << bad;
    }
  }
}

TEST_F(StoreTest, InvalidRefsAreRefused) {
  const std::vector<std::string> bad_refs = {"", std::string(5000, 'r'),
                                             std::string("a\0b", 3)};
  for (const std::string& bad : bad_refs) {
    EXPECT_EQ(store_->OpenWriter(bad, 0, "").status().code(),
              absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(store_->Status(bad).status().code(),
              absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(store_->Abort(bad).code(), absl::StatusCode::kInvalidArgument);
  }
}

TEST_F(StoreTest, RefsWithPathCharactersStayInsideIngest) {
  const std::string ref = "../../../escape/attempt";
  auto w = store_->OpenWriter(ref, 0, "");
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Write("x").ok());
  (*w)->Close().IgnoreError();
  EXPECT_FALSE(std::filesystem::exists(dir_.Join("escape")));
  auto status = store_->Status(ref);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->ref, ref);
}

TEST_F(StoreTest, DeleteRemovesBlobAndLabels) {
  Labels labels{{"a", "b"}};
  ASSERT_TRUE(WriteBlob(*store_, "r", "to delete", &labels).ok());
  ASSERT_EQ(ReadBlob(*store_, DigestOf("to delete")), "to delete");
  ASSERT_TRUE(store_->Delete(DigestOf("to delete")).ok());
  EXPECT_EQ(store_->Info(DigestOf("to delete")).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->ReaderAt(DigestOf("to delete")).status().code(),
            absl::StatusCode::kNotFound)
      << "the open-reader cache must forget deleted blobs";
  // A blob committed again with the same bytes starts without labels.
  ASSERT_TRUE(WriteBlob(*store_, "r2", "to delete").ok());
  auto info = store_->Info(DigestOf("to delete"));
  ASSERT_TRUE(info.ok());
  EXPECT_TRUE(info->labels.empty());
}

TEST_F(StoreTest, UpdateLabels) {
  Labels labels{{"keep", "1"}, {"change", "old"}, {"drop", "x"}};
  ASSERT_TRUE(WriteBlob(*store_, "r", "labelled", &labels).ok());
  const std::string d = DigestOf("labelled");

  auto updated =
      store_->Update(d, {{"change", "new"}}, {"labels.change", "labels.drop"});
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->labels, (Labels{{"keep", "1"}, {"change", "new"}}));

  Reopen();  // labels are durable
  auto info = store_->Info(d);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->labels, (Labels{{"keep", "1"}, {"change", "new"}}));

  auto replaced = store_->Update(d, {{"only", "this"}}, {"labels"});
  ASSERT_TRUE(replaced.ok());
  EXPECT_EQ(replaced->labels, (Labels{{"only", "this"}}));
  auto all = store_->Update(d, {{"x", "y"}}, {});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->labels, (Labels{{"x", "y"}}));

  absl::Status bad = store_->Update(d, {}, {"size"}).status();
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad.message()), HasSubstr("size"));
  EXPECT_EQ(store_->Update(DigestOf("nope"), {}, {}).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(StoreTest, WalkWithFilters) {
  Labels gc{{"containerd.io/gc.root", "2026"}};
  Labels other{{"team", "windows"}};
  ASSERT_TRUE(WriteBlob(*store_, "1", "one", &gc).ok());
  ASSERT_TRUE(WriteBlob(*store_, "2", "two", &other).ok());
  ASSERT_TRUE(WriteBlob(*store_, "3", "three!").ok());

  EXPECT_THAT(List({}), UnorderedElementsAre(DigestOf("one"), DigestOf("two"),
                                             DigestOf("three!")));
  EXPECT_THAT(List({R"(labels."containerd.io/gc.root")"}),
              UnorderedElementsAre(DigestOf("one")));
  EXPECT_THAT(List({"labels.team==windows", "digest==" + DigestOf("one")}),
              UnorderedElementsAre(DigestOf("one"), DigestOf("two")));
  EXPECT_THAT(List({"size==6"}), UnorderedElementsAre(DigestOf("three!")));
  EXPECT_THAT(List({"labels.team!=windows,size==3"}),
              UnorderedElementsAre(DigestOf("one")));
  EXPECT_TRUE(List({"labels.nothing"}).empty());
  EXPECT_EQ(store_
                ->Walk({"labels.=="},
                       [](const BlobInfo&) { return absl::OkStatus(); })
                .code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(StoreTest, WalkStopsAtCallbackError) {
  ASSERT_TRUE(WriteBlob(*store_, "1", "one").ok());
  ASSERT_TRUE(WriteBlob(*store_, "2", "two").ok());
  int calls = 0;
  absl::Status s = store_->Walk({}, [&](const BlobInfo&) {
    ++calls;
    return absl::CancelledError("stop");
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(calls, 1);
}

TEST_F(StoreTest, ListStatusesFiltersByRef) {
  for (const char* ref :
       {"layer-sha256:1", "layer-sha256:2", "manifest-sha256:3"}) {
    auto w = store_->OpenWriter(ref, 0, "");
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Write(ref).ok());
  }
  auto all = store_->ListStatuses({});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 3u);
  auto layers = store_->ListStatuses({"ref~=^layer-"});
  ASSERT_TRUE(layers.ok());
  std::set<std::string> refs;
  for (const auto& s : *layers) refs.insert(s.ref);
  EXPECT_THAT(refs, UnorderedElementsAre("layer-sha256:1", "layer-sha256:2"));
  auto one = store_->ListStatuses({"ref==manifest-sha256:3"});
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ((*one)[0].offset,
            static_cast<int64_t>(strlen("manifest-sha256:3")));
}

// A root written by containerd's own local store is served as it is.
TEST_F(StoreTest, ServesContainerdLayout) {
  store_.reset();
  const std::string data = "written by containerd";
  const std::string hex = DigestOf(data).substr(7);
  std::filesystem::create_directories(dir_.Join("ctrd/blobs/sha256"));
  hpc::testing::WriteFileOrDie(dir_.Join("ctrd/blobs/sha256/") + hex, data);
  // An ingest as containerd leaves it: key = sha256 of the ref, Go times.
  const std::string ref = "default-1-content-upload";
  const std::string key = DigestOf(ref).substr(7);
  const std::string ingest = dir_.Join("ctrd/ingest/") + key;
  std::filesystem::create_directories(ingest);
  hpc::testing::WriteFileOrDie(ingest + "/ref", ref);
  hpc::testing::WriteFileOrDie(ingest + "/data", "part");
  hpc::testing::WriteFileOrDie(ingest + "/startedat",
                               "2023-03-01T10:00:00.123456789+01:00");
  hpc::testing::WriteFileOrDie(ingest + "/updatedat", "2023-03-01T09:00:01Z");
  hpc::testing::WriteFileOrDie(ingest + "/total", "10");

  auto store = Store::Open(dir_.Join("ctrd"));
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ(ReadBlob(**store, DigestOf(data)), data);
  auto status = (*store)->Status(ref);
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_EQ(status->offset, 4);
  EXPECT_EQ(status->total, 10);
  EXPECT_EQ(absl::ToUnixSeconds(status->started_at), 1677661200);
  auto w = (*store)->OpenWriter(ref, 10, "");
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Write("-rest").ok());
  ASSERT_TRUE((*w)->Commit(9, DigestOf("part-rest"), nullptr).ok());
  EXPECT_EQ(ReadBlob(**store, DigestOf("part-rest")), "part-rest");
}

TEST_F(StoreTest, TimestampsRoundTripInGoFormat) {
  absl::Time t = absl::FromUnixNanos(1700000000123456789);
  std::string text = FormatTimestamp(t);
  EXPECT_EQ(text, "2023-11-14T22:13:20.123456789Z");
  auto parsed = ParseTimestamp(text);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, t);
  EXPECT_FALSE(ParseTimestamp("yesterday").ok());
}

TEST_F(StoreTest, SymlinkedBlobIsNotFollowed) {
  const std::string secret = dir_.Join("secret");
  hpc::testing::WriteFileOrDie(secret, "outside the root");
  const std::string d = DigestOf("outside the root");
  ASSERT_EQ(symlink(secret.c_str(),
                    (dir_.Join("root/blobs/sha256/") + d.substr(7)).c_str()),
            0);
  EXPECT_EQ(store_->Info(d).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(store_->ReaderAt(d).ok());
  EXPECT_TRUE(List({}).empty());
}

// An ingest directory replaced by a link to somewhere else is neither read
// nor written through.
TEST_F(StoreTest, SymlinkedIngestDirectoryIsNotFollowed) {
  const std::string outside = dir_.Join("outside");
  std::filesystem::create_directories(outside);
  hpc::testing::WriteFileOrDie(outside + "/ref", "planted");
  hpc::testing::WriteFileOrDie(outside + "/data", "planted data");
  const std::string ref = "planted-ref";
  const std::string ingest =
      dir_.Join("root/ingest/") + std::string(oci::Digester::Of(ref).hex());
  ASSERT_EQ(symlink(outside.c_str(), ingest.c_str()), 0);
  EXPECT_FALSE(store_->Status(ref).ok());
  ASSERT_TRUE(WriteBlob(*store_, ref, "real content").ok());
  EXPECT_EQ(ReadBlob(*store_, DigestOf("real content")), "real content");
  EXPECT_EQ(hpc::testing::ReadFileOrDie(outside + "/data"), "planted data");
  EXPECT_EQ(hpc::testing::ReadFileOrDie(outside + "/ref"), "planted");
}

// The store's own directories must be directories: a link in their place
// stops it from opening.
TEST_F(StoreTest, SymlinkedStoreDirectoryIsRefused) {
  const std::string root = dir_.Join("other");
  std::filesystem::create_directories(root);
  std::filesystem::create_directories(dir_.Join("elsewhere"));
  ASSERT_EQ(symlink(dir_.Join("elsewhere").c_str(), (root + "/ingest").c_str()),
            0);
  auto opened = Store::Open(root);
  ASSERT_FALSE(opened.ok());
  EXPECT_THAT(std::string(opened.status().message()),
              HasSubstr("not a directory"));
}

// A root created with looser permissions is made private at start.
TEST_F(StoreTest, ExistingRootIsMadePrivate) {
  const std::string root = dir_.Join("loose");
  std::filesystem::create_directories(root);
  chmod(root.c_str(), 0755);
  ASSERT_TRUE(Store::Open(root).ok());
  struct stat st;
  ASSERT_EQ(stat(root.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST_F(StoreTest, OpenRemovesIncompleteIngests) {
  std::filesystem::create_directories(dir_.Join("root/ingest/deadbeef"));
  hpc::testing::WriteFileOrDie(dir_.Join("root/ingest/deadbeef/ref"),
                               "half-made");
  Reopen();
  EXPECT_FALSE(std::filesystem::exists(dir_.Join("root/ingest/deadbeef")));
}

TEST_F(StoreTest, ReadAtServesRanges) {
  const std::string data = hpc::store::testing::Pattern(100000, 9);
  ASSERT_TRUE(WriteBlob(*store_, "r", data).ok());
  auto reader = store_->ReaderAt(DigestOf(data));
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ((*reader)->size(), 100000);
  std::string buf(32768, '\0');
  auto n = (*reader)->ReadAt(90000, buf.data(), buf.size());
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 10000u);
  EXPECT_EQ(buf.substr(0, 10000), data.substr(90000));
}

}  // namespace
}  // namespace hpc::store
