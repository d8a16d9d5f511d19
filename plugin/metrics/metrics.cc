#include "plugin/metrics/metrics.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace hpc::metrics {
namespace {

std::string Number(double v) { return absl::StrFormat("%.9g", v); }

}  // namespace

void Metrics::ObserveCall(absl::string_view method, absl::string_view code,
                          absl::Duration latency) {
  const double seconds = absl::ToDoubleSeconds(latency);
  absl::MutexLock lock(&mu_);
  ++calls_[{std::string(method), std::string(code)}];
  Histogram& h = latency_[std::string(method)];
  size_t bucket = 0;  // the first whose bound holds it; none: +Inf only
  while (bucket < kBuckets.size() && seconds > kBuckets[bucket]) ++bucket;
  if (bucket < kBuckets.size()) ++h.counts[bucket];
  ++h.count;
  h.sum += seconds;
}

void Metrics::CountOutcome(absl::string_view what, absl::string_view outcome) {
  absl::MutexLock lock(&mu_);
  ++outcomes_[{std::string(what), std::string(outcome)}];
}

void Metrics::SetGauges(std::function<std::vector<Gauge>()> gauges) {
  absl::MutexLock lock(&mu_);
  gauges_ = std::move(gauges);
}

std::string Metrics::Render() const {
  std::function<std::vector<Gauge>()> gauges;
  std::string out;
  {
    absl::MutexLock lock(&mu_);
    gauges = gauges_;
    absl::StrAppend(&out,
                    "# HELP hpc_content_calls_total Content API calls by "
                    "method and gRPC status code.\n"
                    "# TYPE hpc_content_calls_total counter\n");
    for (const auto& [key, n] : calls_) {
      absl::StrAppend(&out, "hpc_content_calls_total{method=\"", key.first,
                      "\",code=\"", key.second, "\"} ", n, "\n");
    }
    absl::StrAppend(&out,
                    "# HELP hpc_content_call_duration_seconds Content API "
                    "call latency by method.\n"
                    "# TYPE hpc_content_call_duration_seconds histogram\n");
    for (const auto& [method, h] : latency_) {
      uint64_t cumulative = 0;
      for (size_t i = 0; i < kBuckets.size(); ++i) {
        cumulative += h.counts[i];
        absl::StrAppend(
            &out, "hpc_content_call_duration_seconds_bucket{method=\"", method,
            "\",le=\"", Number(kBuckets[i]), "\"} ", cumulative, "\n");
      }
      absl::StrAppend(&out,
                      "hpc_content_call_duration_seconds_bucket{method=\"",
                      method, "\",le=\"+Inf\"} ", h.count, "\n",
                      "hpc_content_call_duration_seconds_sum{method=\"", method,
                      "\"} ", Number(h.sum), "\n",
                      "hpc_content_call_duration_seconds_count{method=\"",
                      method, "\"} ", h.count, "\n");
    }
    absl::StrAppend(&out,
                    "# HELP hpc_content_image_outcomes_total Images injected "
                    "and archives and listed images preloaded, by outcome.\n"
                    "# TYPE hpc_content_image_outcomes_total counter\n");
    for (const auto& [key, n] : outcomes_) {
      absl::StrAppend(&out, "hpc_content_image_outcomes_total{source=\"",
                      key.first, "\",outcome=\"", key.second, "\"} ", n, "\n");
    }
  }
  absl::StrAppend(
      &out,
      "# HELP hpc_content_read_bytes_total Blob bytes sent by Read calls.\n"
      "# TYPE hpc_content_read_bytes_total counter\n"
      "hpc_content_read_bytes_total ",
      bytes_read_.load(), "\n",
      "# HELP hpc_content_written_bytes_total Bytes received by Write "
      "calls.\n"
      "# TYPE hpc_content_written_bytes_total counter\n"
      "hpc_content_written_bytes_total ",
      bytes_written_.load(), "\n");
  if (gauges) {
    for (const Gauge& g : gauges()) {
      absl::StrAppend(&out, "# HELP ", g.name, " ", g.help, "\n# TYPE ", g.name,
                      " gauge\n", g.name, " ", Number(g.value), "\n");
    }
  }
  return out;
}

}  // namespace hpc::metrics
