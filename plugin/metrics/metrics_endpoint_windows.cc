#include "plugin/metrics/metrics_endpoint.h"

namespace hpc::metrics {

absl::StatusOr<std::unique_ptr<MetricsEndpoint>> MetricsEndpoint::Start(
    const std::string& address, const Metrics& metrics) {
  return absl::UnimplementedError(
      "--metrics-address: the Windows build has no metrics endpoint yet");
}

}  // namespace hpc::metrics
