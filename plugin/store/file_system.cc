#include "plugin/store/file_system.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace hpc::store {

namespace {

std::string Parent(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

bool FileInfo::is_regular() const { return S_ISREG(mode); }
bool FileInfo::is_directory() const { return S_ISDIR(mode); }

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
#ifdef EDQUOT
    case EDQUOT:
#endif
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
