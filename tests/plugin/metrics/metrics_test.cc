// The Prometheus text the metrics render: counters by label, cumulative
// histogram buckets, gauges read when rendered.
#include "plugin/metrics/metrics.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hpc::metrics {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(MetricsTest, RendersCountersHistogramsAndGauges) {
  Metrics m;
  m.ObserveCall("Read", "OK", absl::Microseconds(300));   // <= 0.0005
  m.ObserveCall("Read", "OK", absl::Milliseconds(7));     // <= 0.01
  m.ObserveCall("Read", "NOT_FOUND", absl::Seconds(60));  // +Inf only
  m.AddBytesRead(100);
  m.AddBytesWritten(42);
  m.CountOutcome("preload", "imported");
  m.CountOutcome("preload", "imported");
  int scrapes = 0;
  m.SetGauges([&] {
    ++scrapes;
    return std::vector<Gauge>{{"hpc_content_store_blobs", "Blobs.", 3}};
  });
  const std::string text = m.Render();
  EXPECT_THAT(
      text,
      HasSubstr("hpc_content_calls_total{method=\"Read\",code=\"OK\"} 2\n"));
  EXPECT_THAT(
      text,
      HasSubstr(
          "hpc_content_calls_total{method=\"Read\",code=\"NOT_FOUND\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("hpc_content_call_duration_seconds_bucket{method="
                              "\"Read\",le=\"0.0005\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("hpc_content_call_duration_seconds_bucket{method="
                              "\"Read\",le=\"0.001\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("hpc_content_call_duration_seconds_bucket{method="
                              "\"Read\",le=\"0.01\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("hpc_content_call_duration_seconds_bucket{method="
                              "\"Read\",le=\"30\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("hpc_content_call_duration_seconds_bucket{method="
                              "\"Read\",le=\"+Inf\"} 3\n"));
  EXPECT_THAT(
      text,
      HasSubstr(
          "hpc_content_call_duration_seconds_count{method=\"Read\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("hpc_content_read_bytes_total 100\n"));
  EXPECT_THAT(text, HasSubstr("hpc_content_written_bytes_total 42\n"));
  EXPECT_THAT(text, HasSubstr("hpc_content_image_outcomes_total{source="
                              "\"preload\",outcome=\"imported\"} 2\n"));
  EXPECT_THAT(
      text,
      HasSubstr(
          "# TYPE hpc_content_store_blobs gauge\nhpc_content_store_blobs 3\n"));
  EXPECT_EQ(scrapes, 1);
  EXPECT_THAT(text, Not(HasSubstr("method=\"Write\"")));
}

}  // namespace
}  // namespace hpc::metrics
