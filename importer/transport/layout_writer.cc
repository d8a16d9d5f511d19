#include "importer/transport/layout_writer.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

#include "absl/strings/str_cat.h"
#include "importer/archive/tar_writer.h"

namespace hpc::transport {

namespace fs = std::filesystem;

namespace {

absl::Status Errno(absl::string_view what, const std::string& path) {
  return absl::Status(
      errno == ENOSPC ? absl::StatusCode::kResourceExhausted
      : errno == EACCES || errno == EPERM || errno == EROFS
          ? absl::StatusCode::kPermissionDenied
          : absl::StatusCode::kInternal,
      absl::StrCat(what, " ", path, ": ", std::strerror(errno)));
}

// Renames `tmp` over `target`, replacing it (on Windows too, where the C
// library's rename refuses an existing target).
absl::Status ReplaceWith(const std::string& tmp, const fs::path& target) {
  std::error_code ec;
  fs::rename(tmp, target, ec);
  if (ec) {
    return absl::InternalError(absl::StrCat(
        "rename ", tmp, " to ", target.string(), ": ", ec.message()));
  }
  return absl::OkStatus();
}

// Writes all of `data` to `fd`.
absl::Status WriteAll(int fd, absl::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("write", path);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

class DirectoryWriter final : public LayoutWriter {
 public:
  DirectoryWriter(std::string dir, bool created)
      : dir_(std::move(dir)), created_(created) {}
  ~DirectoryWriter() override {
    if (created_ && !committed_) {
      std::error_code ec;
      fs::remove_all(dir_, ec);
    }
  }

  bool Has(const std::string& path) const override {
    std::error_code ec;
    return fs::exists(fs::path(dir_) / path, ec);
  }

  absl::Status AddFile(const std::string& path, int64_t size,
                       const Producer& produce) override {
    fs::path target = fs::path(dir_) / path;
    std::error_code ec;
    fs::create_directories(target.parent_path(), ec);
    if (ec) {
      return absl::InternalError(absl::StrCat(
          "creating ", target.parent_path().string(), ": ", ec.message()));
    }
    std::string tmp = target.string() + ".tmp";
    int fd =
        ::open(tmp.c_str(),
               O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) return Errno("create", tmp);
    int64_t written = 0;
    absl::Status status = produce([&](absl::string_view chunk) {
      written += static_cast<int64_t>(chunk.size());
      return WriteAll(fd, chunk, tmp);
    });
    if (status.ok() && written != size) {
      status = absl::DataLossError(
          absl::StrCat(path, ": wrote ", written, " bytes, expected ", size));
    }
    if (::close(fd) != 0 && status.ok()) status = Errno("close", tmp);
    if (status.ok()) status = ReplaceWith(tmp, target);
    if (!status.ok()) ::unlink(tmp.c_str());
    return status;
  }

  absl::StatusOr<std::string> ReadExisting(
      const std::string& path) const override {
    std::ifstream in(fs::path(dir_) / path, std::ios::binary);
    if (!in)
      return absl::NotFoundError(
          absl::StrCat(dir_, "/", path, " does not exist"));
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  absl::Status Commit() override {
    committed_ = true;
    return absl::OkStatus();
  }

 private:
  std::string dir_;
  bool created_;
  bool committed_ = false;
};

class ArchiveWriter final : public LayoutWriter {
 public:
  ArchiveWriter(std::string file, std::string tmp, int fd)
      : file_(std::move(file)), tmp_(std::move(tmp)), fd_(fd) {}
  ~ArchiveWriter() override {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlink(tmp_.c_str());
  }

  absl::Status Open(absl::Time mtime) {
    auto tar = archive::TarWriter::Open(
        [this](absl::string_view chunk) { return WriteAll(fd_, chunk, tmp_); },
        archive::Compression::kNone, mtime);
    if (!tar.ok()) return tar.status();
    tar_ = std::move(*tar);
    return absl::OkStatus();
  }

  bool Has(const std::string& path) const override {
    return written_.count(path) > 0;
  }

  absl::Status AddFile(const std::string& path, int64_t size,
                       const Producer& produce) override {
    if (absl::Status s = tar_->BeginFile(path, size); !s.ok()) return s;
    int64_t written = 0;
    absl::Status status = produce([&](absl::string_view chunk) {
      written += static_cast<int64_t>(chunk.size());
      if (written > size) {
        return absl::DataLossError(
            absl::StrCat(path, ": more than the ", size, " bytes declared"));
      }
      return tar_->WriteData(chunk);
    });
    if (status.ok() && written != size) {
      status = absl::DataLossError(
          absl::StrCat(path, ": wrote ", written, " bytes, expected ", size));
    }
    if (status.ok()) written_.insert(path);
    return status;
  }

  absl::StatusOr<std::string> ReadExisting(
      const std::string& path) const override {
    return absl::NotFoundError(
        absl::StrCat(path, " is not read back from archives"));
  }

  absl::Status Commit() override {
    if (absl::Status s = tar_->Close(); !s.ok()) return s;
    if (::fsync(fd_) != 0) return Errno("fsync", tmp_);
    if (::close(fd_) != 0) {
      fd_ = -1;
      return Errno("close", tmp_);
    }
    fd_ = -1;
    if (absl::Status s = ReplaceWith(tmp_, file_); !s.ok()) return s;
    committed_ = true;
    return absl::OkStatus();
  }

 private:
  std::string file_;
  std::string tmp_;
  int fd_;
  std::unique_ptr<archive::TarWriter> tar_;
  std::set<std::string> written_;
  bool committed_ = false;
};

}  // namespace

absl::Status LayoutWriter::AddBytes(const std::string& path,
                                    absl::string_view bytes) {
  return AddFile(path, static_cast<int64_t>(bytes.size()),
                 [&](const auto& write) { return write(bytes); });
}

absl::StatusOr<std::unique_ptr<LayoutWriter>> OpenLayoutDirectory(
    const std::string& dir, bool force) {
  std::error_code ec;
  bool exists = fs::exists(dir, ec);
  if (exists) {
    if (!fs::is_directory(dir, ec)) {
      return absl::AlreadyExistsError(
          absl::StrCat(dir, " exists and is not a directory"));
    }
    bool empty = fs::is_empty(dir, ec);
    bool layout = fs::exists(fs::path(dir) / "oci-layout", ec);
    if (!force) {
      return absl::AlreadyExistsError(
          absl::StrCat(dir, " exists; pass --force to add the image to it"));
    }
    if (!empty && !layout) {
      return absl::FailedPreconditionError(
          absl::StrCat(dir,
                       " exists and is not an OCI layout; refusing to write "
                       "into it even with --force"));
    }
  } else {
    fs::create_directories(dir, ec);
    if (ec)
      return absl::PermissionDeniedError(
          absl::StrCat("creating ", dir, ": ", ec.message()));
  }
  return std::unique_ptr<LayoutWriter>(new DirectoryWriter(dir, !exists));
}

absl::StatusOr<std::unique_ptr<LayoutWriter>> OpenLayoutArchive(
    const std::string& file, bool force, absl::Time mtime) {
  std::error_code ec;
  if (fs::exists(file, ec)) {
    if (fs::is_directory(file, ec)) {
      return absl::AlreadyExistsError(absl::StrCat(file, " is a directory"));
    }
    if (!force) {
      return absl::AlreadyExistsError(
          absl::StrCat(file, " exists; pass --force to replace it"));
    }
  }
  fs::path target(file);
  std::string dir =
      target.has_parent_path() ? target.parent_path().string() : ".";
  std::string tmp =
      absl::StrCat(dir, "/.", target.filename().string(), ".XXXXXX");
  int fd = ::mkstemp(tmp.data());
  if (fd < 0) return Errno("create a temporary file in", dir);
  fs::permissions(tmp,
                  fs::perms::owner_read | fs::perms::owner_write |
                      fs::perms::group_read | fs::perms::others_read,
                  ec);
  auto writer = std::make_unique<ArchiveWriter>(file, tmp, fd);
  if (absl::Status s = writer->Open(mtime); !s.ok()) return s;
  return std::unique_ptr<LayoutWriter>(std::move(writer));
}

}  // namespace hpc::transport
