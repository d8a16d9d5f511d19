// The store's only way to touch the disk.
//
// Every file operation of the content store goes through a FileSystem, so
// tests can substitute one that fails a chosen call (ENOSPC, EIO, a short
// write, a failed fsync or rename) and check the store stays consistent.
// Paths are absolute (see AbsolutePath). No call follows a symbolic link: a
// link where the store expects a file or directory is an error, never a way out
// of the root.
#ifndef HPC_PLUGIN_STORE_FILE_SYSTEM_H_
#define HPC_PLUGIN_STORE_FILE_SYSTEM_H_

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace hpc::store {

struct FileInfo {
  int64_t size = 0;
  absl::Time modified;  // mtime
  absl::Time accessed;  // atime
  mode_t mode = 0;      // type and permission bits, as lstat(2) gives them
  bool is_regular() const;
  bool is_directory() const;
};

// A file open for writing at explicit offsets: an ingest's data file.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  // Writes all of `data` at `offset`. On error, `*written` says how much of
  // it reached the file before the failure.
  virtual absl::Status WriteAt(int64_t offset, absl::string_view data,
                               size_t* written) = 0;
  virtual absl::Status Truncate(int64_t size) = 0;
  virtual absl::Status Sync() = 0;
  virtual absl::StatusOr<FileInfo> Stat() = 0;
  virtual absl::Status Close() = 0;
};

// A file open for reading at explicit offsets; safe to share across threads.
class RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;
  // Reads up to `n` bytes at `offset` into `dst`; fewer only at end of file.
  virtual absl::StatusOr<size_t> ReadAt(int64_t offset, char* dst,
                                        size_t n) const = 0;
  virtual absl::StatusOr<FileInfo> Stat() const = 0;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  // Opens (creating with `mode` if absent) for writing; never truncates.
  virtual absl::StatusOr<std::unique_ptr<WritableFile>> OpenWritable(
      const std::string& path, mode_t mode) = 0;
  virtual absl::StatusOr<std::unique_ptr<RandomAccessFile>> OpenReadable(
      const std::string& path) = 0;
  // lstat(2): a link is reported as a link, not followed.
  virtual absl::StatusOr<FileInfo> Stat(const std::string& path) = 0;
  // Names in a directory, without "." and "..", in no particular order.
  virtual absl::StatusOr<std::vector<std::string>> ListDir(
      const std::string& path) = 0;
  // Creates one directory; AlreadyExists when something is there.
  virtual absl::Status MakeDir(const std::string& path, mode_t mode) = 0;
  virtual absl::Status Rename(const std::string& from,
                              const std::string& to) = 0;
  // Removes a file or an empty directory.
  virtual absl::Status Remove(const std::string& path) = 0;
  // fsync(2) of a directory, making renames and creations in it durable.
  virtual absl::Status SyncDir(const std::string& path) = 0;
  virtual absl::Status SetTimes(const std::string& path, absl::Time accessed,
                                absl::Time modified) = 0;
  virtual absl::Status Chmod(const std::string& path, mode_t mode) = 0;
};

// The real file system. Lives for the whole process.
FileSystem* DefaultFileSystem();

// `path` in the form every FileSystem call takes: absolute, names separated
// by '/', no trailing '/'. On Windows a drive path (C:\\x or C:/x) becomes
// C:/x. InvalidArgument, naming `what`, for a relative path.
absl::StatusOr<std::string> AbsolutePath(absl::string_view path,
                                         absl::string_view what);

// Helpers built only from FileSystem calls, so injected faults reach them.

// Reads a whole small file; FailedPrecondition when it exceeds `limit` bytes.
absl::StatusOr<std::string> ReadSmallFile(FileSystem& fs,
                                          const std::string& path,
                                          size_t limit);
// How far WriteFileAtomic goes to make a write survive power loss.
enum class Durability {
  kProcessCrash,  // temporary + rename: readers never see a torn file
  kPowerLoss,     // and fsync of the file and its directory
};
// Writes `data` to `path` so that after a crash the file holds either its old
// content or all of `data`.
absl::Status WriteFileAtomic(FileSystem& fs, const std::string& path,
                             absl::string_view data, mode_t mode,
                             Durability durability);
// Removes `path` and everything below it; OK when it does not exist.
absl::Status RemoveAll(FileSystem& fs, const std::string& path);
// Creates `path` and missing parents with `mode`.
absl::Status MakeDirs(FileSystem& fs, const std::string& path, mode_t mode);

// The status for a failed system call on `path`, from errno `err`.
absl::Status ErrnoStatus(int err, absl::string_view what,
                         absl::string_view path);

}  // namespace hpc::store

#endif  // HPC_PLUGIN_STORE_FILE_SYSTEM_H_
