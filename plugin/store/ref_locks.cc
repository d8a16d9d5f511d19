#include "plugin/store/ref_locks.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace hpc::store {

absl::Status RefLocks::Lock(absl::string_view ref, absl::Duration wait) {
  const std::string key(ref);
  absl::MutexLock lock(&mu_);
  if (wait > absl::ZeroDuration()) {
    auto free = [this, &key]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return !held_.contains(key);
    };
    mu_.AwaitWithTimeout(absl::Condition(&free), wait);
  }
  auto [it, inserted] = held_.try_emplace(key, absl::Now());
  if (!inserted) {
    return absl::UnavailableError(
        absl::StrCat("ref ", ref, " locked for ",
                     absl::FormatDuration(absl::Now() - it->second), " (since ",
                     absl::FormatTime(it->second), ")"));
  }
  return absl::OkStatus();
}

void RefLocks::Unlock(absl::string_view ref) {
  absl::MutexLock lock(&mu_);
  held_.erase(std::string(ref));
}

}  // namespace hpc::store
