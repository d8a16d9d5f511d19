#include "importer/image/file_stream.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace hpc::image {
namespace {

class FileStream final : public BlobStream {
 public:
  FileStream(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~FileStream() override { ::close(fd_); }
  absl::StatusOr<size_t> Read(char* dst, size_t n) override {
    while (true) {
      ssize_t r = ::read(fd_, dst, n);
      if (r >= 0) return static_cast<size_t>(r);
      if (errno != EINTR) {
        return absl::InternalError(
            absl::StrCat("read ", path_, ": ", std::strerror(errno)));
      }
    }
  }

 private:
  int fd_;
  std::string path_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<BlobStream>> OpenFileStream(
    const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    return absl::NotFoundError(absl::StrCat(path, ": ", std::strerror(errno)));
  }
  return std::unique_ptr<BlobStream>(new FileStream(fd, path));
}

}  // namespace hpc::image
