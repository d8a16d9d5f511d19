// The Content service over a real unix socket, driven by the generated
// client as containerd's proxy drives it.
#include "plugin/server/content_service.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <sys/stat.h>

#include <thread>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "importer/oci/digester.h"
#include "plugin/server/server.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_data.h"

namespace hpc::server {
namespace {

using ::testing::HasSubstr;
namespace api = ::containerd::services::content::v1;

using ::hpc::testing::DigestOf;
using ::hpc::testing::Pattern;

class ContentServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = store::Store::Open(dir_.Join("root"));
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    socket_ = dir_.Join("content.sock");
    auto server = Server::Start(*store_, socket_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    stub_ = api::Content::NewStub(grpc::CreateChannel(
        "unix:" + socket_, grpc::InsecureChannelCredentials()));
  }

  using WriteStream = grpc::ClientReaderWriter<api::WriteContentRequest,
                                               api::WriteContentResponse>;

  // One request, one response, as containerd's remote writer does.
  static bool Send(WriteStream& stream, const api::WriteContentRequest& req,
                   api::WriteContentResponse* resp) {
    return stream.Write(req) && stream.Read(resp);
  }

  grpc::Status Commit(const std::string& ref, const std::string& data,
                      const std::map<std::string, std::string>& labels = {}) {
    grpc::ClientContext ctx;
    auto stream = stub_->Write(&ctx);
    api::WriteContentRequest req;
    api::WriteContentResponse resp;
    req.set_action(api::STAT);
    req.set_ref(ref);
    if (!Send(*stream, req, &resp)) return stream->Finish();
    req.Clear();
    req.set_action(api::COMMIT);
    req.set_offset(0);
    req.set_data(data);
    req.set_total(data.size());
    req.set_expected(DigestOf(data));
    req.mutable_labels()->insert(labels.begin(), labels.end());
    Send(*stream, req, &resp);
    stream->WritesDone();
    return stream->Finish();
  }

  std::string ReadAll(const std::string& digest, int64_t offset, int64_t size,
                      grpc::Status* status, int* messages = nullptr) {
    grpc::ClientContext ctx;
    api::ReadContentRequest req;
    req.set_digest(digest);
    req.set_offset(offset);
    req.set_size(size);
    auto reader = stub_->Read(&ctx, req);
    api::ReadContentResponse resp;
    std::string out;
    int n = 0;
    while (reader->Read(&resp)) {
      EXPECT_EQ(resp.offset(), std::max<int64_t>(offset, 0) +
                                   static_cast<int64_t>(out.size()));
      out += resp.data();
      ++n;
    }
    *status = reader->Finish();
    if (messages != nullptr) *messages = n;
    return out;
  }

