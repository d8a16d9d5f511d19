// The plugin's gRPC server: the Content service and the standard health
// service on the platform's endpoint (endpoint.h), served from one completion
// queue by the one thread that polls it, with the calls that change the store
// on a WorkPool, and stopped gracefully on request.
#ifndef HPC_PLUGIN_SERVER_SERVER_H_
#define HPC_PLUGIN_SERVER_SERVER_H_

#include <grpcpp/server.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "plugin/server/async_calls.h"
#include "plugin/server/content_service.h"
#include "plugin/server/endpoint.h"
#include "plugin/server/health_calls.h"
#include "plugin/server/work_pool.h"
#include "plugin/store/store.h"
#include "services/content/v1/content.grpc.pb.h"

namespace hpc::server {

class Server {
 public:
  // Serves `store` (which must outlive the server) on `address`: a unix
  // socket path on Linux (a stale socket there is replaced), a named pipe
  // on Windows.
  // `metrics`, if given, is told of every call and must outlive the server.
  static absl::StatusOr<std::unique_ptr<Server>> Start(
      store::Store& store, const std::string& address,
      metrics::Metrics* metrics = nullptr);

  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Stops accepting calls, lets running ones finish for up to `grace`, then
  // cancels the rest, stops the threads and closes the endpoint.
  void Shutdown(absl::Duration grace);

  const std::string& address() const { return endpoint_->address(); }

 private:
  Server(std::unique_ptr<Endpoint> endpoint, store::Store& store)
      : endpoint_(std::move(endpoint)),
        content_(store),
        pool_(WorkPool::DefaultThreads()) {}

  std::unique_ptr<Endpoint> endpoint_;
  ContentService content_;
  contentapi::Content::AsyncService service_;
  healthapi::Health::AsyncService health_service_;
  HealthState health_;
  std::unique_ptr<grpc::ServerCompletionQueue> queue_;
  std::unique_ptr<grpc::Server> server_;
  std::thread thread_;
  bool shut_down_ = false;
  std::atomic<bool> stopping_{false};
  LiveCalls live_calls_;
  // Last, so its workers are joined before anything a job uses goes.
  WorkPool pool_;
};

}  // namespace hpc::server

#endif  // HPC_PLUGIN_SERVER_SERVER_H_
