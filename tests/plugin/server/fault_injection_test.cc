// Faults of the disk under the plugin, seen from a client of its Content
// API over a real gRPC socket: each injected fault (ENOSPC, EIO, a short
// write, an fsync failure, a rename failure) is an error that names the
// operation and the cause; no partial blob appears; the ingest resumes to a
// correct commit once the disk is well again.
#include <grpcpp/create_channel.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "plugin/server/server.h"
#include "plugin/store/store.h"
#include "tests/plugin/store/fault_file_system.h"
#include "tests/testing/content_write.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_data.h"

namespace hpc::server {
namespace {

namespace api = ::containerd::services::content::v1;
using ::hpc::store::testing::Fault;
using ::hpc::store::testing::FaultFileSystem;
using ::hpc::store::testing::Op;
using ::hpc::testing::DigestOf;
using ::hpc::testing::Pattern;
using ::testing::HasSubstr;

struct FaultCase {
  const char* name;
  Fault fault;
  grpc::StatusCode code;
  const char* message;  // what the client is told
};

class FaultInjectionTest : public ::testing::TestWithParam<FaultCase> {
 protected:
  void SetUp() override {
    store::StoreOptions options;
    options.fs = &fs_;
    auto store = store::Store::Open(dir_.Join("root"), options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    socket_ = dir_.Join("content.sock");
    auto server = Server::Start(*store_, socket_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    stub_ = api::Content::NewStub(grpc::CreateChannel(
        "unix:" + socket_, grpc::InsecureChannelCredentials()));
  }

  grpc::Status Write(const std::string& ref, const std::string& data) {
    return hpc::testing::WriteContent(*stub_, ref, data, DigestOf(data));
  }

  std::string Read(const std::string& digest) {
    grpc::ClientContext ctx;
    api::ReadContentRequest req;
    req.set_digest(digest);
    auto reader = stub_->Read(&ctx, req);
    api::ReadContentResponse resp;
    std::string out;
    while (reader->Read(&resp)) out += resp.data();
    EXPECT_TRUE(reader->Finish().ok());
    return out;
  }

  int BlobFiles() {
    int n = 0;
    for (auto& e :
         std::filesystem::directory_iterator(dir_.Join("root/blobs/sha256"))) {
      EXPECT_EQ(DigestOf(hpc::testing::ReadFileOrDie(e.path())),
                "sha256:" + e.path().filename().string());
      ++n;
    }
    return n;
  }

  hpc::testing::TempDir dir_;
  FaultFileSystem fs_;
  std::unique_ptr<store::Store> store_;
  std::string socket_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<api::Content::Stub> stub_;
};

TEST_P(FaultInjectionTest, ClearErrorConsistentStoreResumable) {
  const FaultCase& c = GetParam();
  const std::string data = Pattern(3 << 20, 5);
  const std::string digest = DigestOf(data);
  fs_.Inject(c.fault);
  grpc::Status failed = Write("fault-ref", data);
  ASSERT_FALSE(failed.ok()) << c.name;
  EXPECT_EQ(failed.error_code(), c.code) << failed.error_message();
  EXPECT_THAT(failed.error_message(), HasSubstr(c.message));
  EXPECT_GE(fs_.injected(), 1);

  // Nothing partial is visible, and the blob does not exist.
  EXPECT_EQ(BlobFiles(), 0);
  grpc::ClientContext info_ctx;
  api::InfoRequest info_req;
  api::InfoResponse info;
  info_req.set_digest(digest);
  EXPECT_EQ(stub_->Info(&info_ctx, info_req, &info).error_code(),
            grpc::StatusCode::NOT_FOUND);

  // The ingest reports no more than was written, and resumes to a correct
  // commit once the fault is gone.
  grpc::ClientContext status_ctx;
  api::StatusRequest status_req;
  api::StatusResponse status;
  status_req.set_ref("fault-ref");
  grpc::Status st = stub_->Status(&status_ctx, status_req, &status);
  if (st.ok()) {
    EXPECT_LE(status.status().offset(), static_cast<int64_t>(data.size()));
  }
  fs_.Clear();
  grpc::Status resumed = Write("fault-ref", data);
  ASSERT_TRUE(resumed.ok()) << resumed.error_message();
  EXPECT_EQ(Read(digest), data);
  EXPECT_EQ(BlobFiles(), 1);
}

INSTANTIATE_TEST_SUITE_P(
    Faults, FaultInjectionTest,
    ::testing::Values(FaultCase{"NoSpace",
                                {Op::kWrite, "ingest", ENOSPC, 0, 2, 1},
                                grpc::StatusCode::RESOURCE_EXHAUSTED,
                                "No space left on device"},
                      FaultCase{"IoErrorOnWrite",
                                {Op::kWrite, "ingest", EIO, 0, 3, 1},
                                grpc::StatusCode::INTERNAL,
                                "Input/output error"},
                      FaultCase{"ShortWrite",
                                {Op::kWrite, "ingest", EIO, 1000, 1, 1},
                                grpc::StatusCode::INTERNAL,
                                "Input/output error"},
                      FaultCase{"FsyncFailure",
                                {Op::kSync, "", EIO, 0, 0, 1},
                                grpc::StatusCode::INTERNAL,
                                "fsync"},
                      FaultCase{"RenameFailure",
                                {Op::kRename, "blobs", EIO, 0, 0, 1},
                                grpc::StatusCode::INTERNAL,
                                "rename"}),
    [](const auto& info) { return std::string(info.param.name); });

// The disk stalls in one commit's fsync. That call waits; Read, Info and
// another ingest are still answered meanwhile, and the stalled commit
// completes once the disk goes on.
using StalledDiskTest = FaultInjectionTest;

TEST_F(StalledDiskTest, StalledFsyncHoldsUpOnlyItsOwnCall) {
  const std::string a = Pattern(2 << 20, 7);
  const std::string b = Pattern(3 << 20, 8);
  const std::string c = Pattern(1 << 20, 9);
  ASSERT_TRUE(Write("a", a).ok());
  absl::Notification disk_back;
  Fault stall{Op::kSync, "ingest"};
  stall.stall_until = &disk_back;
  fs_.Inject(stall);
  grpc::Status stalled_commit;
  std::thread writer([&] { stalled_commit = Write("b", b); });
  const absl::Time give_up = absl::Now() + absl::Seconds(30);
  while (fs_.injected() == 0 && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  ASSERT_EQ(fs_.injected(), 1);

  auto deadline = [] {
    return std::chrono::system_clock::now() + std::chrono::seconds(30);
  };
  grpc::ClientContext read_ctx;
  read_ctx.set_deadline(deadline());
  api::ReadContentRequest read_req;
  read_req.set_digest(DigestOf(a));
  auto reader = stub_->Read(&read_ctx, read_req);
  api::ReadContentResponse chunk;
  std::string read_back;
  while (reader->Read(&chunk)) read_back += chunk.data();
  ASSERT_TRUE(reader->Finish().ok());
  EXPECT_EQ(read_back, a);

  grpc::ClientContext info_ctx;
  info_ctx.set_deadline(deadline());
  api::InfoRequest info_req;
  api::InfoResponse info;
  info_req.set_digest(DigestOf(a));
  ASSERT_TRUE(stub_->Info(&info_ctx, info_req, &info).ok());
  EXPECT_EQ(info.info().size(), static_cast<int64_t>(a.size()));

  ASSERT_TRUE(Write("c", c).ok());
  EXPECT_EQ(Read(DigestOf(c)), c);

  disk_back.Notify();
  writer.join();
  ASSERT_TRUE(stalled_commit.ok()) << stalled_commit.error_message();
  EXPECT_EQ(Read(DigestOf(b)), b);
  EXPECT_EQ(BlobFiles(), 3);
}

}  // namespace
}  // namespace hpc::server
