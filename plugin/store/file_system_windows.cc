// The store's FileSystem on Windows: Win32 calls on wide paths.
//
// Files are opened with delete sharing, so containerd's garbage collection
// can remove a blob that a reader still holds; data reaches the disk through
// FlushFileBuffers; a rename replaces its target atomically and is written
// through. A reparse point (a symbolic link or junction) is never followed:
// every open names FILE_FLAG_OPEN_REPARSE_POINT and refuses what it got when
// that is a reparse point, as O_NOFOLLOW does on Linux. A directory made
// owner-only (mode 0700, the store's root) gets a protected ACL that grants
// SYSTEM and Administrators alone, inherited by everything below it.
#include <windows.h>
// after windows.h
#include <aclapi.h>
#include <sddl.h>
#include <sys/stat.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"
#include "importer/windows/wide_path.h"
#include "importer/windows/win32_status.h"
#include "plugin/store/file_system.h"
#include "plugin/store/store.h"

namespace hpc::store {

namespace {

// lstat(2)'s type bits where the CRT has no name for them.
constexpr mode_t kLinkMode = 0xA000;

// Windows' FILETIME counts 100 ns ticks from 1601-01-01.
constexpr int64_t kFileTimeUnixEpoch = 116444736000000000LL;

absl::Time FromFileTime(const FILETIME& ft) {
  int64_t ticks =
      (static_cast<int64_t>(ft.dwHighDateTime) << 32) | ft.dwLowDateTime;
  return absl::FromUnixNanos((ticks - kFileTimeUnixEpoch) * 100);
}

FILETIME ToFileTime(absl::Time t) {
  int64_t ticks = absl::ToUnixNanos(t) / 100 + kFileTimeUnixEpoch;
  FILETIME ft;
  ft.dwLowDateTime = static_cast<DWORD>(ticks & 0xffffffff);
  ft.dwHighDateTime = static_cast<DWORD>(ticks >> 32);
  return ft;
}

mode_t ModeOf(DWORD attributes) {
  if (attributes & FILE_ATTRIBUTE_REPARSE_POINT) return kLinkMode | 0777;
  if (attributes & FILE_ATTRIBUTE_DIRECTORY) return S_IFDIR | 0755;
  return S_IFREG | ((attributes & FILE_ATTRIBUTE_READONLY) ? 0444 : 0644);
}

FileInfo InfoOf(DWORD attributes, DWORD size_high, DWORD size_low,
                const FILETIME& accessed, const FILETIME& modified) {
  FileInfo info;
  info.size = (static_cast<int64_t>(size_high) << 32) | size_low;
  info.modified = FromFileTime(modified);
  info.accessed = FromFileTime(accessed);
  info.mode = ModeOf(attributes);
  return info;
}

absl::Status LinkRefused(absl::string_view what, absl::string_view path) {
  return absl::FailedPreconditionError(absl::StrCat(
      what, " ", path, ": is a reparse point; the store never follows links"));
}

absl::StatusOr<FileInfo> HandleInfo(HANDLE handle, const std::string& path) {
  BY_HANDLE_FILE_INFORMATION fi;
  if (!GetFileInformationByHandle(handle, &fi))
    return Win32Status(GetLastError(), "stat", path);
  return InfoOf(fi.dwFileAttributes, fi.nFileSizeHigh, fi.nFileSizeLow,
                fi.ftLastAccessTime, fi.ftLastWriteTime);
}

OVERLAPPED At(int64_t offset) {
  OVERLAPPED o{};
  o.Offset = static_cast<DWORD>(offset & 0xffffffff);
  o.OffsetHigh = static_cast<DWORD>(static_cast<uint64_t>(offset) >> 32);
  return o;
}

constexpr DWORD kShareAll =
    FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE;

// Opens `path` without following a reparse point at its end; refuses one.
absl::StatusOr<HANDLE> OpenNoFollow(const std::string& path, DWORD access,
                                    DWORD disposition, DWORD flags,
                                    absl::string_view what) {
  std::wstring wide = WidePath(path);
  HANDLE h = CreateFileW(wide.c_str(), access, kShareAll, nullptr, disposition,
                         flags | FILE_FLAG_OPEN_REPARSE_POINT, nullptr);
  if (h == INVALID_HANDLE_VALUE) return Win32Status(GetLastError(), what, path);
  BY_HANDLE_FILE_INFORMATION fi;
  if (GetFileInformationByHandle(h, &fi) &&
      (fi.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT)) {
    CloseHandle(h);
    return LinkRefused(what, path);
  }
  return h;
}

class WindowsWritableFile final : public WritableFile {
 public:
  WindowsWritableFile(HANDLE h, std::string path)
      : h_(h), path_(std::move(path)) {}
  ~WindowsWritableFile() override {
    if (h_ != INVALID_HANDLE_VALUE) CloseHandle(h_);
  }

