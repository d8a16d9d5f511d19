// hpc-content-plugin as a Windows service (--service install|uninstall|run).
// On Linux the same calls say to use the systemd unit instead.
#ifndef HPC_PLUGIN_DAEMON_SERVICE_H_
#define HPC_PLUGIN_DAEMON_SERVICE_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace hpc::daemon {

inline constexpr char kServiceName[] = "hpc-content-plugin";

// Registers this executable as service kServiceName, started automatically
// before containerd, running with `flags` and --service run.
absl::Status InstallService(const std::vector<std::string>& flags);
// Stops and removes the service.
absl::Status UninstallService();
// Runs `serve` as the service the control manager started: reports it
// running, turns stop and shutdown requests into RequestStop, and reports
// it stopped with serve's exit code. Returns that code, or an error when
// the process was not started by the control manager.
absl::StatusOr<int> RunService(const std::function<int()>& serve);

}  // namespace hpc::daemon

#endif  // HPC_PLUGIN_DAEMON_SERVICE_H_
