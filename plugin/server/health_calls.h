// The standard gRPC health service (grpc.health.v1.Health) on the server's
// own completion queue.
//
// gRPC's built-in health service runs on the callback API, which in this
// gRPC brings its own polling threads: every Content call would then be
// handed between threads. Served here, a health call is one more tag on the
// queue. The server ("") and the Content service are SERVING until the
// server stops; then every open Watch is told NOT_SERVING and ended.
#ifndef HPC_PLUGIN_SERVER_HEALTH_CALLS_H_
#define HPC_PLUGIN_SERVER_HEALTH_CALLS_H_

#include <grpcpp/completion_queue.h>

#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "health/v1/health.grpc.pb.h"
#include "plugin/server/async_calls.h"

namespace hpc::server {

namespace healthapi = ::grpc::health::v1;

class HealthWatch;

// The serving status, and the Watch calls parked until it changes.
class HealthState {
 public:
  // The status of `service` ("" for the server as a whole): SERVING or,
  // once stopped, NOT_SERVING; SERVICE_UNKNOWN for a service not served.
  healthapi::HealthCheckResponse::ServingStatus StatusOf(
      const std::string& service) const;

  bool stopped() const;

  // Makes every status NOT_SERVING and wakes the parked watches, which
  // send it and end. Any thread.
  void Stop();

  // A watch parks until Stop (false: already stopped, do not park);
  // Unpark before it goes.
  bool Park(HealthWatch* watch);
  void Unpark(HealthWatch* watch);

 private:
  mutable absl::Mutex mu_;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  absl::flat_hash_set<HealthWatch*> parked_ ABSL_GUARDED_BY(mu_);
};

struct HealthCallContext {
  healthapi::Health::AsyncService* service;
  HealthState* state;
  grpc::ServerCompletionQueue* cq;
  LiveCalls* live = nullptr;  // counts the calls, if set
};

// Posts one waiting Check and one waiting Watch on `context.cq`; each posts
// its successor when it arrives. The calls on one queue must run on one
// thread. Everything must outlive the queue.
void PostHealthCalls(const HealthCallContext& context);

}  // namespace hpc::server

#endif  // HPC_PLUGIN_SERVER_HEALTH_CALLS_H_
