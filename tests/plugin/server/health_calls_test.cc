#include "plugin/server/health_calls.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>

#include <chrono>
#include <thread>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "health/v1/health.grpc.pb.h"
#include "plugin/server/server.h"
#include "tests/testing/temp_dir.h"

namespace hpc::server {
namespace {

namespace health = ::grpc::health::v1;

using WatchReader = grpc::ClientReader<health::HealthCheckResponse>;

// Opens a Watch of `service` and reads its first status into `*first`.
std::unique_ptr<WatchReader> OpenWatch(health::Health::Stub& stub,
                                       grpc::ClientContext* ctx,
                                       const std::string& service,
                                       health::HealthCheckResponse* first) {
  health::HealthCheckRequest request;
  request.set_service(service);
  auto reader = stub.Watch(ctx, request);
  EXPECT_TRUE(reader->Read(first))
      << "no first status for \"" << service << "\"";
  return reader;
}

class HealthCallsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = store::Store::Open(dir_.Join("root"));
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    auto server = Server::Start(*store_, dir_.Join("content.sock"));
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    stub_ = health::Health::NewStub(
        grpc::CreateChannel("unix:" + dir_.Join("content.sock"),
                            grpc::InsecureChannelCredentials()));
  }

  grpc::Status Check(const std::string& service,
                     health::HealthCheckResponse* response) {
    grpc::ClientContext ctx;
    health::HealthCheckRequest request;
    request.set_service(service);
    return stub_->Check(&ctx, request, response);
  }

  hpc::testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<health::Health::Stub> stub_;
};

TEST_F(HealthCallsTest, CheckServerAndContentServiceServing) {
  for (const char* service : {"", "containerd.services.content.v1.Content"}) {
    health::HealthCheckResponse response;
    grpc::Status status = Check(service, &response);
    ASSERT_TRUE(status.ok()) << service << ": " << status.error_message();
    EXPECT_EQ(response.status(), health::HealthCheckResponse::SERVING)
        << service;
  }
}

TEST_F(HealthCallsTest, CheckUnknownServiceIsNotFound) {
  health::HealthCheckResponse response;
  grpc::Status status =
      Check("containerd.services.images.v1.Images", &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_NE(status.error_message().find("containerd.services.images.v1.Images"),
            std::string::npos)
      << status.error_message();
}

// The status now, then NOT_SERVING when the server stops, and the end; the
// server's stop does not wait out its grace for the open watch.
TEST_F(HealthCallsTest, WatchSeesServingThenNotServingAtStop) {
  grpc::ClientContext ctx;
  health::HealthCheckResponse response;
  auto reader = OpenWatch(*stub_, &ctx, "", &response);
  EXPECT_EQ(response.status(), health::HealthCheckResponse::SERVING);

  const absl::Time start = absl::Now();
  std::thread stop([this] { server_->Shutdown(absl::Seconds(30)); });
  ASSERT_TRUE(reader->Read(&response));
  EXPECT_EQ(response.status(), health::HealthCheckResponse::NOT_SERVING);
  EXPECT_FALSE(reader->Read(&response));
  grpc::Status status = reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << status.error_message();
  stop.join();
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
}

TEST_F(HealthCallsTest, WatchUnknownServiceSaysSo) {
  grpc::ClientContext ctx;
  health::HealthCheckResponse response;
  auto reader = OpenWatch(*stub_, &ctx, "no.such.Service", &response);
  EXPECT_EQ(response.status(), health::HealthCheckResponse::SERVICE_UNKNOWN);
  ctx.TryCancel();
  EXPECT_FALSE(reader->Read(&response));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

// A watch its client cancels is gone at once, not parked until the server
// stops: on a queue of its own, only the two waiting calls stay alive.
TEST(HealthWatchTest, CancelledWatchIsGoneAtOnce) {
  hpc::testing::TempDir dir;
  const std::string address = "unix:" + dir.Join("health.sock");
  healthapi::Health::AsyncService service;
  grpc::ServerBuilder builder;
  builder.AddListeningPort(address, grpc::InsecureServerCredentials());
  builder.RegisterService(&service);
  std::unique_ptr<grpc::ServerCompletionQueue> cq =
      builder.AddCompletionQueue();
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  HealthState state;
  LiveCalls live;
  PostHealthCalls({&service, &state, cq.get(), &live});
  std::thread poller(RunCompletionQueue, cq.get());
  constexpr int kWaiting = 2;  // one Check, one Watch

  auto stub = health::Health::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  for (int i = 0; i < 20; ++i) {
    grpc::ClientContext ctx;
    health::HealthCheckResponse response;
    auto reader = OpenWatch(*stub, &ctx, "", &response);
    EXPECT_EQ(response.status(), health::HealthCheckResponse::SERVING);
    ctx.TryCancel();
    reader->Finish();
  }
  EXPECT_TRUE(live.AwaitAtMost(kWaiting, absl::Now() + absl::Seconds(30)));

  state.Stop();
  server->Shutdown();
  EXPECT_TRUE(live.AwaitNone(absl::Now() + absl::Seconds(30)));
  cq->Shutdown();
  poller.join();
}

}  // namespace
}  // namespace hpc::server
