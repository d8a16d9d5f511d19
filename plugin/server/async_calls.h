// Calls of the Content API driven from gRPC completion queues.
//
// Each call is an object whose state machine advances when gRPC hands its
// tag back from the queue. The thread that polls the queue also runs the
// calls that only read, so a Read is received, served from the page cache
// and answered without handing work between threads: containerd's proxy
// client makes one call per 32 KiB ReadAt, and per-call cost is what a pull
// pays. The calls that change the store run on a WorkPool (work_pool.h).
#ifndef HPC_PLUGIN_SERVER_ASYNC_CALLS_H_
#define HPC_PLUGIN_SERVER_ASYNC_CALLS_H_

#include <grpcpp/completion_queue.h>

#include <atomic>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "plugin/metrics/metrics.h"
#include "plugin/server/content_service.h"
#include "plugin/server/work_pool.h"
#include "services/content/v1/content.grpc.pb.h"

namespace hpc::server {

// The calls alive on a server's queues. A queue may be shut down only once
// no call can start another operation on it (gRPC aborts the process
// otherwise), that is once every call has been deleted.
class LiveCalls {
 public:
  void Add();
  void Remove();
  // Waits until no call is alive, or `deadline`; false at the deadline.
  bool AwaitNone(absl::Time deadline);
  // Waits until at most `n` calls are alive, or `deadline`; false at the
  // deadline.
  bool AwaitAtMost(int n, absl::Time deadline);

 private:
  absl::Mutex mu_;
  int count_ ABSL_GUARDED_BY(mu_) = 0;
};

// A tag on a completion queue.
class AsyncCall {
 public:
  explicit AsyncCall(LiveCalls* live) : live_(live) {
    if (live_ != nullptr) live_->Add();
  }
  virtual ~AsyncCall() {
    if (live_ != nullptr) live_->Remove();
  }
  AsyncCall(const AsyncCall&) = delete;
  AsyncCall& operator=(const AsyncCall&) = delete;
  // `ok` is what the completion queue said of the operation that finished.
  virtual void Proceed(bool ok) = 0;

 private:
  LiveCalls* const live_;
};

// Decides whether a call from `peer` (as grpc::ServerContext::peer() names
// it) is served; a call it refuses is answered PermissionDenied.
class PeerFilter {
 public:
  virtual ~PeerFilter() = default;
  virtual bool Admits(const std::string& peer) const = 0;
  virtual std::string Refusal() const = 0;
};

struct AsyncCallContext {
  contentapi::Content::AsyncService* service;
  ContentService* content;
  grpc::ServerCompletionQueue* cq;
  const PeerFilter* peers = nullptr;  // null: every peer is served
  // Set once the server stops: no call schedules new work on the queue.
  const std::atomic<bool>* stopping = nullptr;
  LiveCalls* live = nullptr;            // counts the calls, if set
  metrics::Metrics* metrics = nullptr;  // told of each call, if set
  // Runs Write, Update, Delete and Abort; null: they run on the queue's
  // thread too.
  WorkPool* pool = nullptr;
};

// Posts one waiting call for each Content method on `context.cq`; each call,
// when it arrives, posts its successor. Everything must outlive the queue.
void PostContentCalls(const AsyncCallContext& context);

// Runs the calls on `cq` until it is shut down and drained.
void RunCompletionQueue(grpc::ServerCompletionQueue* cq);

}  // namespace hpc::server

#endif  // HPC_PLUGIN_SERVER_ASYNC_CALLS_H_
