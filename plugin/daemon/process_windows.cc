#include <windows.h>

#include "absl/synchronization/mutex.h"
#include "plugin/daemon/process.h"

namespace hpc::daemon {

namespace {

HANDLE stop_event = nullptr;
absl::Mutex why_mu;
std::string* why ABSL_GUARDED_BY(why_mu) = nullptr;

BOOL WINAPI OnConsoleEvent(DWORD event) {
  switch (event) {
    case CTRL_C_EVENT:
      RequestStop("Ctrl-C");
      return TRUE;
    case CTRL_BREAK_EVENT:
      RequestStop("Ctrl-Break");
      return TRUE;
    case CTRL_CLOSE_EVENT:
    case CTRL_SHUTDOWN_EVENT:
      RequestStop(event == CTRL_CLOSE_EVENT ? "console close" : "shutdown");
      // Windows ends the process when this returns: give the server its
      // time to stop first.
      Sleep(INFINITE);
      return TRUE;
    default:
      return FALSE;
  }
}

}  // namespace

void PrepareProcess() {
  if (stop_event == nullptr)
    stop_event = CreateEventW(nullptr, TRUE, FALSE, nullptr);
  SetConsoleCtrlHandler(OnConsoleEvent, TRUE);
}

std::string WaitForStop(absl::Duration interval,
                        const std::function<void()>& idle) {
  const DWORD ms = static_cast<DWORD>(absl::ToInt64Milliseconds(interval));
  while (WaitForSingleObject(stop_event, ms) == WAIT_TIMEOUT) idle();
  absl::MutexLock lock(&why_mu);
  return why != nullptr ? *why : "a stop request";
}

void RequestStop(const std::string& reason) {
  {
    absl::MutexLock lock(&why_mu);
    if (why == nullptr) why = new std::string(reason);
  }
  if (stop_event != nullptr) SetEvent(stop_event);
}

// The Windows heap returns free pages to the system by itself.
void ReleaseFreeMemory() {}

}  // namespace hpc::daemon