  absl::Status WriteAt(int64_t offset, absl::string_view data,
                       size_t* written) override {
    *written = 0;
    while (*written < data.size()) {
      DWORD chunk = static_cast<DWORD>(
          std::min<size_t>(data.size() - *written, 1u << 30));
      OVERLAPPED o = At(offset + static_cast<int64_t>(*written));
      DWORD n = 0;
      if (!WriteFile(h_, data.data() + *written, chunk, &n, &o))
        return Win32Status(GetLastError(), "write", path_);
      if (n == 0) return Win32Status(ERROR_WRITE_FAULT, "write", path_);
      *written += n;
    }
    return absl::OkStatus();
  }

  absl::Status Truncate(int64_t size) override {
    FILE_END_OF_FILE_INFO eof{};
    eof.EndOfFile.QuadPart = size;
    if (!SetFileInformationByHandle(h_, FileEndOfFileInfo, &eof, sizeof(eof)))
      return Win32Status(GetLastError(), "truncate", path_);
    return absl::OkStatus();
  }

  absl::Status Sync() override {
    if (!FlushFileBuffers(h_))
      return Win32Status(GetLastError(), "fsync", path_);
    return absl::OkStatus();
  }

  absl::StatusOr<FileInfo> Stat() override { return HandleInfo(h_, path_); }

  absl::Status Close() override {
    HANDLE h = h_;
    h_ = INVALID_HANDLE_VALUE;
    if (h != INVALID_HANDLE_VALUE && !CloseHandle(h))
      return Win32Status(GetLastError(), "close", path_);
    return absl::OkStatus();
  }

 private:
  HANDLE h_;
  std::string path_;
};

class WindowsRandomAccessFile final : public RandomAccessFile {
 public:
  WindowsRandomAccessFile(HANDLE h, std::string path)
      : h_(h), path_(std::move(path)) {}
  ~WindowsRandomAccessFile() override { CloseHandle(h_); }

  absl::StatusOr<size_t> ReadAt(int64_t offset, char* dst,
                                size_t n) const override {
    size_t done = 0;
    while (done < n) {
      DWORD chunk = static_cast<DWORD>(std::min<size_t>(n - done, 1u << 30));
      OVERLAPPED o = At(offset + static_cast<int64_t>(done));
      DWORD r = 0;
      if (!ReadFile(h_, dst + done, chunk, &r, &o)) {
        DWORD err = GetLastError();
        if (err == ERROR_HANDLE_EOF) break;
        return Win32Status(err, "read", path_);
      }
      if (r == 0) break;
      done += r;
    }
    return done;
  }

  absl::StatusOr<FileInfo> Stat() const override {
    return HandleInfo(h_, path_);
  }

