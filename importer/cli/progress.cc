#include "importer/cli/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"

namespace hpc::cli {

namespace {

constexpr int kBarWidth = 30;
constexpr absl::Duration kRedraw = absl::Milliseconds(100);

std::string Line(const oci::Descriptor& blob, int64_t sent,
                 absl::Duration elapsed) {
  const double fraction =
      blob.size > 0 ? static_cast<double>(sent) / static_cast<double>(blob.size)
                    : 1;
  const int filled =
      std::clamp(static_cast<int>(fraction * kBarWidth), 0, kBarWidth);
  const double seconds = absl::ToDoubleSeconds(elapsed);
  std::string rate =
      seconds > 0 ? FormatBytes(static_cast<double>(sent) / seconds) + "/s"
                  : "";
  return absl::StrFormat(
      "%s [%s%s] %s / %s %s", blob.digest.hex().substr(0, 12),
      std::string(filled, '='), std::string(kBarWidth - filled, ' '),
      FormatBytes(static_cast<double>(sent)),
      FormatBytes(static_cast<double>(blob.size)), rate);
}

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
  std::lock_guard<std::mutex> lock(mu_);
  const absl::Time now = absl::Now();
  auto it = std::find_if(
      in_flight_.begin(), in_flight_.end(),
      [&](const InFlight& f) { return f.blob.digest == blob.digest; });
  if (it == in_flight_.end()) {
    in_flight_.push_back({blob, 0, now});
    it = in_flight_.end() - 1;
  }
  it->sent = sent;
  if (sent >= blob.size) {
    std::string done = Line(blob, sent, now - it->started);
    in_flight_.erase(it);
    RedrawLocked(done);
    return;
  }
  if (now - last_draw_ >= kRedraw) RedrawLocked("");
}

void TerminalProgress::Done(const oci::Descriptor& blob,
                            absl::string_view what) {
  std::lock_guard<std::mutex> lock(mu_);
  std::erase_if(in_flight_, [&](const InFlight& f) {
    return f.blob.digest == blob.digest;
  });
  RedrawLocked(absl::StrCat(blob.digest.hex().substr(0, 12), " ", what, " (",
                            FormatBytes(static_cast<double>(blob.size)), ")"));
}

void TerminalProgress::RedrawLocked(const std::string& line) {
  const absl::Time now = absl::Now();
  if (drawn_ > 0) std::fprintf(stderr, "\x1b[%dA", drawn_);
  std::fputs("\r\x1b[J", stderr);
  if (!line.empty()) std::fprintf(stderr, "%s\n", line.c_str());
  for (const InFlight& f : in_flight_) {
    std::fprintf(stderr, "%s\n", Line(f.blob, f.sent, now - f.started).c_str());
  }
  drawn_ = static_cast<int>(in_flight_.size());
  last_draw_ = now;
  std::fflush(stderr);
}

}  // namespace hpc::cli
