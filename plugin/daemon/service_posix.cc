#include "plugin/daemon/service.h"

namespace hpc::daemon {

namespace {
absl::Status NoServices() {
  return absl::UnimplementedError(
      "--service is for Windows; on Linux, run the plugin from its systemd "
      "unit (hpc-content-plugin.service)");
}
}  // namespace

absl::Status InstallService(const std::vector<std::string>&) {
  return NoServices();
}
absl::Status UninstallService() { return NoServices(); }
absl::StatusOr<int> RunService(const std::function<int()>&) {
  return NoServices();
}

}  // namespace hpc::daemon