 private:
  HANDLE h_;
  std::string path_;
};

// FileDispositionInfoEx (Windows 10 1607), which mingw-w64's headers hide
// behind a _WIN32_WINNT test no value can pass.
constexpr auto kFileDispositionInfoEx =
    static_cast<FILE_INFO_BY_HANDLE_CLASS>(21);

bool IsDirectory(HANDLE h) {
  FILE_BASIC_INFO basic;
  return GetFileInformationByHandleEx(h, FileBasicInfo, &basic, sizeof basic) &&
         (basic.FileAttributes & FILE_ATTRIBUTE_DIRECTORY);
}

// Committed blobs are read-only, as containerd leaves them.
void ClearReadOnly(HANDLE h) {
  FILE_BASIC_INFO basic;
  if (GetFileInformationByHandleEx(h, FileBasicInfo, &basic, sizeof basic) &&
      (basic.FileAttributes & FILE_ATTRIBUTE_READONLY)) {
    basic.FileAttributes &= ~DWORD{FILE_ATTRIBUTE_READONLY};
    SetFileInformationByHandle(h, FileBasicInfo, &basic, sizeof basic);
  }
}

// Renames an open file within its folder to ".removed-PID-N", a name that
// is neither a digest nor an ingest; best effort.
void MoveAside(HANDLE h, const std::wstring& wide) {
  static std::atomic<uint64_t> counter{0};
  std::wstring target = wide.substr(0, wide.find_last_of(L'\\') + 1) +
                        L".removed-" + std::to_wstring(GetCurrentProcessId()) +
                        L"-" + std::to_wstring(++counter);
  std::string buffer(sizeof(FILE_RENAME_INFO) + target.size() * sizeof(wchar_t),
                     '\0');
  auto* rename = reinterpret_cast<FILE_RENAME_INFO*>(buffer.data());
  rename->ReplaceIfExists = FALSE;
  rename->RootDirectory = nullptr;
  rename->FileNameLength = static_cast<DWORD>(target.size() * sizeof(wchar_t));
  std::memcpy(rename->FileName, target.data(), rename->FileNameLength);
  SetFileInformationByHandle(h, FileRenameInfo, rename,
                             static_cast<DWORD>(buffer.size()));
}

// The ACL of an owner-only directory: SYSTEM and Administrators, full
// control, inherited; nothing from the parent.
constexpr wchar_t kOwnerOnlyDacl[] = L"D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)";

absl::Status RestrictToAdministrators(const std::string& path) {
  PSECURITY_DESCRIPTOR sd = nullptr;
  if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(
          kOwnerOnlyDacl, SDDL_REVISION_1, &sd, nullptr)) {
    return Win32Status(GetLastError(), "make the ACL of", path);
  }
  BOOL present = FALSE, defaulted = FALSE;
  PACL dacl = nullptr;
  GetSecurityDescriptorDacl(sd, &present, &dacl, &defaulted);
  std::wstring wide = WidePath(path);
  DWORD rc = SetNamedSecurityInfoW(
      wide.data(), SE_FILE_OBJECT,
      DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION, nullptr,
      nullptr, dacl, nullptr);
  LocalFree(sd);
  if (rc != ERROR_SUCCESS) return Win32Status(rc, "set the ACL of", path);
  return absl::OkStatus();
}

class WindowsFileSystem final : public FileSystem {
 public:
  absl::StatusOr<std::unique_ptr<WritableFile>> OpenWritable(
      const std::string& path, mode_t mode) override {
    auto h = OpenNoFollow(path, GENERIC_READ | GENERIC_WRITE, OPEN_ALWAYS,
                          FILE_ATTRIBUTE_NORMAL, "open");
    if (!h.ok()) return h.status();
    return std::make_unique<WindowsWritableFile>(*h, path);
  }

  absl::StatusOr<std::unique_ptr<RandomAccessFile>> OpenReadable(
      const std::string& path) override {
    auto h = OpenNoFollow(path, GENERIC_READ, OPEN_EXISTING,
                          FILE_ATTRIBUTE_NORMAL, "open");
    if (!h.ok()) return h.status();
    return std::make_unique<WindowsRandomAccessFile>(*h, path);
  }

  absl::StatusOr<FileInfo> Stat(const std::string& path) override {
    WIN32_FILE_ATTRIBUTE_DATA data;
    std::wstring wide = WidePath(path);
    if (!GetFileAttributesExW(wide.c_str(), GetFileExInfoStandard, &data))
      return Win32Status(GetLastError(), "stat", path);
    return InfoOf(data.dwFileAttributes, data.nFileSizeHigh, data.nFileSizeLow,
                  data.ftLastAccessTime, data.ftLastWriteTime);
  }

  absl::StatusOr<std::vector<std::string>> ListDir(
      const std::string& path) override {
    auto info = Stat(path);
    if (!info.ok()) return info.status();
    if ((info->mode & S_IFMT) == kLinkMode)
      return LinkRefused("open directory", path);
    std::wstring pattern = WidePath(path) + L"\\*";
    WIN32_FIND_DATAW found;
    HANDLE h = FindFirstFileExW(pattern.c_str(), FindExInfoBasic, &found,
                                FindExSearchNameMatch, nullptr, 0);
    if (h == INVALID_HANDLE_VALUE) {
      DWORD err = GetLastError();
      if (err == ERROR_FILE_NOT_FOUND) return std::vector<std::string>();
      return Win32Status(err, "open directory", path);
    }
    std::vector<std::string> names;
    do {
      std::string name = Utf8(found.cFileName);
      if (name != "." && name != "..") names.push_back(std::move(name));
    } while (FindNextFileW(h, &found));
    DWORD err = GetLastError();
    FindClose(h);
    if (err != ERROR_NO_MORE_FILES)
      return Win32Status(err, "read directory", path);
    return names;
  }

  absl::Status MakeDir(const std::string& path, mode_t mode) override {
    std::wstring wide = WidePath(path);
    if (!CreateDirectoryW(wide.c_str(), nullptr))
      return Win32Status(GetLastError(), "mkdir", path);
    return absl::OkStatus();
  }

  absl::Status Rename(const std::string& from, const std::string& to) override {
    std::wstring wfrom = WidePath(from), wto = WidePath(to);
    if (!MoveFileExW(wfrom.c_str(), wto.c_str(),
                     MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH)) {
      return Win32Status(GetLastError(),
                         absl::StrCat("rename to ", to, " from"), from);
    }
    return absl::OkStatus();
  }