  hpc::testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  std::string socket_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<api::Content::Stub> stub_;
};

TEST_F(ContentServiceTest, SocketIsGroupOnly) {
  struct stat st;
  ASSERT_EQ(stat(socket_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0660u);
}

// grpc.health.v1.Health/Check with an empty request answers SERVING, which
// is field 1 = 1 on the wire.
TEST_F(ContentServiceTest, HealthServiceAnswersServing) {
  auto channel = grpc::CreateChannel("unix:" + socket_,
                                     grpc::InsecureChannelCredentials());
  grpc::GenericStub stub(channel);
  grpc::CompletionQueue cq;
  grpc::ClientContext ctx;
  grpc::ByteBuffer request;
  grpc::Slice empty("", 0);
  request = grpc::ByteBuffer(&empty, 1);
  auto call =
      stub.PrepareUnaryCall(&ctx, "/grpc.health.v1.Health/Check", request, &cq);
  call->StartCall();
  grpc::ByteBuffer response;
  grpc::Status status;
  call->Finish(&response, &status, reinterpret_cast<void*>(1));
  void* tag = nullptr;
  bool ok = false;
  ASSERT_TRUE(cq.Next(&tag, &ok));
  ASSERT_TRUE(ok);
  ASSERT_TRUE(status.ok()) << status.error_message();
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(response.Dump(&slices).ok());
  std::string bytes;
  for (auto& slice : slices)
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  EXPECT_EQ(bytes, std::string("\x08\x01", 2));
  cq.Shutdown();
}

TEST_F(ContentServiceTest, WriteStatCommitAndRead) {
  const std::string data = Pattern(3 << 20, 1);
  grpc::ClientContext ctx;
  auto stream = stub_->Write(&ctx);
  api::WriteContentRequest req;
  api::WriteContentResponse resp;
  req.set_action(api::STAT);
  req.set_ref("upload-1");
  req.set_total(data.size());
  ASSERT_TRUE(Send(*stream, req, &resp));
  EXPECT_EQ(resp.action(), api::STAT);
  EXPECT_EQ(resp.offset(), 0);
  EXPECT_EQ(resp.total(), static_cast<int64_t>(data.size()));
  EXPECT_EQ(resp.digest(), DigestOf(""));
  EXPECT_GT(resp.started_at().seconds(), 0);

  for (size_t off = 0; off < data.size(); off += 1 << 20) {
    req.Clear();
    req.set_action(api::WRITE);
    req.set_offset(off);
    req.set_data(data.substr(off, 1 << 20));
    ASSERT_TRUE(Send(*stream, req, &resp));
    EXPECT_EQ(resp.offset(),
              static_cast<int64_t>(std::min(data.size(), off + (1 << 20))));
  }
  req.Clear();
  req.set_action(api::COMMIT);
  req.set_offset(data.size());
  req.set_total(data.size());
  req.set_expected(DigestOf(data));
  ASSERT_TRUE(Send(*stream, req, &resp));
  EXPECT_EQ(resp.action(), api::COMMIT);
  EXPECT_EQ(resp.digest(), DigestOf(data));
  EXPECT_EQ(resp.offset(), static_cast<int64_t>(data.size()));
  stream->WritesDone();
  ASSERT_TRUE(stream->Finish().ok());

  grpc::Status status;
  int messages = 0;
  EXPECT_EQ(ReadAll(DigestOf(data), 0, 0, &status, &messages), data);
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(messages, 3) << "reads stream in 1 MiB chunks";

  grpc::ClientContext ictx;
  api::InfoRequest ireq;
  api::InfoResponse iresp;
  ireq.set_digest(DigestOf(data));
  ASSERT_TRUE(stub_->Info(&ictx, ireq, &iresp).ok());
  EXPECT_EQ(iresp.info().size(), static_cast<int64_t>(data.size()));
  EXPECT_EQ(iresp.info().digest(), DigestOf(data));
}

TEST_F(ContentServiceTest, ReadRanges) {
  const std::string data = Pattern(100000, 2);
  ASSERT_TRUE(Commit("r", data).ok());
  grpc::Status status;
  // As containerd's ReaderAt asks: 32 KiB at an offset.
  EXPECT_EQ(ReadAll(DigestOf(data), 40000, 32768, &status),
            data.substr(40000, 32768));
  EXPECT_TRUE(status.ok());
  // Asking beyond the end gets what there is.
  EXPECT_EQ(ReadAll(DigestOf(data), 90000, 32768, &status), data.substr(90000));
  EXPECT_TRUE(status.ok());
  // At the end: nothing, and no error.
  EXPECT_EQ(ReadAll(DigestOf(data), 100000, 10, &status), "");
  EXPECT_TRUE(status.ok());
  // Past the end: OutOfRange.
  ReadAll(DigestOf(data), 100001, 10, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::OUT_OF_RANGE);
  // Negative offsets read from the start.
  EXPECT_EQ(ReadAll(DigestOf(data), -5, 10, &status), data.substr(0, 10));
  ReadAll(DigestOf("absent"), 0, 0, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  ReadAll("sha256:../../etc/passwd", 0, 0, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ContentServiceTest, CommitOfExistingIsAlreadyExists) {
  ASSERT_TRUE(Commit("a", "same bytes").ok());
  grpc::Status again = Commit("b", "same bytes");
  EXPECT_EQ(again.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(store_->Status("b").status().code(), absl::StatusCode::kNotFound)
      << "the ingest is cleaned";
}

TEST_F(ContentServiceTest, DigestMismatchIsFailedPrecondition) {
  grpc::ClientContext ctx;
  auto stream = stub_->Write(&ctx);
  api::WriteContentRequest req;
  api::WriteContentResponse resp;
  req.set_action(api::COMMIT);
  req.set_ref("bad");
  req.set_data("actual");
  req.set_expected(DigestOf("claimed"));
  stream->Write(req);
  EXPECT_FALSE(stream->Read(&resp));
  grpc::Status status = stream->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr(DigestOf("actual")));
}

TEST_F(ContentServiceTest, WriteAtWrongOffsetIsOutOfRange) {
  grpc::ClientContext ctx;
  auto stream = stub_->Write(&ctx);
  api::WriteContentRequest req;
  api::WriteContentResponse resp;
  req.set_action(api::WRITE);
  req.set_ref("gap");
  req.set_data("abc");
  ASSERT_TRUE(Send(*stream, req, &resp));
  req.Clear();
  req.set_action(api::WRITE);
  req.set_offset(10);
  req.set_data("def");
  stream->Write(req);
  EXPECT_FALSE(stream->Read(&resp));
  grpc::Status status = stream->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::OUT_OF_RANGE);
  EXPECT_THAT(status.error_message(), HasSubstr("current offset 3"));
}

TEST_F(ContentServiceTest, FirstMessageNeedsRef) {
  grpc::ClientContext ctx;
  auto stream = stub_->Write(&ctx);
  api::WriteContentRequest req;
  req.set_action(api::STAT);
  stream->Write(req);
  stream->WritesDone();
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ContentServiceTest, DisconnectMidWriteLeavesResumableIngest) {
  const std::string data = Pattern(2 << 20, 3);
  {
    grpc::ClientContext ctx;
    auto stream = stub_->Write(&ctx);
    api::WriteContentRequest req;
    api::WriteContentResponse resp;
    req.set_action(api::WRITE);
    req.set_ref("dropped");
    req.set_total(data.size());
    req.set_data(data.substr(0, 1 << 20));
    ASSERT_TRUE(Send(*stream, req, &resp));
    ctx.TryCancel();  // the client dies
  }
  // The server notices and releases the ref.
  api::StatusResponse sresp;
  for (int i = 0; i < 100; ++i) {
    grpc::ClientContext ctx;
    api::StatusRequest sreq;
    sreq.set_ref("dropped");
    ASSERT_TRUE(stub_->Status(&ctx, sreq, &sresp).ok());
    if (store_->OpenWriter("dropped", 0, "").ok()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(sresp.status().offset(), 1 << 20);
  EXPECT_EQ(sresp.status().total(), static_cast<int64_t>(data.size()));

  grpc::ClientContext ctx;
  auto stream = stub_->Write(&ctx);
  api::WriteContentRequest req;
  api::WriteContentResponse resp;
  req.set_action(api::STAT);
  req.set_ref("dropped");
  ASSERT_TRUE(Send(*stream, req, &resp));
  ASSERT_EQ(resp.offset(), 1 << 20);
  EXPECT_EQ(resp.digest(), DigestOf(data.substr(0, 1 << 20)));
  req.Clear();
  req.set_action(api::COMMIT);
  req.set_offset(resp.offset());
  req.set_data(data.substr(1 << 20));
  req.set_expected(DigestOf(data));
  ASSERT_TRUE(Send(*stream, req, &resp));
  stream->WritesDone();
  ASSERT_TRUE(stream->Finish().ok());
  grpc::Status status;
  EXPECT_EQ(ReadAll(DigestOf(data), 0, 0, &status), data);
}

TEST_F(ContentServiceTest, WriteAtOffsetZeroTruncates) {
  grpc::ClientContext ctx;
  auto stream = stub_->Write(&ctx);
  api::WriteContentRequest req;
  api::WriteContentResponse resp;
  req.set_action(api::WRITE);
  req.set_ref("restart");
  req.set_data("first attempt");
  ASSERT_TRUE(Send(*stream, req, &resp));
  req.Clear();
  req.set_action(api::COMMIT);
  req.set_offset(0);
  req.set_data("second");
  req.set_expected(DigestOf("second"));
  ASSERT_TRUE(Send(*stream, req, &resp));
  EXPECT_EQ(resp.offset(), 6);
  stream->WritesDone();
  ASSERT_TRUE(stream->Finish().ok());
  EXPECT_TRUE(store_->Info(DigestOf("second")).ok());
}

TEST_F(ContentServiceTest, SecondWriterIsUnavailable) {
  grpc::ClientContext ctx1;
  auto first = stub_->Write(&ctx1);
  api::WriteContentRequest req;
  api::WriteContentResponse resp;
  req.set_action(api::STAT);
  req.set_ref("locked");
  ASSERT_TRUE(Send(*first, req, &resp));

  grpc::ClientContext ctx2;
  auto second = stub_->Write(&ctx2);
  second->Write(req);
  EXPECT_FALSE(second->Read(&resp));
  EXPECT_EQ(second->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
  first->WritesDone();
  first->Finish();
}

// containerd's proxy writer closes its side and returns; the client may
// reopen the ref at once (containerd's content testsuite does), before the
// server has seen the first stream end.
TEST_F(ContentServiceTest, RefReopensRightAfterHalfClose) {
  int64_t written = 0;
  for (int round = 0; round < 40; ++round) {
    grpc::ClientContext ctx1;
    auto first = stub_->Write(&ctx1);
    api::WriteContentRequest req;
    api::WriteContentResponse resp;
    req.set_action(api::WRITE);
    req.set_ref("reopened");
    req.set_offset(written);
    req.set_data("0123456789");
    ASSERT_TRUE(Send(*first, req, &resp)) << "round " << round;
    written += 10;
    first->WritesDone();  // and no wait for the status

    grpc::ClientContext ctx2;
    auto second = stub_->Write(&ctx2);
    api::WriteContentRequest stat;
    stat.set_action(api::STAT);
    stat.set_ref("reopened");
    ASSERT_TRUE(Send(*second, stat, &resp))
        << "round " << round << ": " << second->Finish().error_message();
    EXPECT_EQ(resp.offset(), written);
    second->WritesDone();
    EXPECT_TRUE(second->Finish().ok());
    EXPECT_TRUE(first->Finish().ok());
  }
}

// Clients that go away while the server stops: their calls still answer on
// the queues after the server has stopped, and the queues close only after
// the last one (gRPC aborts the process on an operation started on a closed
// queue). What they wrote stays resumable.
TEST_F(ContentServiceTest, StopsWhileClientsGoAway) {
  server_->Shutdown(absl::ZeroDuration());
  for (int round = 0; round < 20; ++round) {
    auto server = Server::Start(*store_, socket_);
    ASSERT_TRUE(server.ok()) << server.status();
    auto stub = api::Content::NewStub(grpc::CreateChannel(
        "unix:" + socket_, grpc::InsecureChannelCredentials()));
    constexpr int kStreams = 8;
    std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
    std::vector<std::unique_ptr<WriteStream>> streams;
    for (int i = 0; i < kStreams; ++i) {
      contexts.push_back(std::make_unique<grpc::ClientContext>());
      streams.push_back(stub->Write(contexts.back().get()));
      api::WriteContentRequest req;
      api::WriteContentResponse resp;
      req.set_action(api::WRITE);
      req.set_ref(absl::StrCat("leaving-", i));
      req.set_offset(round * 4);
      req.set_data("abcd");
      ASSERT_TRUE(Send(*streams.back(), req, &resp))
          << "round " << round << " stream " << i;
    }
    // Half of them close their side, the others vanish, as the server stops.
    for (int i = 0; i < kStreams; ++i) {
      if (i % 2 == 0) {
        streams[i]->WritesDone();
      } else {
        contexts[i]->TryCancel();
      }
    }
    (*server)->Shutdown(absl::Milliseconds(round % 3));
  }
  for (int i = 0; i < 8; ++i) {
    auto status = store_->Status(absl::StrCat("leaving-", i));
    ASSERT_TRUE(status.ok()) << status.status();
    EXPECT_EQ(status->offset, 20 * 4) << "leaving-" << i;
  }
}

TEST_F(ContentServiceTest, ListInBatchesWithFilters) {
  for (int i = 0; i < 250; ++i) {
    std::map<std::string, std::string> labels;
    if (i % 50 == 0) labels["pick"] = "me";
    ASSERT_TRUE(
        Commit("b" + std::to_string(i), "blob " + std::to_string(i), labels)
            .ok());
  }
  auto list = [&](std::vector<std::string> filters, int* messages) {
    grpc::ClientContext ctx;
    api::ListContentRequest req;
    for (auto& f : filters) req.add_filters(f);
    auto reader = stub_->List(&ctx, req);
    api::ListContentResponse resp;
    std::set<std::string> out;
    *messages = 0;
    while (reader->Read(&resp)) {
      ++*messages;
      for (auto& info : resp.info()) out.insert(info.digest());
    }
    EXPECT_TRUE(reader->Finish().ok());
    return out;
  };
  int messages = 0;
  EXPECT_EQ(list({}, &messages).size(), 250u);
  EXPECT_EQ(messages, 3);
  auto picked = list({"labels.pick==me"}, &messages);
  EXPECT_EQ(picked.size(), 5u);
  EXPECT_TRUE(picked.count(DigestOf("blob 50")));

  grpc::ClientContext ctx;
  api::ListContentRequest bad;
  bad.add_filters("labels.==");
  auto reader = stub_->List(&ctx, bad);
  api::ListContentResponse resp;
  while (reader->Read(&resp)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ContentServiceTest, UpdateLabelsAndDelete) {
  ASSERT_TRUE(Commit("u", "update me", {{"a", "1"}}).ok());
  grpc::ClientContext ctx;
  api::UpdateRequest req;
  api::UpdateResponse resp;
  req.mutable_info()->set_digest(DigestOf("update me"));
  (*req.mutable_info()->mutable_labels())["b"] = "2";
  req.mutable_update_mask()->add_paths("labels.b");
  ASSERT_TRUE(stub_->Update(&ctx, req, &resp).ok());
  EXPECT_EQ(resp.info().labels().size(), 2u);
  EXPECT_EQ(resp.info().labels().at("b"), "2");

  grpc::ClientContext bctx;
  req.mutable_update_mask()->add_paths("size");
  EXPECT_EQ(stub_->Update(&bctx, req, &resp).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  grpc::ClientContext dctx;
  api::DeleteContentRequest dreq;
  google::protobuf::Empty empty;
  dreq.set_digest(DigestOf("update me"));
  ASSERT_TRUE(stub_->Delete(&dctx, dreq, &empty).ok());
  grpc::ClientContext d2;
  EXPECT_EQ(stub_->Delete(&d2, dreq, &empty).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(ContentServiceTest, StatusesAndAbort) {
  for (const char* ref : {"keep-1", "keep-2"}) {
    grpc::ClientContext ctx;
    auto stream = stub_->Write(&ctx);
    api::WriteContentRequest req;
    api::WriteContentResponse resp;
    req.set_action(api::WRITE);
    req.set_ref(ref);
    req.set_data("partial");
    ASSERT_TRUE(Send(*stream, req, &resp));
    stream->WritesDone();
    ASSERT_TRUE(stream->Finish().ok());
  }
  grpc::ClientContext lctx;
  api::ListStatusesRequest lreq;
  api::ListStatusesResponse lresp;
  lreq.add_filters("ref==keep-2");
  ASSERT_TRUE(stub_->ListStatuses(&lctx, lreq, &lresp).ok());
  ASSERT_EQ(lresp.statuses_size(), 1);
  EXPECT_EQ(lresp.statuses(0).offset(), 7);

  grpc::ClientContext actx;
  api::AbortRequest areq;
  google::protobuf::Empty empty;
  areq.set_ref("keep-1");
  ASSERT_TRUE(stub_->Abort(&actx, areq, &empty).ok());
  grpc::ClientContext sctx;
  api::StatusRequest sreq;
  api::StatusResponse sresp;
  sreq.set_ref("keep-1");
  grpc::Status s = stub_->Status(&sctx, sreq, &sresp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(s.error_message(), HasSubstr("keep-1"));
  grpc::ClientContext a2;
  EXPECT_EQ(stub_->Abort(&a2, areq, &empty).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

}  // namespace
}  // namespace hpc::server
