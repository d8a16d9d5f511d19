#include "importer/dockerfile/layer_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "importer/archive/gzip.h"
#include "importer/archive/tar_writer.h"
#include "importer/dockerfile/windows_path.h"
#include "importer/oci/digester.h"

namespace hpc::dockerfile {
namespace {

absl::Status Errno(absl::string_view what, const std::string& path) {
  return absl::InternalError(
      absl::StrCat(what, " \"", path, "\": ", std::strerror(errno)));
}

class FileSink {
 public:
  explicit FileSink(std::string path) : path_(std::move(path)) {
    fd_ = open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  }
  ~FileSink() {
    if (fd_ >= 0) close(fd_);
  }
  bool ok() const { return fd_ >= 0; }
  absl::Status Write(absl::string_view data) {
    while (!data.empty()) {
      ssize_t n = write(fd_, data.data(), data.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return Errno("write", path_);
      data.remove_prefix(static_cast<size_t>(n));
    }
    return absl::OkStatus();
  }
  absl::Status Close() {
    int fd = fd_;
    fd_ = -1;
    if (close(fd) != 0) return Errno("close", path_);
    return absl::OkStatus();
  }

 private:
  std::string path_;
  int fd_ = -1;
};

absl::Status CopyFileInto(const FileNode& node, archive::TarWriter& tar) {
  int fd = open(node.host_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Errno("open", node.host_path);
  char buffer[256 << 10];
  int64_t left = node.size;
  absl::Status status;
  while (left > 0 && status.ok()) {
    ssize_t n =
        read(fd, buffer,
             static_cast<size_t>(std::min<int64_t>(left, sizeof(buffer))));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      status = Errno("read", node.host_path);
    } else if (n == 0) {
      status = absl::DataLossError(absl::StrCat(
          "\"", node.host_path, "\" became shorter while it was being read"));
    } else {
      status = tar.WriteData(absl::string_view(buffer, static_cast<size_t>(n)));
      left -= n;
    }
  }
  close(fd);
  return status;
}

}  // namespace

absl::StatusOr<WrittenLayer> WriteLayer(const FileTree& files, absl::Time mtime,
                                        absl::string_view media_type,
                                        const std::string& file) {
  // Every parent directory, then the files, all sorted by layer path.
  FileTree all = files;
  for (const auto& [path, node] : files) {
    for (size_t slash = path.rfind('/');
         slash != 0 && slash != std::string::npos;
         slash = path.rfind('/', slash - 1)) {
      all.try_emplace(path.substr(0, slash),
                      FileNode{FileNode::Type::kDirectory, "", 0, 0755, ""});
    }
  }
  all.try_emplace("/", FileNode{FileNode::Type::kDirectory, "", 0, 0755, ""});

  FileSink out(file);
  if (!out.ok()) return Errno("create", file);
  oci::Digester digest, diff_id;
  int64_t size = 0;
  archive::GzipWriter gzip([&](absl::string_view chunk) {
    digest.Update(chunk);
    size += static_cast<int64_t>(chunk.size());
    return out.Write(chunk);
  });
  auto tar = archive::TarWriter::Open(
      [&](absl::string_view chunk) {
        diff_id.Update(chunk);
        return gzip.Write(chunk);
      },
      archive::Compression::kNone, mtime);
  if (!tar.ok()) return tar.status();
  absl::Status s;
  for (const auto& [path, node] : all) {
    std::string entry = LayerPath(path);
    if (node.type == FileNode::Type::kDirectory) {
      s = (*tar)->AddDirectory(entry, node.mode);
    } else if (node.type == FileNode::Type::kSymlink) {
      s = (*tar)->AddSymlink(entry, node.link_target);
    } else {
      s = (*tar)->BeginFile(entry, node.size, node.mode);
      if (s.ok()) s = CopyFileInto(node, **tar);
    }
    if (!s.ok()) return s;
  }
  if (s = (*tar)->Close(); !s.ok()) return s;
  if (s = gzip.Close(); !s.ok()) return s;
  if (s = out.Close(); !s.ok()) return s;
  WrittenLayer layer;
  layer.descriptor.media_type = std::string(media_type);
  layer.descriptor.digest = digest.Current();
  layer.descriptor.size = size;
  layer.diff_id = diff_id.Current();
  layer.file = file;
  return layer;
}

}  // namespace hpc::dockerfile
