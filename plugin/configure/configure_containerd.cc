#include "plugin/configure/configure_containerd.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace hpc::configure {
namespace {

namespace fs = std::filesystem;

// Limits what is read as a config: containerd's are a few KiB.
constexpr std::uintmax_t kMaxConfigBytes = 4 << 20;

absl::Status Errno(absl::string_view what, const std::string& path) {
  return absl::InternalError(
      absl::StrCat(what, " ", path, ": ", std::strerror(errno)));
}

// Writes `text` to a new file `path` with `perms`, flushed to disk.
absl::Status WriteNewFile(const std::string& path, const std::string& text,
                          fs::perms perms) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Errno("creating", path);
  absl::Status status;
  for (size_t done = 0; done < text.size() && status.ok();) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      status = Errno("writing", path);
    } else {
      done += static_cast<size_t>(n);
    }
  }
  if (status.ok() && ::fsync(fd) != 0) status = Errno("flushing", path);
  if (::close(fd) != 0 && status.ok()) status = Errno("closing", path);
  std::error_code ec;
  if (status.ok()) fs::permissions(path, perms, ec);
  if (!status.ok()) fs::remove(path, ec);
  return status;
}

}  // namespace

std::string DefaultContainerdConfigPath() {
#ifdef _WIN32
  return "C:\\Program Files\\containerd\\config.toml";
#else
  return "/etc/containerd/config.toml";
#endif
}

absl::StatusOr<ConfigureResult> ConfigureContainerd(const std::string& path,
                                                    const ContentProxy& proxy,
                                                    bool dry_run) {
  ConfigureResult result;
  std::string text;
  std::error_code ec;
  fs::file_status status = fs::status(path, ec);
  fs::perms perms = fs::perms::owner_read | fs::perms::owner_write |
                    fs::perms::group_read | fs::perms::others_read;
  if (ec && ec != std::errc::no_such_file_or_directory) {
    return absl::InternalError(
        absl::StrCat("reading ", path, ": ", ec.message()));
  }
  if (!fs::exists(status)) {
    result.created = true;
  } else {
    if (!fs::is_regular_file(status)) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, " is not a regular file"));
    }
    if (fs::file_size(path, ec) > kMaxConfigBytes) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, " is larger than ", kMaxConfigBytes, " bytes: not a config"));
    }
    perms = status.permissions();
    std::ifstream in(path, std::ios::binary);
    std::ostringstream buffer;
    buffer << in.rdbuf();
    if (!in) return Errno("reading", path);
    text = buffer.str();
  }

  auto edit = AddContentProxy(text, path, proxy);
  if (!edit.ok()) return edit.status();
  result.edit = std::move(*edit);
  if (result.edit.changes.empty() || dry_run) return result;

  const fs::path target(path);
  if (result.created) {
    if (target.has_parent_path())
      fs::create_directories(target.parent_path(), ec);
    if (ec) {
      return absl::InternalError(absl::StrCat(
          "creating ", target.parent_path().string(), ": ", ec.message()));
    }
  } else {
    // The old file stays next to the new one, under a name no run reuses.
    const std::string base = absl::StrCat(
        path, ".bak-",
        absl::FormatTime("%Y%m%dT%H%M%SZ", absl::Now(), absl::UTCTimeZone()));
    result.backup = base;
    for (int n = 2; fs::exists(result.backup); ++n) {
      result.backup = absl::StrCat(base, "-", n);
    }
    if (absl::Status s = WriteNewFile(result.backup, text, perms); !s.ok()) {
      return s;
    }
  }
  const std::string temporary = absl::StrCat(path, ".hpc-new");
  fs::remove(temporary, ec);
  if (absl::Status s = WriteNewFile(temporary, result.edit.text, perms);
      !s.ok()) {
    return s;
  }
  fs::rename(temporary, target, ec);
  if (ec) {
    fs::remove(temporary, ec);
    return absl::InternalError(
        absl::StrCat("replacing ", path, ": ", ec.message()));
  }
  result.written = true;
  return result;
}

}  // namespace hpc::configure
