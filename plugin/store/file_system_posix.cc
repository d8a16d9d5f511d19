// The store's FileSystem on Linux: POSIX calls that never follow a link.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "absl/strings/str_cat.h"
#include "plugin/store/file_system.h"
#include "plugin/store/store.h"

namespace hpc::store {

namespace {

absl::Time ToTime(const struct timespec& ts) {
  return absl::TimeFromTimespec(ts);
}

FileInfo ToFileInfo(const struct stat& st) {
  FileInfo info;
  info.size = st.st_size;
  info.modified = ToTime(st.st_mtim);
  info.accessed = ToTime(st.st_atim);
  info.mode = st.st_mode;
  return info;
}

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(int fd, std::string path)
      : fd_(fd), path_(std::move(path)) {}
  ~PosixWritableFile() override {
    if (fd_ >= 0) ::close(fd_);
  }

  absl::Status WriteAt(int64_t offset, absl::string_view data,
                       size_t* written) override {
    *written = 0;
    while (*written < data.size()) {
      ssize_t n = ::pwrite(fd_, data.data() + *written, data.size() - *written,
                           offset + static_cast<int64_t>(*written));
      if (n < 0) {
        if (errno == EINTR) continue;
        return ErrnoStatus(errno, "write", path_);
      }
      if (n == 0) return ErrnoStatus(EIO, "write", path_);
      *written += static_cast<size_t>(n);
    }
    return absl::OkStatus();
  }

  absl::Status Truncate(int64_t size) override {
    if (::ftruncate(fd_, size) != 0)
      return ErrnoStatus(errno, "truncate", path_);
    return absl::OkStatus();
  }

  absl::Status Sync() override {
    if (::fdatasync(fd_) != 0) return ErrnoStatus(errno, "fsync", path_);
    return absl::OkStatus();
  }

  absl::StatusOr<FileInfo> Stat() override {
    struct stat st;
    if (::fstat(fd_, &st) != 0) return ErrnoStatus(errno, "stat", path_);
    return ToFileInfo(st);
  }

  absl::Status Close() override {
    int fd = fd_;
    fd_ = -1;
    if (fd >= 0 && ::close(fd) != 0) return ErrnoStatus(errno, "close", path_);
    return absl::OkStatus();
  }

 private:
  int fd_;
  std::string path_;
};

class PosixRandomAccessFile final : public RandomAccessFile {
 public:
  PosixRandomAccessFile(int fd, std::string path)
      : fd_(fd), path_(std::move(path)) {}
  ~PosixRandomAccessFile() override { ::close(fd_); }

  absl::StatusOr<size_t> ReadAt(int64_t offset, char* dst,
                                size_t n) const override {
    size_t done = 0;
    while (done < n) {
      ssize_t r = ::pread(fd_, dst + done, n - done,
                          offset + static_cast<int64_t>(done));
      if (r < 0) {
        if (errno == EINTR) continue;
        return ErrnoStatus(errno, "read", path_);
      }
      if (r == 0) break;
      done += static_cast<size_t>(r);
    }
    return done;
  }

  absl::StatusOr<FileInfo> Stat() const override {
    struct stat st;
    if (::fstat(fd_, &st) != 0) return ErrnoStatus(errno, "stat", path_);
    return ToFileInfo(st);
  }

 private:
  int fd_;
  std::string path_;
};

class PosixFileSystem final : public FileSystem {
 public:
  absl::StatusOr<std::unique_ptr<WritableFile>> OpenWritable(
      const std::string& path, mode_t mode) override {
    int fd =
        ::open(path.c_str(), O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0) return ErrnoStatus(errno, "open", path);
    return std::make_unique<PosixWritableFile>(fd, path);
  }

  absl::StatusOr<std::unique_ptr<RandomAccessFile>> OpenReadable(
      const std::string& path) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return ErrnoStatus(errno, "open", path);
    return std::make_unique<PosixRandomAccessFile>(fd, path);
  }

  absl::StatusOr<FileInfo> Stat(const std::string& path) override {
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0)
      return ErrnoStatus(errno, "stat", path);
    return ToFileInfo(st);
  }

  absl::StatusOr<std::vector<std::string>> ListDir(
      const std::string& path) override {
    int fd =
        ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return ErrnoStatus(errno, "open directory", path);
    DIR* dir = ::fdopendir(fd);
    if (dir == nullptr) {
      int err = errno;
      ::close(fd);
      return ErrnoStatus(err, "open directory", path);
    }
    std::vector<std::string> names;
    errno = 0;
    while (struct dirent* entry = ::readdir(dir)) {
      absl::string_view name = entry->d_name;
      if (name != "." && name != "..") names.emplace_back(name);
    }
    int err = errno;
    ::closedir(dir);
    if (err != 0) return ErrnoStatus(err, "read directory", path);
    return names;
  }

  absl::Status MakeDir(const std::string& path, mode_t mode) override {
    if (::mkdir(path.c_str(), mode) != 0)
      return ErrnoStatus(errno, "mkdir", path);
    return absl::OkStatus();
  }

  absl::Status Rename(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) {
      return ErrnoStatus(errno, absl::StrCat("rename to ", to, " from"), from);
    }
    return absl::OkStatus();
  }

  absl::Status Remove(const std::string& path) override {
    if (::unlink(path.c_str()) == 0) return absl::OkStatus();
    if (errno == EISDIR || errno == EPERM) {
      if (::rmdir(path.c_str()) == 0) return absl::OkStatus();
    }
    return ErrnoStatus(errno, "remove", path);
  }

  absl::Status SyncDir(const std::string& path) override {
    int fd =
        ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return ErrnoStatus(errno, "open directory", path);
    int rc = ::fsync(fd);
    int err = errno;
    ::close(fd);
    if (rc != 0) return ErrnoStatus(err, "fsync directory", path);
    return absl::OkStatus();
  }

  absl::Status SetTimes(const std::string& path, absl::Time accessed,
                        absl::Time modified) override {
    struct timespec ts[2] = {absl::ToTimespec(accessed),
                             absl::ToTimespec(modified)};
    if (::utimensat(AT_FDCWD, path.c_str(), ts, AT_SYMLINK_NOFOLLOW) != 0) {
      return ErrnoStatus(errno, "set times of", path);
    }
    return absl::OkStatus();
  }

  absl::Status Chmod(const std::string& path, mode_t mode) override {
    // fchmodat refuses AT_SYMLINK_NOFOLLOW on Linux; lstat first instead.
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0)
      return ErrnoStatus(errno, "chmod", path);
    if (S_ISLNK(st.st_mode)) return ErrnoStatus(ELOOP, "chmod", path);
    if (::chmod(path.c_str(), mode) != 0)
      return ErrnoStatus(errno, "chmod", path);
    return absl::OkStatus();
  }
};

}  // namespace

absl::StatusOr<std::string> AbsolutePath(absl::string_view path,
                                         absl::string_view what) {
  if (path.empty() || path[0] != '/') {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " \"", path, "\" must be an absolute path"));
  }
  std::string clean(path);
  while (clean.size() > 1 && clean.back() == '/') clean.pop_back();
  return clean;
}

std::string DefaultStoreRoot() { return "/var/lib/hpc-content"; }

FileSystem* DefaultFileSystem() {
  static PosixFileSystem* fs = new PosixFileSystem();
  return fs;
}

}  // namespace hpc::store
