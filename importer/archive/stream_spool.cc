#include "importer/archive/stream_spool.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"

namespace hpc::archive {

absl::Status SpoolStream(std::FILE* in, const std::string& what,
                         const std::string& path, int64_t limit) {
#ifdef _WIN32
  _setmode(_fileno(in), _O_BINARY);
#endif
  // O_EXCL: a file that is there already is never written through.
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::InternalError(absl::StrCat("spooling ", what, ": creating ",
                                            path, ": ", std::strerror(errno)));
  }
  // Closes and removes the file, and says why.
  auto fail = [&](absl::StatusCode code, absl::string_view why) {
    ::close(fd);
    std::remove(path.c_str());
    return absl::Status(code, why);
  };
  std::vector<char> buffer(1 << 20);
  int64_t total = 0;
  for (;;) {
    size_t n = std::fread(buffer.data(), 1, buffer.size(), in);
    total += static_cast<int64_t>(n);
    if (total > limit) {
      return fail(absl::StatusCode::kInvalidArgument,
                  absl::StrCat(what, " is larger than ", limit,
                               " bytes (--max-archive-size)"));
    }
    for (size_t done = 0; done < n;) {
      ssize_t wrote = ::write(fd, buffer.data() + done, n - done);
      if (wrote < 0 && errno == EINTR) continue;
      if (wrote < 0) {
        return fail(absl::StatusCode::kInternal,
                    absl::StrCat("spooling ", what, " to ", path, ": ",
                                 std::strerror(errno)));
      }
      done += static_cast<size_t>(wrote);
    }
    if (n == buffer.size()) continue;
    if (std::ferror(in)) {
      return fail(absl::StatusCode::kInternal,
                  absl::StrCat("reading ", what, ": ", std::strerror(errno)));
    }
    if (std::feof(in)) break;
  }
  if (total == 0) {
    return fail(absl::StatusCode::kInvalidArgument,
                absl::StrCat(what, " is empty: expected an image archive"));
  }
  if (::close(fd) != 0) {
    std::remove(path.c_str());
    return absl::InternalError(absl::StrCat("spooling ", what, " to ", path,
                                            ": ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

}  // namespace hpc::archive
