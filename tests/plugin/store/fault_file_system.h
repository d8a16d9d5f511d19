// A FileSystem that passes calls to the real one but fails chosen calls,
// for testing how the store behaves when the disk does not.
#ifndef HPC_TESTS_PLUGIN_STORE_FAULT_FILE_SYSTEM_H_
#define HPC_TESTS_PLUGIN_STORE_FAULT_FILE_SYSTEM_H_

#include <atomic>
#include <mutex>
#include <string>
#include <vector>

#include "absl/synchronization/notification.h"
#include "plugin/store/file_system.h"

namespace hpc::store::testing {

enum class Op {
  kOpenWritable,
  kOpenReadable,
  kWrite,
  kTruncate,
  kSync,
  kRename,
  kRemove,
  kMakeDir,
  kSyncDir,
  kSetTimes,
  kChmod,
};

struct Fault {
  Op op;
  std::string path_contains;  // empty matches every path
  int err = 5;                // errno to fail with (EIO by default)
  // For kWrite: how many bytes reach the file before the failure.
  size_t short_write = 0;
  int skip = 0;   // matching calls to let through first
  int times = 1;  // how many calls to fail (-1: all)
  // If set, the call does not fail: it waits until this is notified (a disk
  // that stalls), then goes on.
  absl::Notification* stall_until = nullptr;
};

class FaultFileSystem final : public FileSystem {
 public:
  void Inject(Fault fault);
  void Clear();
  // How many calls failed on purpose so far.
  int injected() const { return injected_.load(); }

  absl::StatusOr<std::unique_ptr<WritableFile>> OpenWritable(
      const std::string& path, mode_t mode) override;
  absl::StatusOr<std::unique_ptr<RandomAccessFile>> OpenReadable(
      const std::string& path) override;
  absl::StatusOr<FileInfo> Stat(const std::string& path) override;
  absl::StatusOr<std::vector<std::string>> ListDir(
      const std::string& path) override;
  absl::Status MakeDir(const std::string& path, mode_t mode) override;
  absl::Status Rename(const std::string& from, const std::string& to) override;
  absl::Status Remove(const std::string& path) override;
  absl::Status SyncDir(const std::string& path) override;
  absl::Status SetTimes(const std::string& path, absl::Time accessed,
                        absl::Time modified) override;
  absl::Status Chmod(const std::string& path, mode_t mode) override;

  // Returns the fault to apply to this call, if any; a stall is waited out
  // here and not returned.
  bool Trigger(Op op, const std::string& path, Fault* out);

 private:
  bool Match(Op op, const std::string& path, Fault* out);

  std::mutex mu_;
  std::vector<Fault> faults_;
  std::atomic<int> injected_{0};
};

}  // namespace hpc::store::testing

#endif  // HPC_TESTS_PLUGIN_STORE_FAULT_FILE_SYSTEM_H_
