// Threads that run the calls which change the store (Write, Update, Delete,
// Abort) away from the thread that polls the completion queue.
//
// Those calls write, hash and fsync; the rest (Read, Info, List, Status)
// serve from memory and the page cache. Running the first kind on the
// polling thread would hold every other call up behind an fsync; polling on
// more than one thread makes each completion a hand-off between threads,
// which containerd's one call per 32 KiB read pays many times over. A job
// starts its call's next gRPC operation itself, from the worker, so the
// poller sees only the completion.
#ifndef HPC_PLUGIN_SERVER_WORK_POOL_H_
#define HPC_PLUGIN_SERVER_WORK_POOL_H_

#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace hpc::server {

class WorkPool {
 public:
  // `threads` workers; at least one.
  explicit WorkPool(int threads);
  // Runs the jobs still queued, then joins the workers.
  ~WorkPool();
  WorkPool(const WorkPool&) = delete;
  WorkPool& operator=(const WorkPool&) = delete;

  // Runs `job` on a worker; jobs start in the order given.
  void Run(std::function<void()> job);

  // The workers a server uses on this machine: one per core, at least two
  // (one job's fsync then does not hold up the others), at most eight.
  static int DefaultThreads();

 private:
  void Work();

  absl::Mutex mu_;
  std::deque<std::function<void()>> jobs_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace hpc::server

#endif  // HPC_PLUGIN_SERVER_WORK_POOL_H_
