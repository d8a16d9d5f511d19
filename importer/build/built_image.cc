#include "importer/build/built_image.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace hpc::build {
namespace {

class FileStream final : public image::BlobStream {
 public:
  FileStream(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~FileStream() override { close(fd_); }
  absl::StatusOr<size_t> Read(char* dst, size_t n) override {
    for (;;) {
      ssize_t got = read(fd_, dst, n);
      if (got >= 0) return static_cast<size_t>(got);
      if (errno != EINTR) {
        return absl::InternalError(
            absl::StrCat("read \"", path_, "\": ", std::strerror(errno)));
      }
    }
  }

 private:
  int fd_;
  std::string path_;
};

}  // namespace

oci::Descriptor BuiltImage::AddBytes(absl::string_view media_type,
                                     std::string bytes) {
  oci::Descriptor d = oci::DescribeBytes(media_type, bytes);
  bytes_[d.digest.str()] = std::move(bytes);
  return d;
}

void BuiltImage::AddFile(const oci::Descriptor& blob, std::string path) {
  files_[blob.digest.str()] = std::move(path);
}

absl::StatusOr<std::unique_ptr<image::BlobStream>> BuiltImage::Open(
    const oci::Descriptor& blob) {
  const std::string key = blob.digest.str();
  if (auto it = bytes_.find(key); it != bytes_.end()) {
    return image::StreamOf(it->second);
  }
  if (auto it = files_.find(key); it != files_.end()) {
    int fd = open(it->second.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      return absl::InternalError(
          absl::StrCat("open \"", it->second, "\": ", std::strerror(errno)));
    }
    return std::unique_ptr<image::BlobStream>(new FileStream(fd, it->second));
  }
  for (const auto& source : sources_) {
    auto stream = source->Open(blob);
    if (stream.ok() || !absl::IsNotFound(stream.status())) return stream;
  }
  return absl::NotFoundError(absl::StrCat(name_, ": no blob ", key));
}

}  // namespace hpc::build
