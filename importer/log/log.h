// Leveled logging to standard error in containerd's logfmt style:
//   time="2026-01-02T03:04:05.678Z" level=info msg="..." key=value
// Thread-safe. The level is process-wide and set once at start.
#ifndef HPC_IMPORTER_LOG_LOG_H_
#define HPC_IMPORTER_LOG_LOG_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"

namespace hpc::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// Parses "debug", "info", "warn"/"warning" or "error".
absl::StatusOr<Level> ParseLevel(absl::string_view name);
void SetLevel(Level level);
bool Enabled(Level level);
void Write(Level level, absl::string_view message);

template <typename... Args>
void Debug(const absl::FormatSpec<Args...>& format, const Args&... args) {
  if (Enabled(Level::kDebug))
    Write(Level::kDebug, absl::StrFormat(format, args...));
}
template <typename... Args>
void Info(const absl::FormatSpec<Args...>& format, const Args&... args) {
  if (Enabled(Level::kInfo))
    Write(Level::kInfo, absl::StrFormat(format, args...));
}
template <typename... Args>
void Warn(const absl::FormatSpec<Args...>& format, const Args&... args) {
  if (Enabled(Level::kWarn))
    Write(Level::kWarn, absl::StrFormat(format, args...));
}
template <typename... Args>
void Error(const absl::FormatSpec<Args...>& format, const Args&... args) {
  if (Enabled(Level::kError))
    Write(Level::kError, absl::StrFormat(format, args...));
}

}  // namespace hpc::log

#endif  // HPC_IMPORTER_LOG_LOG_H_
