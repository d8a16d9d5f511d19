#include "importer/archive/stream_spool.h"

#include <fcntl.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"

#ifdef _WIN32
#include <io.h>
#else
#include <unistd.h>
#endif

namespace hpc::archive {
namespace {

std::string ErrnoText(int error) { return std::strerror(error); }

}  // namespace

absl::Status SpoolStream(std::FILE* in, const std::string& what,
                         const std::string& path, int64_t limit) {
#ifdef _WIN32
  _setmode(_fileno(in), _O_BINARY);
#endif
  // O_EXCL: a file that is there already is never written through.
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) {
    return absl::InternalError(absl::StrCat(
        "spooling ", what, ": creating ", path, ": ", ErrnoText(errno)));
  }
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> out(::fdopen(fd, "wb"),
                                                      &std::fclose);
  if (out == nullptr) {
    int error = errno;
    ::close(fd);
    std::remove(path.c_str());
    return absl::InternalError(
        absl::StrCat("spooling ", what, ": ", path, ": ", ErrnoText(error)));
  }
  auto fail = [&](absl::Status status) {
    out.reset();
    std::remove(path.c_str());
    return status;
  };
  std::vector<char> buffer(1 << 20);
  int64_t total = 0;
  for (;;) {
    size_t n = std::fread(buffer.data(), 1, buffer.size(), in);
    if (n > 0) {
      total += static_cast<int64_t>(n);
      if (total > limit) {
        return fail(absl::InvalidArgumentError(
            absl::StrCat(what, " is larger than ", limit,
                         " bytes (--max-archive-size)")));
      }
      if (std::fwrite(buffer.data(), 1, n, out.get()) != n) {
        return fail(absl::InternalError(absl::StrCat(
            "spooling ", what, " to ", path, ": ", ErrnoText(errno))));
      }
    }
    if (n < buffer.size()) {
      if (std::ferror(in)) {
        return fail(absl::InternalError(
            absl::StrCat("reading ", what, ": ", ErrnoText(errno))));
      }
      if (std::feof(in)) break;
    }
  }
  if (total == 0) {
    return fail(absl::InvalidArgumentError(
        absl::StrCat(what, " is empty: expected an image archive")));
  }
  if (std::fflush(out.get()) != 0) {
    return fail(absl::InternalError(absl::StrCat(
        "spooling ", what, " to ", path, ": ", ErrnoText(errno))));
  }
  out.reset();
  return absl::OkStatus();
}

}  // namespace hpc::archive
