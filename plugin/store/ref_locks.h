// Exclusive ownership of ingest refs within the process: one writer per ref.
#ifndef HPC_PLUGIN_STORE_REF_LOCKS_H_
#define HPC_PLUGIN_STORE_REF_LOCKS_H_

#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace hpc::store {

class RefLocks {
 public:
  // Takes the lock on `ref`, waiting up to `wait` (zero: not at all) for
  // another writer to let go, as containerd 1.6 and 1.7's local store retry
  // for about a second; then Unavailable, saying since when it is held.
  absl::Status Lock(absl::string_view ref, absl::Duration wait);
  void Unlock(absl::string_view ref);

 private:
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, absl::Time> held_ ABSL_GUARDED_BY(mu_);
};

}  // namespace hpc::store

#endif  // HPC_PLUGIN_STORE_REF_LOCKS_H_
