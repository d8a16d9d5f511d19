// The plugin as a long-running process: how it is told to stop, and the
// process-wide settings it runs with. One file per system: process_posix.cc
// (SIGTERM, SIGINT), process_windows.cc (Ctrl-C, Ctrl-Break, console close,
// and the service control manager through RequestStop).
#ifndef HPC_PLUGIN_DAEMON_PROCESS_H_
#define HPC_PLUGIN_DAEMON_PROCESS_H_

#include <functional>
#include <string>

#include "absl/time/time.h"

namespace hpc::daemon {

// Call before any thread starts: routes stop requests to WaitForStop and
// tunes the allocator for a long-lived server.
void PrepareProcess();

// Blocks until a stop is requested; runs `idle` every `interval` meanwhile.
// Returns what asked for the stop, for the log ("SIGTERM", "Ctrl-C", ...).
std::string WaitForStop(absl::Duration interval,
                        const std::function<void()>& idle);

// Asks WaitForStop to return, from any thread.
void RequestStop(const std::string& why);

// Gives memory freed since the last call back to the system, where the
// allocator keeps it otherwise.
void ReleaseFreeMemory();

}  // namespace hpc::daemon

#endif  // HPC_PLUGIN_DAEMON_PROCESS_H_
