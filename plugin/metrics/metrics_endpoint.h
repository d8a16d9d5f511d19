// Serving Metrics::Render as Prometheus scrapes it: GET /metrics on
// HOST:PORT, in a thread of its own (cpp-httplib on Linux). The Windows
// build has no HTTP server library yet and refuses the flag.
#ifndef HPC_PLUGIN_METRICS_METRICS_ENDPOINT_H_
#define HPC_PLUGIN_METRICS_METRICS_ENDPOINT_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "plugin/metrics/metrics.h"

namespace hpc::metrics {

class MetricsEndpoint {
 public:
  // Listens on `address` (HOST:PORT; port 0 picks a free one) until
  // destroyed. `metrics` must outlive it.
  static absl::StatusOr<std::unique_ptr<MetricsEndpoint>> Start(
      const std::string& address, const Metrics& metrics);
  virtual ~MetricsEndpoint() = default;
  // HOST:PORT it listens on.
  virtual std::string address() const = 0;
};

}  // namespace hpc::metrics

#endif  // HPC_PLUGIN_METRICS_METRICS_ENDPOINT_H_
