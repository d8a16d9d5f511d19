// How long generating the HostProcess base image takes (hack/bench.sh).
#include <benchmark/benchmark.h>

#include "importer/base/base_image.h"

namespace {

void BM_GenerateBaseImage(benchmark::State& state) {
  hpc::base::BaseImageOptions options;
  options.created = absl::FromUnixSeconds(1640995200);
  for (auto _ : state) {
    auto image = hpc::base::GenerateBaseImage(options);
    if (!image.ok()) state.SkipWithError("generation failed");
    benchmark::DoNotOptimize(image);
  }
}
BENCHMARK(BM_GenerateBaseImage)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
