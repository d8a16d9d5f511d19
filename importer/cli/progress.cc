#include "importer/cli/progress.h"

#include <unistd.h>

#include <cstdio>

#include "absl/strings/str_format.h"
#include "absl/time/clock.h"

namespace hpc::cli {

namespace {
constexpr int kBarWidth = 30;
constexpr absl::Duration kRedraw = absl::Milliseconds(100);
}  // namespace

std::string FormatBytes(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int unit = 0;
  while (bytes >= 1024 && unit < 4) {
    bytes /= 1024;
    ++unit;
  }
  if (unit == 0) return absl::StrFormat("%.0f %s", bytes, units[unit]);
  return absl::StrFormat("%.1f %s", bytes, units[unit]);
}

bool TerminalProgress::Available() { return ::isatty(STDERR_FILENO) == 1; }

containerd::Progress TerminalProgress::Callback() {
  return
      [this](const oci::Descriptor& blob, int64_t sent) { Update(blob, sent); };
}

void TerminalProgress::Update(const oci::Descriptor& blob, int64_t sent) {
  absl::Time now = absl::Now();
  if (blob.digest.str() != current_) {
    current_ = blob.digest.str();
    started_ = now;
    last_draw_ = absl::InfinitePast();
  }
  const bool done = sent >= blob.size;
  if (!done && now - last_draw_ < kRedraw) return;
  last_draw_ = now;
  double fraction =
      blob.size > 0 ? static_cast<double>(sent) / static_cast<double>(blob.size)
                    : 1;
  int filled = static_cast<int>(fraction * kBarWidth);
  double seconds = absl::ToDoubleSeconds(now - started_);
  std::string rate =
      seconds > 0 ? FormatBytes(static_cast<double>(sent) / seconds) + "/s"
                  : "";
  std::fprintf(stderr, "\r%s [%s%s] %s / %s %s\x1b[K",
               current_.substr(7, 12).c_str(), std::string(filled, '=').c_str(),
               std::string(kBarWidth - filled, ' ').c_str(),
               FormatBytes(static_cast<double>(sent)).c_str(),
               FormatBytes(static_cast<double>(blob.size)).c_str(),
               rate.c_str());
  if (done) std::fputc('\n', stderr);
  std::fflush(stderr);
}

}  // namespace hpc::cli
