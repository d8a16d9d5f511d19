#include "plugin/server/server.h"

#include <grpcpp/server_builder.h>

#include "absl/strings/str_cat.h"
#include "importer/log/log.h"
#include "plugin/server/async_calls.h"
#include "plugin/server/endpoint.h"
#include "plugin/server/health_calls.h"

namespace hpc::server {

namespace {
// containerd's proxy writer sends up to 1 MiB of data a message; leave room
// for direct clients that send more.
constexpr int kMaxMessageBytes = 16 << 20;
// How long a stop waits, after the grace period, for cancelled calls to
// wind up: each has at most one operation in flight, which completes at
// once when its call is cancelled (a retry alarm within 50 ms).
constexpr absl::Duration kWindUp = absl::Seconds(5);
}  // namespace

absl::StatusOr<std::unique_ptr<Server>> Server::Start(
    store::Store& store, const std::string& address,
    metrics::Metrics* metrics) {
  auto endpoint = Endpoint::Prepare(address);
  if (!endpoint.ok()) return endpoint.status();

  std::unique_ptr<Server> server(new Server(std::move(*endpoint), store));
  grpc::ServerBuilder builder;
  builder.AddListeningPort(server->endpoint_->grpc_address(),
                           grpc::InsecureServerCredentials(),
                           server->endpoint_->selected_port());
  builder.RegisterService(&server->service_);
  builder.RegisterService(&server->health_service_);
  builder.SetMaxReceiveMessageSize(kMaxMessageBytes);
  builder.SetMaxSendMessageSize(kMaxMessageBytes);
  server->queue_ = builder.AddCompletionQueue();

  server->endpoint_->BeforeListen();
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr) {
    server->endpoint_->Listening().IgnoreError();
    return absl::UnavailableError(
        absl::StrCat("could not listen on ", address));
  }
  if (absl::Status s = server->endpoint_->Listening(); !s.ok()) return s;
  grpc::ServerCompletionQueue* cq = server->queue_.get();
  PostContentCalls({&server->service_, &server->content_, cq,
                    server->endpoint_->peers(), &server->stopping_,
                    &server->live_calls_, metrics, &server->pool_});
  PostHealthCalls(
      {&server->health_service_, &server->health_, cq, &server->live_calls_});
  server->thread_ = std::thread(RunCompletionQueue, cq);
  return server;
}

Server::~Server() { Shutdown(absl::ZeroDuration()); }

void Server::Shutdown(absl::Duration grace) {
  if (shut_down_) return;
  shut_down_ = true;
  stopping_.store(true);
  health_.Stop();
  if (server_ != nullptr) {
    // Running calls complete on the queue's thread, which keeps polling.
    server_->Shutdown(absl::ToChronoTime(absl::Now() + grace));
  }
  // Cancelled calls still answer on the queue; it is shut down once the
  // last call is gone.
  if (!live_calls_.AwaitNone(absl::Now() + kWindUp)) {
    log::Error(
        "calls still running %s after the server stopped; "
        "stopping anyway",
        absl::FormatDuration(kWindUp).c_str());
  }
  if (queue_ != nullptr) queue_->Shutdown();
  if (thread_.joinable()) thread_.join();
  endpoint_->Close();
}

}  // namespace hpc::server
