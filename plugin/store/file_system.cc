#include "plugin/store/file_system.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

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

std::string Parent(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
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

bool FileInfo::is_regular() const { return S_ISREG(mode); }
bool FileInfo::is_directory() const { return S_ISDIR(mode); }

FileSystem* DefaultFileSystem() {
  static PosixFileSystem* fs = new PosixFileSystem();
  return fs;
}

absl::Status ErrnoStatus(int err, absl::string_view what,
                         absl::string_view path) {
  std::string message = absl::StrCat(what, " ", path, ": ", std::strerror(err));
  switch (err) {
    case ENOENT:
    case ENOTDIR:
      return absl::NotFoundError(message);
    case EEXIST:
    case ENOTEMPTY:
      return absl::AlreadyExistsError(message);
    case ENOSPC:
    case EDQUOT:
    case EMFILE:
    case ENFILE:
      return absl::ResourceExhaustedError(message);
    case EACCES:
    case EPERM:
    case EROFS:
      return absl::PermissionDeniedError(message);
    case ELOOP:
      return absl::FailedPreconditionError(
          absl::StrCat(what, " ", path,
                       ": is a symbolic link; the store never follows links"));
    case EINVAL:
      return absl::InvalidArgumentError(message);
    default:
      return absl::InternalError(message);
  }
}

absl::StatusOr<std::string> ReadSmallFile(FileSystem& fs,
                                          const std::string& path,
                                          size_t limit) {
  auto file = fs.OpenReadable(path);
  if (!file.ok()) return file.status();
  auto info = (*file)->Stat();
  if (!info.ok()) return info.status();
  if (!info->is_regular()) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, " is not a regular file"));
  }
  if (static_cast<size_t>(info->size) > limit) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, " holds ", info->size, " bytes, more than the ",
                     limit, " expected; the store is damaged"));
  }
  std::string data(static_cast<size_t>(info->size), '\0');
  auto n = (*file)->ReadAt(0, data.data(), data.size());
  if (!n.ok()) return n.status();
  data.resize(*n);
  return data;
}

absl::Status WriteFileAtomic(FileSystem& fs, const std::string& path,
                             absl::string_view data, mode_t mode,
                             Durability durability) {
  const bool sync = durability == Durability::kPowerLoss;
  std::string tmp = absl::StrCat(path, ".tmp");
  // A leftover temporary from a crash may hold anything: start it afresh.
  if (absl::Status s = fs.Remove(tmp); !s.ok() && !absl::IsNotFound(s))
    return s;
  auto file = fs.OpenWritable(tmp, mode);
  if (!file.ok()) return file.status();
  size_t written = 0;
  absl::Status status = (*file)->WriteAt(0, data, &written);
  if (status.ok() && sync) status = (*file)->Sync();
  absl::Status closed = (*file)->Close();
  if (status.ok()) status = closed;
  if (status.ok()) status = fs.Rename(tmp, path);
  if (!status.ok()) {
    fs.Remove(tmp).IgnoreError();
    return status;
  }
  return sync ? fs.SyncDir(Parent(path)) : absl::OkStatus();
}

absl::Status RemoveAll(FileSystem& fs, const std::string& path) {
  auto info = fs.Stat(path);
  if (!info.ok()) {
    return absl::IsNotFound(info.status()) ? absl::OkStatus() : info.status();
  }
  if (info->is_directory()) {
    auto names = fs.ListDir(path);
    if (!names.ok()) return names.status();
    for (const std::string& name : *names) {
      if (absl::Status s = RemoveAll(fs, absl::StrCat(path, "/", name));
          !s.ok()) {
        return s;
      }
    }
  }
  absl::Status s = fs.Remove(path);
  return absl::IsNotFound(s) ? absl::OkStatus() : s;
}

absl::Status MakeDirs(FileSystem& fs, const std::string& path, mode_t mode) {
  auto info = fs.Stat(path);
  if (info.ok()) {
    if (info->is_directory()) return absl::OkStatus();
    return absl::FailedPreconditionError(
        absl::StrCat(path, " exists and is not a directory"));
  }
  if (!absl::IsNotFound(info.status())) return info.status();
  std::string parent = Parent(path);
  if (parent != path) {
    if (absl::Status s = MakeDirs(fs, parent, mode); !s.ok()) return s;
  }
  absl::Status s = fs.MakeDir(path, mode);
  return absl::IsAlreadyExists(s) ? absl::OkStatus() : s;
}

}  // namespace hpc::store