  absl::Status Remove(const std::string& path) override {
    // A link is removed itself, never what it points at.
    std::wstring wide = WidePath(path);
    HANDLE h = CreateFileW(
        wide.c_str(), DELETE | FILE_READ_ATTRIBUTES | FILE_WRITE_ATTRIBUTES,
        kShareAll, nullptr, OPEN_EXISTING,
        FILE_FLAG_OPEN_REPARSE_POINT | FILE_FLAG_BACKUP_SEMANTICS, nullptr);
    if (h == INVALID_HANDLE_VALUE)
      return Win32Status(GetLastError(), "remove", path);
    // The name goes at once even while readers hold the file open, as
    // unlink(2) does: a deleted blob is NotFound, and its folder can go.
    FILE_DISPOSITION_INFO_EX posix{
        FILE_DISPOSITION_FLAG_DELETE | FILE_DISPOSITION_FLAG_POSIX_SEMANTICS |
        FILE_DISPOSITION_FLAG_IGNORE_READONLY_ATTRIBUTE};
    BOOL ok = SetFileInformationByHandle(h, kFileDispositionInfoEx, &posix,
                                         sizeof posix);
    DWORD err = ok ? ERROR_SUCCESS : GetLastError();
    if (!ok) {
      // File systems without POSIX deletion (FAT, wine): a deleted file
      // keeps its name until the last handle closes, so it first moves
      // aside to a name no digest or ingest can have.
      if (!IsDirectory(h)) MoveAside(h, wide);
      ClearReadOnly(h);
      FILE_DISPOSITION_INFO classic{TRUE};
      ok = SetFileInformationByHandle(h, FileDispositionInfo, &classic,
                                      sizeof classic);
      err = ok ? ERROR_SUCCESS : GetLastError();
    }
    CloseHandle(h);
    if (!ok) return Win32Status(err, "remove", path);
    return absl::OkStatus();
  }

  absl::Status SyncDir(const std::string& path) override {
    // NTFS journals its directories: a rename written through
    // (MOVEFILE_WRITE_THROUGH) is durable once it returns.
    return absl::OkStatus();
  }

  absl::Status SetTimes(const std::string& path, absl::Time accessed,
                        absl::Time modified) override {
    auto h = OpenNoFollow(path, FILE_WRITE_ATTRIBUTES, OPEN_EXISTING,
                          FILE_FLAG_BACKUP_SEMANTICS, "set times of");
    if (!h.ok()) return h.status();
    FILETIME a = ToFileTime(accessed), m = ToFileTime(modified);
    BOOL ok = SetFileTime(*h, nullptr, &a, &m);
    DWORD err = GetLastError();
    CloseHandle(*h);
    if (!ok) return Win32Status(err, "set times of", path);
    return absl::OkStatus();
  }

  // Permission bits map to what Windows has: a file without its owner's
  // write bit is read-only; an owner-only directory is limited to SYSTEM and
  // Administrators.
  absl::Status Chmod(const std::string& path, mode_t mode) override {
    auto info = Stat(path);
    if (!info.ok()) return info.status();
    if ((info->mode & S_IFMT) == kLinkMode) return LinkRefused("chmod", path);
    if (info->is_directory()) {
      if ((mode & 077) == 0) return RestrictToAdministrators(path);
      return absl::OkStatus();
    }
    std::wstring wide = WidePath(path);
    DWORD attributes = GetFileAttributesW(wide.c_str());
    DWORD wanted = (mode & 0200)
                       ? (attributes & ~DWORD{FILE_ATTRIBUTE_READONLY})
                       : (attributes | FILE_ATTRIBUTE_READONLY);
    if (wanted != attributes && !SetFileAttributesW(wide.c_str(), wanted))
      return Win32Status(GetLastError(), "chmod", path);
    return absl::OkStatus();
  }
};

bool IsDriveAbsolute(absl::string_view path) {
  return path.size() >= 3 && absl::ascii_isalpha(path[0]) && path[1] == ':' &&
         (path[2] == '\\' || path[2] == '/');
}

}  // namespace

absl::StatusOr<std::string> AbsolutePath(absl::string_view path,
                                         absl::string_view what) {
  if (!IsDriveAbsolute(path)) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " \"", path,
                     "\" must be an absolute path with a drive (C:\\...)"));
  }
  std::string clean = absl::StrReplaceAll(path, {{"\\", "/"}});
  while (clean.size() > 3 && clean.back() == '/') clean.pop_back();
  return clean;
}

std::string DefaultStoreRoot() { return "C:\\ProgramData\\hpc-content"; }

FileSystem* DefaultFileSystem() {
  static WindowsFileSystem* fs = new WindowsFileSystem();
  return fs;
}

}  // namespace hpc::store
