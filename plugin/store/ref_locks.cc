#include "plugin/store/ref_locks.h"

#include <random>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace hpc::store {

absl::Status RefLocks::TryLock(absl::string_view ref) {
  absl::MutexLock lock(&mu_);
  auto [it, inserted] = held_.try_emplace(std::string(ref), absl::Now());
  if (!inserted) {
    return absl::UnavailableError(
        absl::StrCat("ref ", ref, " locked for ",
                     absl::FormatDuration(absl::Now() - it->second), " (since ",
                     absl::FormatTime(it->second), ")"));
  }
  return absl::OkStatus();
}

absl::Status RefLocks::Lock(absl::string_view ref) {
  thread_local std::minstd_rand random(std::random_device{}());
  absl::Status status;
  for (int attempt = 0; attempt < 10; ++attempt) {
    status = TryLock(ref);
    if (status.ok() || !absl::IsUnavailable(status)) return status;
    std::uniform_int_distribution<int> pause(0, (1 << attempt) - 1);
    absl::SleepFor(absl::Milliseconds(pause(random)));
  }
  return status;
}

void RefLocks::Unlock(absl::string_view ref) {
  absl::MutexLock lock(&mu_);
  held_.erase(std::string(ref));
}

}  // namespace hpc::store
