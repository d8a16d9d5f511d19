// The plugin's Prometheus metrics, rendered in the text exposition format:
// Content API calls by method and status code with latency histograms,
// bytes read and written through the API, image injection and preload
// outcomes, and gauges read when scraped (blobs and bytes in the store,
// ingests open).
#ifndef HPC_PLUGIN_METRICS_METRICS_H_
#define HPC_PLUGIN_METRICS_METRICS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace hpc::metrics {

// A value read at scrape time.
struct Gauge {
  std::string name;  // hpc_content_...
  std::string help;
  double value = 0;
};

class Metrics {
 public:
  // A Content API call that ended with `code` (gRPC's name: "OK",
  // "NOT_FOUND", ...) after `latency`.
  void ObserveCall(absl::string_view method, absl::string_view code,
                   absl::Duration latency);
  void AddBytesRead(int64_t n) { bytes_read_.fetch_add(n); }
  void AddBytesWritten(int64_t n) { bytes_written_.fetch_add(n); }
  // An image injected or an archive preloaded: `what` is "inject" or
  // "preload", `outcome` "imported", "failed", ...
  void CountOutcome(absl::string_view what, absl::string_view outcome);
  // Read on every scrape.
  void SetGauges(std::function<std::vector<Gauge>()> gauges);

  std::string Render() const;

  // Latency buckets, in seconds (the last is +Inf).
  static constexpr std::array<double, 10> kBuckets = {
      0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30};

 private:
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> counts{};  // per bucket, not summed
    uint64_t count = 0;
    double sum = 0;
  };
  mutable absl::Mutex mu_;
  std::map<std::pair<std::string, std::string>, uint64_t> calls_
      ABSL_GUARDED_BY(mu_);
  std::map<std::string, Histogram> latency_ ABSL_GUARDED_BY(mu_);
  std::map<std::pair<std::string, std::string>, uint64_t> outcomes_
      ABSL_GUARDED_BY(mu_);
  std::function<std::vector<Gauge>()> gauges_ ABSL_GUARDED_BY(mu_);
  std::atomic<int64_t> bytes_read_{0};
  std::atomic<int64_t> bytes_written_{0};
};

}  // namespace hpc::metrics

#endif  // HPC_PLUGIN_METRICS_METRICS_H_
