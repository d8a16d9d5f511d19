#include <malloc.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "absl/synchronization/mutex.h"
#include "plugin/daemon/process.h"

namespace hpc::daemon {

namespace {

sigset_t StopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

absl::Mutex requested_mu;
std::string* requested ABSL_GUARDED_BY(requested_mu) = nullptr;

}  // namespace

void PrepareProcess() {
  // Write messages are up to 1 MiB each and their buffers are given back as
  // soon as they are written: keep such buffers on malloc's heap, where the
  // next message reuses them without page faults, and keep the arenas few,
  // so memory under many concurrent writers stays bounded.
  mallopt(M_MMAP_THRESHOLD, 4 << 20);
  mallopt(M_ARENA_MAX, 2);
  // Setting the mmap threshold fixes the trim threshold at its 128 KiB
  // default: every freed 1 MiB buffer at the top of the heap was handed back
  // to the kernel and the next message faulted its 256 pages in again, a
  // third of the plugin's time under a write stream. Free memory is given
  // back by ReleaseFreeMemory, every few seconds, instead.
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
  // Signals are taken by sigtimedwait below, so block them before any
  // thread starts: gRPC's threads inherit the mask.
  sigset_t set = StopSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

std::string WaitForStop(absl::Duration interval,
                        const std::function<void()>& idle) {
  sigset_t set = StopSignals();
  const timespec wait = absl::ToTimespec(interval);
  while (true) {
    int signal_number = sigtimedwait(&set, nullptr, &wait);
    if (signal_number >= 0) return strsignal(signal_number);
    {
      absl::MutexLock lock(&requested_mu);
      if (requested != nullptr) return *requested;
    }
    idle();
  }
}

void RequestStop(const std::string& why) {
  {
    absl::MutexLock lock(&requested_mu);
    if (requested == nullptr) requested = new std::string(why);
  }
  kill(getpid(), SIGTERM);
}

void ReleaseFreeMemory() { malloc_trim(0); }

}  // namespace hpc::daemon
